"""Opening, reading, syncing and rebuilding the registered indexes.

Readers never wait for a writer:
- `reader(spec)` answers from the last complete generation of an index. When the index is behind
  the data version, the request tries once to take the write lock WITHOUT waiting; if it gets
  it and little changed (IndexSpec.inline_rows), it syncs first (so a person sees their own
  write at once); otherwise — another thread or process is writing, or much changed — it
  answers from the generation it has and the sync is left to the task (queued once per
  version). Only when there is no usable generation at all (first start, schema change) does
  the caller get None and answer from the database.
- Writers (the task, the command, a request that got the lock) are one at a time per index
  (locks.py); a rebuild writes a new generation that replaces the current one atomically.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy
from django.db import transaction
from django_tasks import task

from atelier.core.priority import background_priority

from . import storage, versions
from .locks import IndexBusy, writing
from .spec import IndexSpec, ProgressCallback, registered

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 10_000
DELETE_CHUNK = 1_000


class SearchIndexError(Exception):
    """The index cannot be used (unreadable directory, incompatible files)."""


@dataclass
class Handle:
    """One open generation of an index."""

    path: Path
    generation: str
    index: tantivy.Index
    schema: tantivy.Schema
    meta: dict[str, Any]
    mtime: int

    @property
    def version(self) -> int | None:
        return self.meta.get("version")

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()


_handles: dict[Path, Handle] = {}
_handles_lock = threading.RLock()
# Per process: the index path and the data version a request found too far behind to catch up
# (the task is queued): later requests answer from the generation they have at once.
_behind: dict[Path, int] = {}


def forget() -> None:
    """Close what this process holds open (tests; as a fresh process would start)."""
    with _handles_lock:
        _handles.clear()
        _behind.clear()


def _open(spec: IndexSpec, path: Path) -> Handle | None:
    """The current generation of `spec` in `path`, reloaded when the meta file changed; None
    when there is none usable (never built, or built for another schema)."""
    with _handles_lock:
        h = _handles.get(path)
        mtime = storage.meta_mtime(path)
        if h is not None and mtime == h.mtime and h.meta.get("schema") == spec.key:
            return h
        meta, mtime = storage.read_meta(path)
        if meta.get("schema") != spec.key or not meta.get("generation"):
            _handles.pop(path, None)
            return None
        generation = meta["generation"]
        if h is not None and h.generation == generation:
            try:
                h.index.reload()
            except (OSError, ValueError) as exc:
                raise SearchIndexError(f"L'index {path} ne peut pas être ouvert : {exc}") from exc
            h.meta, h.mtime = meta, mtime
            return h
        index = _open_index(spec, path / generation)
        h = Handle(path, generation, index, index.schema, meta, mtime)
        _handles[path] = h
        return h


# Opening a generation that a sync is committing into can find a segment file already merged
# away (tantivy lists the segments, then opens them): the next attempt reads the new list.
OPEN_ATTEMPTS = 3
OPEN_RETRY_SECONDS = 0.05


def _open_index(spec: IndexSpec, where: Path) -> tantivy.Index:
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return _index(spec, where, reuse=True)
        except (OSError, ValueError) as exc:
            if attempt == OPEN_ATTEMPTS - 1:
                raise SearchIndexError(
                    f"L'index {where.parent} ne peut pas être ouvert : {exc}"
                ) from exc
            time.sleep(OPEN_RETRY_SECONDS)
    raise AssertionError("unreachable")


def _index(spec: IndexSpec, where: Path, *, reuse: bool) -> tantivy.Index:
    kwargs: dict[str, Any] = {"sort_by_field": spec.sort_by_field} if spec.sort_by_field else {}
    index = tantivy.Index(spec.build_schema(), path=str(where), reuse=reuse, **kwargs)
    index.config_reader(reload_policy="manual")
    return index


def reader(spec: IndexSpec) -> Handle | None:
    """The last complete generation of `spec`, synced first when that can be done within this
    request without waiting (see the module docstring); None when there is none."""
    path = storage.index_path(spec.name)
    try:
        h = _open(spec, path)
        version = versions.current(spec.version_key)
        if h is not None and h.version != version:
            version = versions.current(spec.version_key, refresh=True)
        if h is not None and h.version == version:
            return h
        if _behind.get(path) == version:
            return h
        try:
            with writing(path, wait=False):
                state = _sync(spec, path, limit=spec.inline_rows)
        except IndexBusy:
            return h
        if state is None:
            _behind[path] = version
            queue_sync(spec.name)
        else:
            _behind.pop(path, None)
        return _open(spec, path)
    except OSError as exc:
        raise SearchIndexError(f"L'index {path} est inutilisable : {exc}") from exc


# -- writing ---------------------------------------------------------------------------------


def _add_all(
    writer: tantivy.IndexWriter,
    documents: Iterable[tantivy.Document],
    progress: ProgressCallback | None,
) -> int:
    count = 0
    for doc in documents:
        writer.add_document(doc)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if progress is not None:
        progress(count)
    return count


def _meta(spec: IndexSpec, generation: str, version: int, state: dict, documents: int) -> dict:
    return {
        "schema": spec.key,
        "generation": generation,
        "version": version,
        "state": state,
        "documents": documents,
        "updated": time.time(),
    }


def _rebuild(spec: IndexSpec, path: Path, progress: ProgressCallback | None) -> dict:
    """A new generation with every document; it replaces the current one when complete."""
    # Version and watermarks are read before the rows: a write made meanwhile moves the
    # version again, and the next sync reads it.
    version = versions.read(spec.version_key)
    state = spec.source.state()
    started = time.perf_counter()
    where = storage.new_generation(path)
    try:
        documents = _fill(spec, where, progress)
    except BaseException:
        shutil.rmtree(where, ignore_errors=True)  # the writer is gone: nothing writes there now
        raise
    storage.write_meta(path, _meta(spec, where.name, version, state, documents))
    storage.remove_generations(path, keep=where.name)
    h = _open(spec, path)
    assert h is not None
    return {**h.meta, "action": "rebuild", "seconds": round(time.perf_counter() - started, 2)}


def _fill(spec: IndexSpec, where: Path, progress: ProgressCallback | None) -> int:
    """Write every document of `spec` into the new generation `where`; returns how many. The
    writer and its merging threads are done when this returns, whether it fails or not."""
    index = _index(spec, where, reuse=False)
    writer = index.writer(heap_size=spec.writer_heap)
    try:
        documents = _add_all(writer, spec.source.documents(), progress)
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()
    return documents


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), DELETE_CHUNK):
        yield ids[i : i + DELETE_CHUNK]


def _sync(
    spec: IndexSpec,
    path: Path,
    *,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> dict | None:
    """Bring `spec` up to date (the caller holds the write lock). With `limit` (a request),
    return None rather than read more than `limit` changed rows or build or rebuild an index
    of more than `inline_documents`."""
    h = _open(spec, path)
    version = versions.read(spec.version_key)
    if h is None:
        if limit is not None and spec.source.expected() > spec.inline_documents:
            return None
        return _rebuild(spec, path, progress)
    if h.version == version:
        return {**h.meta, "action": "none"}
    if limit is not None and not spec.source.within(h.meta.get("state") or {}, limit):
        return None  # much changed (an import): the worker's, without reading the state
    documents = h.searcher().num_docs
    started = time.perf_counter()
    state = spec.source.state()
    # A request (limit) reads at most `limit` changed rows, and rebuilds only an index that
    # stays small with them (a small index that just received a large import is left to the
    # worker: its changes exceed the limit).
    changes = spec.source.changes(h.meta.get("state") or {}, state, limit)
    small = limit is None or (
        changes is not None and documents + changes.work <= spec.inline_documents
    )
    if changes is None or changes.work > spec.rebuild_share * max(documents, 1):
        return _rebuild(spec, path, progress) if small else None
    writer = h.index.writer(heap_size=spec.writer_heap // 4)
    # Deletions first: a deletion applies to the documents added before it.
    for field, values in changes.deletes:
        for chunk in _chunks(sorted(values)):
            writer.delete_documents_by_query(tantivy.Query.term_set_query(h.schema, field, chunk))
    _add_all(writer, changes.documents, None)
    writer.commit()
    writer.wait_merging_threads()
    h.index.reload()
    documents = h.searcher().num_docs
    if changes.recount and documents != spec.source.expected():
        return _rebuild(spec, path, progress) if small else None
    storage.write_meta(path, _meta(spec, h.generation, version, state, documents))
    h = _open(spec, path) or h
    seconds = round(time.perf_counter() - started, 2)
    return {**h.meta, "action": "sync", "replaced": changes.work, "seconds": seconds}


# -- public API for the task, the command and the benchmarks ---------------------------------


def rebuild(spec: IndexSpec, *, progress: ProgressCallback | None = None) -> dict:
    """Index everything from scratch (waits for another writer). Returns the new state."""
    path = storage.index_path(spec.name)
    try:
        with writing(path):
            return _rebuild(spec, path, progress)
    except OSError as exc:
        raise SearchIndexError(f"L'index {path} est inutilisable : {exc}") from exc


def sync(spec: IndexSpec, *, progress: ProgressCallback | None = None) -> dict:
    """Bring the index up to date (waits for another writer): replace what changed, or rebuild
    when much changed, rows were deleted, or there is no generation yet."""
    path = storage.index_path(spec.name)
    try:
        with writing(path):
            result = _sync(spec, path, progress=progress)
    except OSError as exc:
        raise SearchIndexError(f"L'index {path} est inutilisable : {exc}") from exc
    assert result is not None  # without a limit, _sync always does the work
    return result


def status(spec: IndexSpec) -> dict:
    """What the index holds and whether it reflects the database."""
    path = storage.index_path(spec.name)
    h = _open(spec, path)
    version = versions.read(spec.version_key)
    documents = h.searcher().num_docs if h is not None else 0
    expected = spec.source.expected()
    return {
        "index": spec.name,
        "path": str(path),
        "generation": h.generation if h is not None else None,
        "documents": documents,
        "expected": expected,
        "version": h.version if h is not None else None,
        "database_version": version,
        "up_to_date": h is not None and h.version == version and documents == expected,
        "bytes": storage.size_bytes(path) if path.exists() else 0,
    }


def sync_all(names: list[str] | None = None) -> dict[str, str]:
    """Sync the named indexes (all registered ones by default); {name: action}."""
    specs = [s for s in registered() if names is None or s.name in names]
    return {spec.name: sync(spec)["action"] for spec in specs}


@task()
def index_sync_task(names: list[str] | None = None) -> str:
    """Bring the named embedded indexes (all registered ones by default) up to date with the
    database: queued by bulk writers after every import, and by a request that found an
    index too far behind to catch up itself."""
    background_priority()
    return ", ".join(f"{name}: {action}" for name, action in sync_all(names).items())


def queue_sync(*names: str) -> None:
    """Have the worker sync these indexes (all when none is named) once the current transaction
    commits. A failure to queue is logged, never raised: readers answer regardless."""

    def enqueue() -> None:
        try:
            index_sync_task.enqueue(list(names) or None)
        except Exception:  # noqa: BLE001 — readers answer from the last generation regardless
            logger.exception("Could not queue the index sync task")

    transaction.on_commit(enqueue)
