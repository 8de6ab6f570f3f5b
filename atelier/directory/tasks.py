"""Background tasks of the directory (django-tasks). The embedded indexes are synced by the
search infrastructure's own task (atelier.search.tasks.index_sync_task)."""

from django_tasks import task

from .selectors.map import pyramid_state
from .services.map import map_pyramid_refresh


@task()
def map_pyramid_refresh_task() -> str:
    """Rebuild the unfiltered map's precomputed clusters after a bulk write, unless a refresh
    queued by an earlier write already did (the map serves the pyramid only when it is current:
    the map index or live queries answer meanwhile)."""
    if pyramid_state() is not None:
        return "current"
    pyramid = map_pyramid_refresh()
    return f"rebuilt to zoom {pyramid.max_zoom}"
