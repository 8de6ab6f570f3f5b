"""The background task of the search infrastructure (django-tasks, database backend), defined
with the engine that queues it (atelier.search.engine.index_sync_task)."""

from .engine import index_sync_task

__all__ = ["index_sync_task"]
