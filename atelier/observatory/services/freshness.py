"""The observatory's freshness rule: its tables record the directory data version they were
built from (`State.source_version`); whenever the directory's version has moved on (every write
to organisations or establishments moves it: atelier.search.versions), a request queues the
refresh task once for that version and answers from the tables it has, saying when they were
built. `atelier observatory-refresh` and `atelier load-demo` rebuild at once."""

from __future__ import annotations

import threading

from atelier.directory.selectors import observatory_source as source

from ..models import State
from .rebuild import STATE_KEY

_queued: set[int] = set()
_lock = threading.Lock()


def built_version() -> int | None:
    """The directory data version the tables reflect, None before the first rebuild."""
    version = (
        State.objects.filter(key=STATE_KEY, built_at__isnull=False)
        .values_list("source_version", flat=True)
        .first()
    )
    return None if version is None else int(version)


def observatory_is_stale(*, recent: bool = True) -> bool:
    current = source.data_version_recent() if recent else source.data_version()
    built = built_version()
    return built is None or built < current


def claim(version: int) -> bool:
    """True the first time `version` is claimed by this process (queue once per version)."""
    with _lock:
        if version in _queued:
            return False
        _queued.add(version)
        return True


def release(version: int) -> None:
    with _lock:
        _queued.discard(version)


def forget_queued() -> None:
    """Forget which versions were queued (tests)."""
    with _lock:
        _queued.clear()
