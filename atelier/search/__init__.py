"""Search infrastructure shared by every domain app: embedded tantivy indexes kept in sync with
the database, one freshness rule (data versions), one filter model for the index and SQL, facet
and grid-cell helpers. Imports no domain app; a domain app declares its indexes in a module of
its own (e.g. atelier/directory/indexes.py) and registers them from its AppConfig.ready().

Public API:
- declaring: IndexSpec, Source, Changes, register, registered, get (spec.py);
- freshness: versions.bump, versions.watch, versions.current (versions.py);
- reading: reader -> Handle | None, SearchIndexError (engine.py);
- writing: rebuild, sync, sync_all, status, queue_sync (engine.py), the task
  `atelier.search.tasks.index_sync_task` and the command `atelier search-index`;
- queries: conditions (AnyOf, BitsAny, Either, Words, to_query, to_q), facets, spatial.
"""

from .engine import (
    Handle,
    SearchIndexError,
    queue_sync,
    reader,
    rebuild,
    status,
    sync,
    sync_all,
)
from .locks import IndexBusy
from .spec import Changes, IndexSpec, ProgressCallback, Source, get, register, registered

__all__ = [
    "Changes",
    "Handle",
    "IndexBusy",
    "IndexSpec",
    "ProgressCallback",
    "SearchIndexError",
    "Source",
    "get",
    "queue_sync",
    "reader",
    "rebuild",
    "register",
    "registered",
    "status",
    "sync",
    "sync_all",
]
