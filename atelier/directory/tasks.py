"""Background tasks of the directory (django-tasks)."""

from django_tasks import task

from .map_index import map_index_sync
from .search_index import search_index_sync


@task()
def search_index_sync_task() -> str:
    """Bring the embedded indexes up to date with the database: the Atlas search index
    (search_index) and the filtered map's index (map_index), which a map request only catches
    up when little changed."""
    search = search_index_sync()["action"]
    return f"{search}, map: {map_index_sync()['action']}"
