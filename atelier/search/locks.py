"""One writer at a time per index directory, across the threads of a process and across
processes; readers never take it."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "write.lock"


class IndexBusy(Exception):
    """Another thread or process is writing the index (raised by `writing(wait=False)`)."""


# One re-entrant lock per index directory, for the threads of this process.
_locks: dict[Path, threading.RLock] = {}
_locks_guard = threading.Lock()
_depth: dict[Path, int] = {}


@contextmanager
def writing(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the write lock of the index in `path`: re-entrant in one thread, exclusive across
    threads (a lock) and processes (`flock` on `path/write.lock`). `wait=False` raises
    IndexBusy at once instead of waiting: what a request does, so that it never queues behind
    a sync or a rebuild."""
    with _locks_guard:
        lock = _locks.setdefault(path, threading.RLock())
    if not lock.acquire(blocking=wait):
        raise IndexBusy
    try:
        depth = _depth.get(path, 0)
        if depth:
            _depth[path] = depth + 1
            try:
                yield
            finally:
                _depth[path] -= 1
            return
        path.mkdir(parents=True, exist_ok=True)
        with open(path / LOCK_FILE, "a") as file_lock:
            try:
                fcntl.flock(file_lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise IndexBusy from None
            _depth[path] = 1
            try:
                yield
            finally:
                _depth[path] = 0
                fcntl.flock(file_lock, fcntl.LOCK_UN)
    finally:
        lock.release()
