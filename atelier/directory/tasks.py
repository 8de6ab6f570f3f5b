"""Background tasks of the directory (django-tasks)."""

from django_tasks import task

from .map_index import map_index_sync
from .search_index import search_index_sync
from .selectors.map import pyramid_state
from .services.map import map_pyramid_refresh


@task()
def search_index_sync_task() -> str:
    """Bring the embedded indexes up to date with the database: the Atlas search index
    (search_index) and the filtered map's index (map_index), which a map request only catches
    up when little changed."""
    search = search_index_sync()["action"]
    return f"{search}, map: {map_index_sync()['action']}"


@task()
def map_pyramid_refresh_task() -> str:
    """Rebuild the unfiltered map's precomputed clusters after a bulk write, unless a refresh
    queued by an earlier write already did (the map serves the pyramid only when it is current:
    the map index or live queries answer meanwhile)."""
    if pyramid_state() is not None:
        return "current"
    pyramid = map_pyramid_refresh()
    return f"rebuilt to zoom {pyramid.max_zoom}"
