"""The background task of the search infrastructure (django-tasks, database backend)."""

from django_tasks import task

from .engine import sync_all


@task()
def index_sync_task(names: list[str] | None = None) -> str:
    """Bring the named embedded indexes (all registered ones by default) up to date with the
    database: queued by bulk writers after every import, and by a request that found an
    index too far behind to catch up itself."""
    return ", ".join(f"{name}: {action}" for name, action in sync_all(names).items())
