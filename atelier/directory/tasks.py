"""Background tasks of the directory (django-tasks)."""

from django_tasks import task

from .search_index import search_index_sync


@task()
def search_index_sync_task() -> str:
    """Bring the embedded search index up to date with the database (see search_index)."""
    return search_index_sync()["action"]
