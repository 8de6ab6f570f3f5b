"""Background work yields the processor to the requests.

An import, an index sync or an aggregate rebuild may keep a core busy for minutes; the pages and
the API answering meanwhile must not queue behind it ("a reader never waits for a writer" holds
for the processor as for the locks). So batch work lowers its own scheduling priority before it
starts: `background_priority()` raises the nice value of the calling thread (Linux keeps one per
thread; the threads it starts afterwards, tantivy's writers among them, inherit it) by
ATELIER_BACKGROUND_NICE, once per thread. On a machine with idle cores nothing changes; on a
busy one the kernel gives the requests' processes the larger share. 0 turns it off.

On PostgreSQL the work of a query runs in the server's processes, which the nice value does not
reach, and a large query of a sync or an import may take several of them (parallel workers) and
every core of a server shared with the requests. So the same call makes the thread's database
sessions, the open one and those it opens later, plan without parallel workers
(`max_parallel_workers_per_gather = 0`): background queries take one server process each, the
requests keep the others."""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)
_done = threading.local()


def background_priority() -> int:
    """Lower the priority of the calling thread for background work; returns the nice value
    now in force (unchanged when already lowered, turned off or not supported)."""
    step = int(getattr(settings, "ATELIER_BACKGROUND_NICE", 10))
    nice = getattr(os, "nice", None)
    if step <= 0 or getattr(_done, "lowered", False):
        return nice(0) if nice is not None else 0
    _done.lowered = True
    for connection in connections.all(initialized_only=True):
        _serial_queries(connection)
    if nice is None:
        return 0
    try:
        return nice(step)
    except OSError as exc:  # a sandbox forbidding it: the work goes on at normal priority
        logger.warning("Could not lower the priority of background work: %s", exc)
        return nice(0)


def _serial_queries(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")


def _on_connection_created(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    """A session opened by a thread doing background work (a reconnection after
    CONN_MAX_AGE, another database alias) plans like the first one."""
    if getattr(_done, "lowered", False):
        _serial_queries(connection)


connection_created.connect(_on_connection_created, dispatch_uid="atelier.core.priority")
