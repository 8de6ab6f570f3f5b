"""Background work yields the processor to the requests.

An import, an index sync or an aggregate rebuild may keep a core busy for minutes; the pages and
the API answering meanwhile must not queue behind it ("a reader never waits for a writer" holds
for the processor as for the locks). So batch work lowers its own scheduling priority before it
starts: `background_priority()` raises the nice value of the calling thread (Linux keeps one per
thread; the threads it starts afterwards, tantivy's writers among them, inherit it) by
ATELIER_BACKGROUND_NICE, once per thread. On a machine with idle cores nothing changes; on a
busy one the kernel gives the requests' processes the larger share. 0 turns it off."""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings

logger = logging.getLogger(__name__)
_done = threading.local()


def background_priority() -> int:
    """Lower the priority of the calling thread for background work; returns the nice value
    now in force (unchanged when already lowered, turned off or not supported)."""
    step = int(getattr(settings, "ATELIER_BACKGROUND_NICE", 10))
    nice = getattr(os, "nice", None)
    if nice is None:
        return 0
    if step <= 0 or getattr(_done, "lowered", False):
        return nice(0)
    _done.lowered = True
    try:
        return nice(step)
    except OSError as exc:  # a sandbox forbidding it: the work goes on at normal priority
        logger.warning("Could not lower the priority of background work: %s", exc)
        return nice(0)
