"""Embedded map index (tantivy): the clusters of a FILTERED Atlas map, counted by the search engine.

The unfiltered map is answered by the precomputed pyramid (models_map.MapCell); a search with any
other filter (text, legal form, NAF section, theme, approval, headcount, territory) was a live
GROUP BY over the establishments of the matching organisations, 40-900 ms at 1 M organisations.
This index holds one document per open, placed establishment of an organisation of the default
perimeter (the ESS, active). Each document carries:
- its organisation's searchable fields, written by search_index._document itself (same field
  names, same tokens), so that the query builders of the Atlas search (search_index._text_match,
  _filters) select exactly the organisations of the list;
- the establishment: `establishment` (id), `mx`, `my` (zoom-20 world pixels) and `cell`, the
  Morton (Z-order) code of (mx >> MORTON_SHIFT, my >> MORTON_SHIFT), as fast fields; `tile`, the
  terms of the square tiles holding it at a few levels (TILE_SHIFTS).

A map cell at grid shift s (cx = mx >> s, cy = my >> s, s >= MORTON_SHIFT) is exactly the range
of `cell` values sharing the code's high bits, so a `histogram` aggregation of interval
4 ** (s - MORTON_SHIFT) gives one bucket per non-empty cell, and `stats` sub-aggregations give
its n, the sums, minima and maxima of mx and my, and the establishment id when n == 1: the `Cell`
tuples of selectors.map (values stay below 2 ** 53, exact in the aggregations' doubles). The
index is sorted by `cell`, so a window's documents lie in a few runs; they are selected by the
tiles covering the window, or, when those hold most documents anyway, by bounding the histogram
to the window's span of codes (_area). Measured at 1 M on SQLite: 1-20 ms a view.

Sync: like the organisation index, a cache of the database that can be wiped at any time. A JSON
file records the data version it reflects (highest organisation id and change, highest
establishment id), the row counts of both tables and the `updated_at` watermarks of both. A map
request compares the version (one query, reused for ATELIER_SEARCH_DATA_VERSION_SECONDS) and, at
most every ATELIER_SEARCH_INDEX_RECOUNT_SECONDS, the row counts (deletions). When behind by
little, the request syncs first (the changed organisations' establishments and the changed
establishments are replaced); when a rebuild or a large sync is needed, or another process is
writing, the request answers from the database, and the sync is left to search_index_sync_task
(queued by bulk writers after every import) or to `atelier search-index sync|rebuild`.
Establishment-only changes do not move the version: every service that edits establishments
saves their organisation after (organisation_refresh_derived), and bulk writers queue the task.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef

from .models import Establishment, Organisation
from .search_index import (
    _COLUMNS,
    BIT_FIELDS,
    READ_CHUNK,
    SCHEMA_VERSION,
    TERRITORY_FIELDS,
    VALUE_FIELDS,
    WRITER_HEAP,
    IndexBusy,
    Progress,
    SearchIndexError,
    _add_all,
    _and,
    _document,
    _filters,
    _Handle,
    _meta_mtime,
    _perimeter,
    _read_meta,
    _text_match,
    _wipe,
    _write_meta,
    _writing,
    index_dir,
)
from .selectors import search as sql
from .selectors.search import SearchParams, text_query

logger = logging.getLogger(__name__)
Q = tantivy.Query

# Bumped when the documents change; the organisation index's version is part of the key (its
# tokens and field names are ours too).
MAP_SCHEMA_VERSION = 2
# Finest grid the cells are read at: 64-pixel cells at zoom 20 (selectors.map: shift 26 - zoom).
MORTON_SHIFT = 6
# A map request catches up by itself when at most this many rows changed (organisations and
# establishments, each counted), or whatever changed when the index holds at most this many
# establishments; otherwise it answers from the database meanwhile.
INLINE_SYNC_ROWS = 5_000
INLINE_REBUILD_ROWS = 50_000
# Above this share of changed documents, a sync rebuilds instead of replacing them.
REBUILD_SHARE = 0.3
DELETE_CHUNK = 1_000
# A histogram returns at most 65,000 buckets (tantivy's limit): it is bounded to the window's
# Morton span only when that holds fewer cells (else tiles, or range queries on mx and my).
MAX_SPAN_CELLS = 60_000
# Square tiles indexed as terms, one per level: a window is selected by the few tiles of one
# level covering it (at most MAX_TILES_PER_AXIS a side), posting lists of about the window's
# documents — a range query on a fast field reads the whole column. Unless they hold more than
# TILE_SHARE of the documents: then no selection is cheaper.
TILE_SHIFTS = (8, 10, 12, 14, 16, 18, 20, 22)
MAX_TILES_PER_AXIS = 3
TILE_SHARE = 0.5

# One cell of selectors.map: cx, cy, n, sum_mx, sum_my, min_mx, min_my, max_mx, max_my,
# establishment id (when n == 1).
Cell = tuple[int, int, int, int, int, int, int, int, int, int | None]

_ORG_COLUMNS = tuple(f"organisation__{c}" for c in _COLUMNS)
_EST_COLUMNS = ("id", "mx", "my")


# -- Morton codes ----------------------------------------------------------------------------


def _spread(v: int) -> int:
    """The bits of a 32-bit integer moved to the even positions of a 64-bit one."""
    v &= 0xFFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def _compact(v: int) -> int:
    """The inverse of _spread: the even bits of `v`, packed."""
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0xFFFFFFFF


def morton(x: int, y: int) -> int:
    """Z-order code of (x, y): x on the even bits, y on the odd ones."""
    return _spread(x) | (_spread(y) << 1)


def morton_cell(code: int) -> tuple[int, int]:
    return _compact(code), _compact(code >> 1)


def _tile(tile_shift: int, tx: int, ty: int) -> int:
    """The term of tile (tx, ty) of the grid at `tile_shift`: the shift in the high bits."""
    return (tile_shift << 56) | morton(tx, ty)


def _tiles(window: tuple[int, int, int, int]) -> tuple[int, list[int]] | None:
    """The finest tile level covering `window` with at most MAX_TILES_PER_AXIS tiles a side,
    and the terms of those tiles; None when the window is too large for the coarsest level."""
    x0, y0, x1, y1 = window
    for t in TILE_SHIFTS:
        tx0, ty0, tx1, ty1 = x0 >> t, y0 >> t, x1 >> t, y1 >> t
        if tx1 - tx0 < MAX_TILES_PER_AXIS and ty1 - ty0 < MAX_TILES_PER_AXIS:
            tiles = [_tile(t, x, y) for x in range(tx0, tx1 + 1) for y in range(ty0, ty1 + 1)]
            return t, tiles
    return None


# -- schema and storage ----------------------------------------------------------------------


def _schema() -> tantivy.Schema:
    """The filter fields of the organisation index (search_index._schema), indexed the same way
    but without fast columns (the map counts cells, not facets), and the establishment's."""
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", indexed=True)  # the organisation (replaced when it changes)
    sb.add_text_field("text", tokenizer_name="whitespace", index_option="basic")
    for name in (*VALUE_FIELDS.values(), *TERRITORY_FIELDS):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in BIT_FIELDS.values():
        sb.add_unsigned_field(name, indexed=True)
    sb.add_unsigned_field("establishment", indexed=True, fast=True)
    sb.add_unsigned_field("mx", fast=True)
    sb.add_unsigned_field("my", fast=True)
    sb.add_unsigned_field("cell", fast=True)
    sb.add_unsigned_field("tile", indexed=True)
    return sb.build()


def _schema_key() -> str:
    return f"{MAP_SCHEMA_VERSION}.{SCHEMA_VERSION}"


def map_index_dir() -> Path:
    """Next to the organisation index (a sibling, not a child: a rebuild of that index wipes
    its directory), so it follows ATELIER_SEARCH_INDEX_DIR and the per-database default."""
    path = index_dir()
    return path.with_name(path.name + "-map")


_handles: dict[Path, _Handle] = {}
_handles_lock = threading.RLock()


def _handle(*, wait: bool = True) -> _Handle:
    """The open index of this database, created empty when missing or of another schema (under
    the writers' lock: `wait=False` raises IndexBusy rather than wait for it); reloaded when another
    process committed since."""
    path = map_index_dir()
    with _handles_lock:
        h = _handles.get(path)
        if h is not None and _meta_mtime(path) == h.meta_mtime:
            return h  # nothing committed since it was read
        meta, mtime = _read_meta(path)
        if meta.get("schema") == _schema_key():
            if h is not None:
                h.index.reload()
                h.meta, h.meta_mtime = meta, mtime
                return h
            if tantivy.Index.exists(str(path)):
                return _open(path, meta, mtime, reuse=True)
    with _writing(path, wait=wait), _handles_lock:
        meta, mtime = _read_meta(path)
        if meta.get("schema") == _schema_key() and tantivy.Index.exists(str(path)):
            return _open(path, meta, mtime, reuse=True)  # created by another process meanwhile
        try:
            _wipe(path)
        except OSError as exc:
            raise SearchIndexError(f"The map index in {path} cannot be created: {exc}") from exc
        h = _open(path, {}, 0.0, reuse=False)
        _write_meta(path, {"schema": _schema_key()})
        h.meta, h.meta_mtime = _read_meta(path)
        return h


def _open(path: Path, meta: dict, mtime: float, *, reuse: bool) -> _Handle:
    schema = _schema()
    try:
        # Sorted by Morton code: the documents of a map cell, or of a tile, are contiguous.
        index = tantivy.Index(schema, path=str(path), reuse=reuse, sort_by_field="cell")
    except (OSError, ValueError) as exc:
        raise SearchIndexError(f"The map index in {path} cannot be opened: {exc}") from exc
    index.config_reader(reload_policy="manual")
    h = _Handle(path, index, schema, meta, mtime)
    _handles[path] = h
    return h


# -- state of the database -------------------------------------------------------------------

_ORG = Organisation._meta.db_table
_EST = Establishment._meta.db_table
# Table names come from the models; nothing is interpolated from outside.
_VERSION_SQL = (
    f"SELECT (SELECT MAX(id) FROM {_ORG}), (SELECT MAX(updated_at) FROM {_ORG}), "  # noqa: S608
    f"(SELECT MAX(id) FROM {_EST})"
)
_COUNTS_SQL = f"SELECT (SELECT COUNT(*) FROM {_ORG}), (SELECT COUNT(*) FROM {_EST})"  # noqa: S608
_EST_UPDATED_SQL = f"SELECT MAX(updated_at) FROM {_EST}"  # noqa: S608


@dataclass(frozen=True)
class _Version:
    """Highest organisation id and change, highest establishment id: three index lookups that
    change with every write through the services (which save the organisation after editing
    its establishments) and every new row."""

    org_max_id: int
    org_updated: str | None
    est_max_id: int

    @property
    def key(self) -> str:
        return f"{self.org_max_id}|{self.org_updated}|{self.est_max_id}"


def _version() -> _Version:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        org_id, org_updated, est_id = cursor.fetchone()
    return _Version(int(org_id or 0), _iso(org_updated), int(est_id or 0))


# Per process and database: (monotonic time read, version).
_recent: dict[tuple[str, str], tuple[float, _Version]] = {}


def _recent_version(*, refresh: bool = False) -> _Version:
    """_version(), reused for ATELIER_SEARCH_DATA_VERSION_SECONDS as the search's data version
    is (selectors.search.reused_version): one query less per map request."""
    return sql.reused_version(_recent, _version, refresh=refresh)


def _counts() -> tuple[int, int]:
    """Rows of both tables: deletions show there (cheap on both databases)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL)
        orgs, ests = cursor.fetchone()
    return int(orgs), int(ests)


def _rows() -> tuple[int, int, str | None]:
    """_counts() and the latest establishment change. That one is a full read
    (establishment.updated_at has no index: about 0.1 s at 1 M), so only a sync asks it: map
    requests rely on the version, which every service moves when it edits an establishment
    (it saves the organisation), and on the sync task that bulk writers queue."""
    with connection.cursor() as cursor:
        cursor.execute(_EST_UPDATED_SQL)
        (est_updated,) = cursor.fetchone()
    return (*_counts(), _iso(est_updated))


def _iso(value: datetime | str | None) -> str | None:
    """A timestamp as the meta file keeps it (SQLite may hand back a string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite stores UTC without an offset
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _placed():
    """Open, placed establishments of organisations of the perimeter (what the map shows): the
    organisation is checked by primary key, as the live map query does."""
    return Establishment.objects.filter(
        Exists(_perimeter().filter(pk=OuterRef("organisation_id"))),
        is_open=True,
        mx__gte=0,  # placed (world pixels are never negative: geo.lonlat_to_world)
        my__gte=0,
    ).order_by()


# -- writing ---------------------------------------------------------------------------------


def _documents(qs) -> Iterable[tantivy.Document]:
    for row in qs.values_list(*_ORG_COLUMNS, *_EST_COLUMNS).iterator(chunk_size=READ_CHUNK):
        pk, mx, my = row[-3:]
        doc = _document(row[:-3])  # the organisation's fields, exactly as the search index
        doc.add_unsigned("establishment", pk)
        doc.add_unsigned("mx", mx)
        doc.add_unsigned("my", my)
        doc.add_unsigned("cell", morton(mx >> MORTON_SHIFT, my >> MORTON_SHIFT))
        for tile_shift in TILE_SHIFTS:
            doc.add_unsigned("tile", _tile(tile_shift, mx >> tile_shift, my >> tile_shift))
        yield doc


def _state(version: _Version, rows: tuple[int, int, str | None], org_watermark: str | None) -> dict:
    orgs, ests, est_watermark = rows
    return {
        "schema": _schema_key(),
        "version": version.key,
        "org_max_id": version.org_max_id,
        "est_max_id": version.est_max_id,
        "org_rows": orgs,
        "est_rows": ests,
        # The latest change of each table: rows changed after it are read by the next sync.
        "org_watermark": org_watermark,
        "est_watermark": est_watermark,
    }


def _commit(h: _Handle, writer: tantivy.IndexWriter) -> None:
    writer.commit()
    writer.wait_merging_threads()
    h.index.reload()


def _record(h: _Handle, state: dict) -> dict:
    """Write the meta file: from now on the index answers for `state`."""
    state = {**state, "documents": h.index.searcher().num_docs, "updated": time.time()}
    _write_meta(h.path, state)
    h.meta, h.meta_mtime = _read_meta(h.path)
    h.checked_at = time.monotonic()
    return h.meta


def _rebuild(h: _Handle, progress: Progress | None = None) -> dict:
    # The version and watermarks are read before the rows: a change made meanwhile is read
    # again by the next sync, never lost.
    version, rows = _version(), _rows()
    started = time.perf_counter()
    writer = h.index.writer(heap_size=WRITER_HEAP)
    writer.delete_all_documents()
    _add_all(writer, _documents(_placed()), progress)
    _commit(h, writer)
    state = _record(h, _state(version, rows, version.org_updated))
    return {**state, "action": "rebuild", "seconds": round(time.perf_counter() - started, 2)}


def _up_to_date(meta: dict, version: _Version, rows: tuple[int, int, str | None]) -> bool:
    return meta.get("version") == version.key and rows == (
        meta.get("org_rows"),
        meta.get("est_rows"),
        meta.get("est_watermark"),
    )


def _sync(
    h: _Handle,
    *,
    limit: int | None = None,
    version: _Version | None = None,
    progress: Progress | None = None,
) -> dict | None:
    """Bring the index up to date: replace the documents of the organisations changed since
    the organisation watermark and of the establishments changed since the establishment
    watermark; rebuild when much changed, or when rows were deleted that those replacements
    did not cover (an organisation deleted with its establishments). With `limit` (a map
    request), give up (None) on a large index rather than rebuild it, read more than `limit`
    changed organisations or establishments, or count the perimeter after deletions."""
    meta = h.meta
    version, rows = version or _version(), _rows()
    if meta.get("version") and _up_to_date(meta, version, rows):
        h.checked_at = time.monotonic()
        return {**meta, "action": "none"}
    docs = h.index.searcher().num_docs
    # Without a limit, or for a small index, whatever is needed is done now.
    small = limit is None or max(rows[1], docs) <= INLINE_REBUILD_ROWS
    if not meta.get("version"):
        return _rebuild(h, progress) if small else None
    started = time.perf_counter()
    # Deleted rows leave nothing to replay: the counts tell (new rows are those past the
    # highest ids of the last sync).
    new_orgs = Organisation.objects.filter(id__gt=meta["org_max_id"]).count()
    new_ests = Establishment.objects.filter(id__gt=meta["est_max_id"]).count()
    deleted = rows[0] != meta["org_rows"] + new_orgs or rows[1] != meta["est_rows"] + new_ests
    if deleted and not small:
        return None
    # Changed organisations: all their establishments are replaced (family, text, perimeter…).
    # Strictly after the watermarks: the rows stamped with them were read by the last sync (a
    # bulk writer stamps a whole batch, thousands of rows, with one time).
    changed_orgs = Organisation.objects.filter(
        updated_at__gt=_when(meta["org_watermark"])
    ).order_by()
    changed = Establishment.objects.order_by()
    if meta["est_watermark"]:
        changed = changed.filter(updated_at__gt=_when(meta["est_watermark"]))
    else:
        changed = changed.filter(id__gt=meta["est_max_id"])
    org_rows = changed_orgs.values_list("id", flat=True)
    est_rows = changed.values_list("id", "organisation_id")
    if limit is not None and not small:
        # After an import, a request must not read a million ids: at most one more than it
        # may replace.
        org_rows, est_rows = org_rows[: limit + 1], est_rows[: limit + 1]
    orgs = set(org_rows)
    est_pairs = list(est_rows)
    if limit is not None and not small and max(len(orgs), len(est_pairs)) > limit:
        return None
    ests = [e for e, o in est_pairs if o not in orgs]
    work = len(orgs) + len(ests)
    if work > REBUILD_SHARE * max(docs, 1):
        return _rebuild(h, progress)
    writer = h.index.writer(heap_size=WRITER_HEAP // 4)
    org_ids = sorted(orgs)
    # Deletions first: a deletion applies to the documents added before it.
    for field, ids in (("id", org_ids), ("establishment", ests)):
        for chunk in _chunks(ids):
            writer.delete_documents_by_query(Q.term_set_query(h.schema, field, chunk))
    for lookup, ids in (("organisation_id__in", org_ids), ("id__in", ests)):
        for chunk in _chunks(ids):
            for doc in _documents(_placed().filter(**{lookup: chunk})):
                writer.add_document(doc)
    _commit(h, writer)
    if deleted and h.index.searcher().num_docs != _placed().count():
        return _rebuild(h, progress)
    state = _record(h, _state(version, rows, version.org_updated))
    seconds = round(time.perf_counter() - started, 2)
    return {**state, "action": "sync", "replaced": work, "seconds": seconds}


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), DELETE_CHUNK):
        yield ids[i : i + DELETE_CHUNK]


def map_index_rebuild(*, progress: Progress | None = None) -> dict:
    """Index every open, placed establishment of the perimeter from scratch. Returns the state."""
    h = _handle()
    with _writing(h.path):
        return _rebuild(_handle(), progress)


def map_index_sync(*, progress: Progress | None = None) -> dict:
    """Bring the index up to date (replace what changed, or rebuild after deletions)."""
    h = _handle()
    with _writing(h.path):
        result = _sync(
            _handle(), progress=progress
        )  # reloaded: another process may have written meanwhile
    assert result is not None  # without a limit, _sync always does the work
    return result


def map_index_status() -> dict:
    """What the index holds and whether it is behind the database."""
    h = _handle()
    docs = h.index.searcher().num_docs
    expected = _placed().count()
    version, rows = _version(), _rows()
    size = sum(f.stat().st_size for f in h.path.rglob("*") if f.is_file())
    return {
        "path": str(h.path),
        "documents": docs,
        "perimeter": expected,
        "version": h.meta.get("version"),
        "database_version": version.key,
        "up_to_date": _up_to_date(h.meta, version, rows) and docs == expected,
        "bytes": size,
    }


# Per process: the index directory and the data version a map request found too far behind
# to catch up (it queued the sync task): later requests ask the database at once.
_behind: dict[Path, str] = {}


def _fresh_handle() -> _Handle | None:
    """The index when it reflects the database, after a small sync if needed; None when it is
    behind and cannot catch up within a request (the sync task is queued), or another process
    is writing it: the caller then asks the database."""
    try:
        h = _handle(wait=False)
    except IndexBusy:
        return None
    version = _recent_version()
    if h.meta.get("version") != version.key:
        version = _recent_version(refresh=True)
    recount_every = getattr(settings, "ATELIER_SEARCH_INDEX_RECOUNT_SECONDS", 60)
    if h.meta.get("version") == version.key:
        now = time.monotonic()
        if now - h.checked_at < recount_every:
            return h
        if _counts() == (h.meta.get("org_rows"), h.meta.get("est_rows")):
            h.checked_at = now
            return h
    if _behind.get(h.path) == version.key:
        return None
    try:
        with _writing(h.path, wait=False):
            h = _handle(wait=False)  # another process may have written meanwhile
            state = _sync(h, limit=INLINE_SYNC_ROWS, version=version)
    except IndexBusy:
        return None
    if state is None:
        _behind[h.path] = version.key
        _queue_sync()
        return None
    _behind.pop(h.path, None)
    return h


def _queue_sync() -> None:
    """Let the worker catch up (the task also syncs the search index: a no-op when current)."""
    from .tasks import search_index_sync_task

    try:
        search_index_sync_task.enqueue()
    except Exception:  # noqa: BLE001 — a map request answers from the database regardless
        logger.exception("Could not queue the search index sync task")


# -- reading ---------------------------------------------------------------------------------


def _range(schema: tantivy.Schema, field: str, low: int, high: int) -> tantivy.Query:
    return Q.range_query(schema, field, tantivy.FieldType.Unsigned, low, high)


def _area(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    window: tuple[int, int, int, int],
    shift: int,
) -> tuple[list[tantivy.Query], tuple[int, int] | None]:
    """How to keep the documents of `window`: query clauses, and bounds of `cell` for the
    histogram. Cells outside the window that these let through are dropped by the caller.

    - The tiles covering the window, when they hold a minority of the documents: their posting
      lists are about the window's documents (the cheapest selection, measured at 1 M).
    - Otherwise the window holds most documents anyway: no clause, the histogram bounded to
      the window's Morton span (the codes of its corners; documents are stored in that order).
    - Range queries on mx and my when neither bounds the histogram below its bucket limit."""
    cx0, cy0, cx1, cy1 = (v >> shift for v in window)
    k = 2 * (shift - MORTON_SHIFT)  # a cell is 4 ** (shift - MORTON_SHIFT) consecutive codes
    first, last = morton(cx0, cy0), morton(cx1, cy1)
    bounds = (first << k, ((last + 1) << k) - 1) if last - first < MAX_SPAN_CELLS else None
    cover = _tiles(window)
    if cover is not None:
        tile_shift, tiles = cover
        held = sum(searcher.doc_freq("tile", t) for t in tiles)
        cells = len(tiles) << 2 * max(0, tile_shift - shift)
        if held <= TILE_SHARE * searcher.num_docs and (bounds or cells < MAX_SPAN_CELLS):
            return [Q.term_set_query(schema, "tile", tiles)], bounds
    if bounds:
        return [], bounds
    x0, y0, x1, y1 = window
    return [_range(schema, "mx", x0, x1), _range(schema, "my", y0, y1)], None


def map_index_cells(
    params: SearchParams, window: tuple[int, int, int, int], shift: int
) -> list[Cell] | None:
    """The cells (selectors.map.Cell) at grid `shift` of the open establishments of the
    organisations matching `params` inside `window` (x0, y0, x1, y1: world pixels, inclusive,
    snapped to whole cells); None when the index cannot answer (the caller then asks the
    database). One aggregation: a histogram of `cell` whose buckets are the map cells, with
    the sums, minima and maxima of mx and my and the smallest establishment id."""
    if shift < MORTON_SHIFT:
        return None
    try:
        h = _fresh_handle()
    except (SearchIndexError, OSError, ValueError) as exc:
        logger.warning("Atlas map index unusable, clustering in the database: %s", exc)
        return None
    if h is None:
        return None
    schema = h.schema
    searcher = h.index.searcher()
    tq = text_query(params.q) if params.q else None
    text = _text_match(schema, tq) if tq is not None else None
    filters = list(_filters(schema, params, sql._territory_leaves(params)).values())
    area, bounds = _area(searcher, schema, window, shift)
    cx0, cy0, cx1, cy1 = (v >> shift for v in window)
    k = 2 * (shift - MORTON_SHIFT)
    histogram: dict = {"field": "cell", "interval": float(1 << k), "min_doc_count": 1}
    if bounds:
        histogram["hard_bounds"] = {"min": float(bounds[0]), "max": float(bounds[1])}
    aggs = {
        "cells": {
            "histogram": histogram,
            "aggs": {
                "x": {"stats": {"field": "mx"}},
                "y": {"stats": {"field": "my"}},
                "e": {"min": {"field": "establishment"}},
            },
        }
    }
    result = searcher.aggregate(_and(text, *filters, *area), aggs)
    cells: list[Cell] = []
    for bucket in result.get("cells", {}).get("buckets", []):
        n = int(bucket["doc_count"])
        cx, cy = morton_cell(int(bucket["key"]) >> k)
        if not n or not (cx0 <= cx <= cx1 and cy0 <= cy <= cy1):
            continue
        x, y = bucket["x"], bucket["y"]
        cells.append(
            (
                cx,
                cy,
                n,
                int(x["sum"]),
                int(y["sum"]),
                int(x["min"]),
                int(y["min"]),
                int(x["max"]),
                int(y["max"]),
                int(bucket["e"]["value"]) if n == 1 else None,
            )
        )
    return cells
