"""What a domain app declares to have an embedded index: an IndexSpec (schema, documents, how
to find what changed) registered from its AppConfig.ready() (see directory/indexes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import tantivy

# Called with the number of documents written so far during a rebuild.
ProgressCallback = Callable[[int], None]


@dataclass
class Changes:
    """What an incremental sync must do: delete the documents holding one of `values` in an
    unsigned indexed field, for each (field, values) of `deletes`, then add `documents`."""

    deletes: list[tuple[str, list[int]]]
    documents: Iterable[tantivy.Document]
    work: int  # rows replaced (compared with the index size: past a share, rebuild instead)
    # Rows may have been deleted that the replacements do not cover: after the commit, the
    # number of documents is compared with Source.expected() (a rebuild when they differ).
    recount: bool = False


class Source(Protocol):
    """The database side of an index (all reads; the index layer writes)."""

    def state(self) -> dict[str, Any]:
        """Watermarks and counts, JSON-able, read BEFORE any document: stored with the index
        and handed back to `changes` at the next sync."""

    def documents(self) -> Iterable[tantivy.Document]:
        """Every document of the index (a rebuild)."""

    def expected(self) -> int:
        """How many documents the index should hold."""

    def changes(
        self, since: dict[str, Any], now: dict[str, Any], limit: int | None
    ) -> Changes | None:
        """What changed from the state `since` to the state `now` (just read by `state()`);
        None when only a rebuild can tell, or when more than `limit` rows changed (a request
        then leaves the work to the worker)."""

    def within(self, since: dict[str, Any], limit: int) -> bool:
        """Whether at most `limit` rows may have changed since the state `since`, told cheaply
        (no full count): a request asks before reading `state()`, and leaves a large change
        to the worker at once."""


@dataclass(frozen=True)
class IndexSpec:
    name: str  # directory name and `--index` value, e.g. "organisations"
    label: str  # for people, e.g. "Index de recherche"
    rows: str  # what a document is, plural, e.g. "organisations"
    version_key: str  # the data version it follows (versions.py)
    schema_version: str  # changed whenever schema or documents change: a rebuild follows
    build_schema: Callable[[], tantivy.Schema]
    source: Source
    sort_by_field: str | None = None
    # A request may replace this many changed rows itself, or build an index of at most this
    # many documents; beyond, it answers from the last complete generation and queues the task.
    inline_rows: int = 5_000
    inline_documents: int = 50_000
    # Above this share of changed documents, a sync rebuilds instead of replacing them.
    rebuild_share: float = 0.3
    writer_heap: int = 256_000_000
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.schema_version}"


_registry: dict[str, IndexSpec] = {}


def register(spec: IndexSpec) -> IndexSpec:
    """Declare an index (from an AppConfig.ready()); registering the same name again replaces
    it (autoreload)."""
    _registry[spec.name] = spec
    return spec


def registered() -> list[IndexSpec]:
    return list(_registry.values())


def get(name: str) -> IndexSpec:
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "aucun"
        raise LookupError(f"Index inconnu « {name} » (index déclarés : {known}).") from None
