"""Data versions: the one freshness rule of the embedded indexes.

Each index names the data version it follows (`IndexSpec.version_key`, e.g. "directory"). Every
write to the data behind it moves that counter **in the same transaction as the write**:
- writes through the ORM (services, admin, cascades) by the signal receivers that `watch`
  connects for the models an index is built from;
- bulk writers that bypass the ORM (raw SQL upserts) by calling `bump` themselves.
So the counter changes exactly when committed data changes, and never before the data is
visible. An index records the value it reflects in its meta file; it is fresh when that value
is the current one (`read`, one primary-key lookup), and a reader compares the two before
answering (`current`, reused by a process for ATELIER_SEARCH_DATA_VERSION_SECONDS).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models.signals import post_delete, post_save

_TABLE = "search_dataversion"
# Table name is ours; the value is a bound parameter.
_UPDATE = f"UPDATE {_TABLE} SET version = version + 1 WHERE name = %s"  # noqa: S608
_INSERT = f"INSERT INTO {_TABLE} (name, version) VALUES (%s, 0) ON CONFLICT DO NOTHING"  # noqa: S608
_SELECT = f"SELECT version FROM {_TABLE} WHERE name = %s"  # noqa: S608


def bump(name: str, *, using: str = "default") -> None:
    """Move the data version `name` on, in the current transaction of `using`."""
    with connections[using].cursor() as cursor:
        cursor.execute(_UPDATE, [name])
        if cursor.rowcount == 0:
            cursor.execute(_INSERT, [name])
            cursor.execute(_UPDATE, [name])


def read(name: str, *, using: str = "default") -> int:
    """The committed data version `name` (0 before the first write)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_SELECT, [name])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# Per process: (database alias, database name, version name) -> (monotonic time read, value).
_recent: dict[tuple[str, str, str], tuple[float, int]] = {}


def current(name: str, *, refresh: bool = False) -> int:
    """`read(name)`, reused by this process for ATELIER_SEARCH_DATA_VERSION_SECONDS (default
    1 s; 0 reads it every time): one query less per request, at the price of seeing a write up
    to that long after it was committed. `refresh` reads it again."""
    ttl = getattr(settings, "ATELIER_SEARCH_DATA_VERSION_SECONDS", 1.0)
    if ttl <= 0:
        return read(name)
    key = (connection.alias, str(connection.settings_dict.get("NAME")), name)
    now = time.monotonic()
    hit = _recent.get(key)
    if refresh or hit is None or now - hit[0] >= ttl:
        hit = (now, read(name))
        _recent[key] = hit
    return hit[1]


def forget() -> None:
    """Drop the versions this process remembers (tests; after restoring a database)."""
    _recent.clear()


def watch(name: str, *models: Any) -> None:
    """Bump `name` whenever one of `models` is saved or deleted through the ORM (in the
    transaction of that save or delete). Call it from an AppConfig.ready()."""

    def changed(sender: Any, using: str = "default", **kwargs: Any) -> None:
        if kwargs.get("raw"):
            return  # fixtures loading: no index follows them
        bump(name, using=using)

    for model in models:
        uid = f"atelier.search.versions:{name}:{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":delete")
