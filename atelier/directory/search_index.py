"""Embedded search index (tantivy) for the Atlas search, kept in sync with the database.

The database stays the source of truth; this index is a cache that can be rebuilt at any time
(`atelier search-index rebuild`). It holds, for each organisation of the default perimeter (in
the ESS, active), only what the search needs:
- `id` (fast field): results are loaded from the database by id, one query per page;
- `text`: the tokens of `search_text`, already normalised by directory.text, indexed with the
  whitespace tokenizer so that a query token matches exactly the same index token;
- the facet columns as raw, fast text fields (terms aggregations and term-set filters), the set
  bits of `theme_bits` / `approval_bits` as multi-valued integer fields;
- `name_key` (fast): name then id, the order of searches without text.

Search (`index_search`, used by selectors.search when ATELIER_SEARCH_ENGINE = "tantivy"): the
matching ids of one page, the total and the facet counts come from the index — facets without
a selection share one aggregation call (which gives the total too), each selected facet is
counted in its own call with the other facets' filters (disjunctive faceting, the same rules as
the SQL path). The counts use an unscored form of the text query, cheaper than the ranked one.

Sync: a small JSON file next to the index records the data version it reflects (see
selectors.search._data_version) and the `updated_at` watermark. Before answering, the selector
compares the version (two index lookups, read at most once per
ATELIER_SEARCH_DATA_VERSION_SECONDS, default 1 s, by each process) and, at most every
ATELIER_SEARCH_INDEX_RECOUNT_SECONDS (default 60), the number of rows of the table (deletions);
when behind, it syncs: changed rows (`updated_at` >= watermark) are replaced; when the counts
still differ (rows deleted), the index is rebuilt. One writer at a time (file lock); readers of
other processes reload when the file changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from atelier.territories.enums import TerritoryLevel
from atelier.territories.selectors import TerritoryRef

from .enums import EssRule
from .models import Organisation
from .selectors import search as sql
from .selectors.search import (
    APPROVALS_BY_NAME,
    LEVEL_COLUMN,
    THEMES_BY_NAME,
    Facet,
    FacetValue,
    SearchParams,
    SearchResult,
    TextQuery,
    commune_codes,
    commune_departement,
    text_query,
)

SCHEMA_VERSION = 2
META_FILE = "atelier-index.json"
LOCK_FILE = "atelier-index.lock"
READ_CHUNK = 20_000
WRITER_HEAP = 256_000_000
# Above this share of changed rows, a sync rebuilds instead of replacing rows one by one.
REBUILD_SHARE = 0.3

# Value facets: query parameter -> column (= index field).
VALUE_FIELDS = {
    "famille": "ess_family",
    "forme": "legal_category_id",
    "naf": "naf_section",
    "effectif": "headcount_band",
}
BIT_FIELDS = {"theme": "theme_bits", "agrement": "approval_bits"}
MASK_FIELDS = {"theme_bits": "theme_mask", "approval_bits": "approval_mask"}
TERRITORY_FIELDS = ("region_code", "departement_code", "epci_code", "ept_code", "commune_code")
# Terms aggregations return every value (exact counts): at most this many distinct values.
TERMS_SIZE = {
    "ess_family": 20,
    "legal_category_id": 1000,
    "naf_section": 40,
    "headcount_band": 40,
    "theme_mask": 10_000,
    "approval_mask": 10_000,
    "region_code": 100,
    "departement_code": 200,
    "epci_code": 3000,
    "ept_code": 100,
    "commune_code": 40_000,
}
_COLUMNS = (
    "id",
    "name",
    "search_text",
    *VALUE_FIELDS.values(),
    *TERRITORY_FIELDS,
    *BIT_FIELDS.values(),
)


logger = logging.getLogger(__name__)
Q = tantivy.Query
MUST = tantivy.Occur.Must
SHOULD = tantivy.Occur.Should


class SearchIndexError(Exception):
    """The index cannot be used (unreadable directory, incompatible files)."""


# -- schema and storage ----------------------------------------------------------------------


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", indexed=True, fast=True)
    sb.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
    for name in (*VALUE_FIELDS.values(), *TERRITORY_FIELDS):
        sb.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in BIT_FIELDS.values():
        # The set bits (filters), and the whole mask (counts: a terms aggregation over a
        # single-valued column is several times faster than over a multi-valued one).
        sb.add_unsigned_field(name, indexed=True)
        sb.add_unsigned_field(MASK_FIELDS[name], fast=True)
    sb.add_text_field("name_key", fast=True, tokenizer_name="raw", index_option="basic")
    return sb.build()


def index_dir() -> Path:
    """ATELIER_SEARCH_INDEX_DIR, else var/search-index/<hash of the database engine and name>
    (one index per database: tests, dev and benchmarks never share one)."""
    configured = getattr(settings, "ATELIER_SEARCH_INDEX_DIR", None)
    if configured:
        return Path(configured)
    db = connection.settings_dict
    ident = "|".join(
        (connection.vendor, str(db.get("NAME")), str(db.get("HOST")), str(db.get("PORT")))
    )
    digest = hashlib.sha256(ident.encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / "search-index" / f"{connection.vendor}-{digest}"


@dataclass
class _Handle:
    path: Path
    index: tantivy.Index
    schema: tantivy.Schema
    meta: dict
    meta_mtime: float
    # Monotonic time of the last full check against the database (row counts): never, at first.
    checked_at: float = float("-inf")


_handles: dict[Path, _Handle] = {}
_handles_lock = threading.RLock()


def _read_meta(path: Path) -> tuple[dict, float]:
    try:
        stat = (path / META_FILE).stat()
        return json.loads((path / META_FILE).read_text()), stat.st_mtime_ns
    except (OSError, ValueError):
        return {}, 0.0


def _meta_mtime(path: Path) -> float:
    try:
        return (path / META_FILE).stat().st_mtime_ns
    except OSError:
        return 0.0


def _write_meta(path: Path, meta: dict) -> None:
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, path / META_FILE)


def _handle() -> _Handle:
    """The open index of this database (created empty when missing or of an older schema);
    reloaded when another process committed since."""
    path = index_dir()
    with _handles_lock:
        h = _handles.get(path)
        if h is not None and _meta_mtime(path) == h.meta_mtime:
            return h  # nothing committed since it was read: no need to read the file
        meta, mtime = _read_meta(path)
        if h is not None and (not meta or meta.get("schema") == SCHEMA_VERSION):
            if mtime != h.meta_mtime:
                h.index.reload()
                h.meta, h.meta_mtime = meta, mtime
            return h
    with _writing(path), _handles_lock:
        meta, mtime = _read_meta(path)
        schema = _schema()
        try:
            if meta.get("schema") != SCHEMA_VERSION or not tantivy.Index.exists(str(path)):
                _wipe(path)
                index = tantivy.Index(schema, path=str(path), reuse=False)
                _write_meta(path, {"schema": SCHEMA_VERSION})
                meta, mtime = _read_meta(path)
            else:
                index = tantivy.Index(schema, path=str(path), reuse=True)
        except (OSError, ValueError) as exc:
            raise SearchIndexError(f"The search index in {path} cannot be opened: {exc}") from exc
        index.config_reader(reload_policy="manual")
        h = _Handle(path, index, schema, meta, mtime)
        _handles[path] = h
        return h


def _wipe(path: Path) -> None:
    for child in path.iterdir():
        if child.name == LOCK_FILE:
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


class IndexBusy(Exception):
    """Another thread or process is writing the index (raised by _writing with wait=False)."""


# One re-entrant lock per index directory, for the threads of this process.
_write_locks: dict[Path, threading.RLock] = {}
_write_locks_guard = threading.Lock()
_write_depth: dict[Path, int] = {}


@contextmanager
def _writing(path: Path, *, wait: bool = True) -> Iterator[None]:
    """One writer at a time per index: across threads (re-entrant) and across processes (file
    lock). `wait=False` raises IndexBusy instead of waiting (a map request never queues behind
    a rebuild: it asks the database meanwhile). Shared by the map index (directory.map_index)."""
    with _write_locks_guard:
        lock = _write_locks.setdefault(path, threading.RLock())
    if not lock.acquire(blocking=wait):
        raise IndexBusy
    try:
        depth = _write_depth.get(path, 0)
        if depth:
            _write_depth[path] = depth + 1
            try:
                yield
            finally:
                _write_depth[path] -= 1
            return
        path.mkdir(parents=True, exist_ok=True)
        with open(path / LOCK_FILE, "a") as file_lock:
            try:
                fcntl.flock(file_lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise IndexBusy from None
            _write_depth[path] = 1
            try:
                yield
            finally:
                _write_depth[path] = 0
                fcntl.flock(file_lock, fcntl.LOCK_UN)
    finally:
        lock.release()


# -- writing ---------------------------------------------------------------------------------


def _perimeter():
    return Organisation.objects.exclude(ess_rule=EssRule.NONE).filter(is_active=True).order_by()


def _watermark() -> datetime | None:
    """The latest `updated_at` (an index lookup)."""
    return Organisation.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()


def _document(row: tuple) -> tantivy.Document:
    (
        pk,
        name,
        text,
        family,
        form,
        naf,
        band,
        region,
        dep,
        epci,
        ept,
        commune,
        themes,
        approvals,
    ) = row
    doc = tantivy.Document()
    doc.add_unsigned("id", pk)
    if text:
        doc.add_text("text", text)
    for field, value in (
        ("ess_family", family),
        ("legal_category_id", form),
        ("naf_section", naf),
        ("headcount_band", band),
        ("region_code", region),
        ("departement_code", dep),
        ("epci_code", epci),
        ("ept_code", ept),
        ("commune_code", commune),
    ):
        if value:
            doc.add_text(field, value)
    for field, value in (("theme_bits", themes), ("approval_bits", approvals)):
        doc.add_unsigned(MASK_FIELDS[field], value)
        bit = 0
        while value:
            if value & 1:
                doc.add_unsigned(field, bit)
            value >>= 1
            bit += 1
    doc.add_text("name_key", f"{name}\x00{pk:012d}")
    return doc


def _rows(qs) -> Iterable[tuple]:
    return qs.values_list(*_COLUMNS).iterator(chunk_size=READ_CHUNK)


def _commit(h: _Handle, writer: tantivy.IndexWriter, meta: dict) -> None:
    writer.commit()
    writer.wait_merging_threads()
    h.index.reload()
    _write_meta(h.path, meta)
    h.meta, h.meta_mtime = _read_meta(h.path)


def _new_meta(version: str, watermark: datetime | None, docs: int) -> dict:
    return {
        "schema": SCHEMA_VERSION,
        "version": version,
        # All rows, in the perimeter or not: a deletion changes it (cheaper than a perimeter count).
        "rows": Organisation.objects.count(),
        "watermark": watermark.isoformat() if watermark else None,
        "documents": docs,
        "updated": time.time(),
    }


# Called with the number of documents written so far, every PROGRESS_EVERY documents of a
# rebuild (the commands show it: a rebuild at 1 M organisations takes about half a minute).
Progress = Callable[[int], None]
PROGRESS_EVERY = 10_000


def _add_all(
    writer: tantivy.IndexWriter, documents: Iterable[tantivy.Document], progress: Progress | None
) -> int:
    """Add `documents`, telling `progress` every PROGRESS_EVERY; returns how many."""
    docs = 0
    for doc in documents:
        writer.add_document(doc)
        docs += 1
        if progress is not None and docs % PROGRESS_EVERY == 0:
            progress(docs)
    if progress is not None:
        progress(docs)
    return docs


def search_index_rebuild(*, progress: Progress | None = None) -> dict:
    """Index every organisation of the perimeter from scratch. Returns the new state."""
    h = _handle()
    with _writing(h.path):
        return _rebuild(_handle(), progress)


def _rebuild(h: _Handle, progress: Progress | None = None) -> dict:
    version = sql._data_version()
    watermark = _watermark()
    started = time.perf_counter()
    writer = h.index.writer(heap_size=WRITER_HEAP)
    writer.delete_all_documents()
    docs = _add_all(writer, (_document(row) for row in _rows(_perimeter())), progress)
    _commit(h, writer, _new_meta(version, watermark, docs))
    return {**h.meta, "action": "rebuild", "seconds": round(time.perf_counter() - started, 2)}


def search_index_sync(*, progress: Progress | None = None) -> dict:
    """Bring the index up to date: replace the organisations changed since the watermark, then
    rebuild if the number of documents still differs from the perimeter (deleted rows)."""
    h = _handle()
    with _writing(h.path):
        return _sync(_handle(), progress)  # reloaded: another process may have written meanwhile


def _sync(h: _Handle, progress: Progress | None = None) -> dict:
    if not h.meta or not h.meta.get("watermark"):
        return _rebuild(h, progress)
    version = sql._data_version()
    expected = _perimeter().count()
    if (
        version == h.meta.get("version")
        and expected == h.index.searcher().num_docs
        and Organisation.objects.count() == h.meta.get("rows")
    ):
        return {**h.meta, "action": "none"}
    started = time.perf_counter()
    watermark = _watermark()
    since = datetime.fromisoformat(h.meta["watermark"])
    changed_qs = Organisation.objects.filter(updated_at__gte=since).order_by()
    if changed_qs.count() > REBUILD_SHARE * max(expected, 1):
        return _rebuild(h, progress)
    writer = h.index.writer(heap_size=WRITER_HEAP // 4)
    replaced = 0
    for row in changed_qs.values_list(*_COLUMNS, "ess_rule", "is_active").iterator(
        chunk_size=READ_CHUNK
    ):
        # (delete_documents_by_term builds a signed term: it would miss this unsigned field)
        writer.delete_documents_by_query(Q.term_query(h.schema, "id", row[0]))
        if row[-2] != EssRule.NONE and row[-1]:
            writer.add_document(_document(row[:-2]))
        replaced += 1
    writer.commit()
    writer.wait_merging_threads()
    h.index.reload()
    docs = h.index.searcher().num_docs
    if docs != expected:
        return _rebuild(h, progress)
    _write_meta(h.path, _new_meta(version, watermark, docs))
    h.meta, h.meta_mtime = _read_meta(h.path)
    seconds = round(time.perf_counter() - started, 2)
    return {**h.meta, "action": "sync", "replaced": replaced, "seconds": seconds}


def search_index_status() -> dict:
    """What the index holds and whether it is behind the database."""
    h = _handle()
    version = sql._data_version()
    expected = _perimeter().count()
    docs = h.index.searcher().num_docs
    size = sum(f.stat().st_size for f in h.path.rglob("*") if f.is_file())
    return {
        "path": str(h.path),
        "documents": docs,
        "perimeter": expected,
        "version": h.meta.get("version"),
        "database_version": version,
        "up_to_date": bool(h.meta) and h.meta.get("version") == version and docs == expected,
        "bytes": size,
    }


def _fresh_handle() -> tuple[_Handle, str]:
    """The index, synced first when the database changed since it was written, and the data
    version it was checked against (selectors.search.recent_data_version)."""
    h = _handle()
    version = sql.recent_data_version()
    if h.meta.get("version") != version:
        version = sql.recent_data_version(refresh=True)
    recount_every = getattr(settings, "ATELIER_SEARCH_INDEX_RECOUNT_SECONDS", 60)
    now = time.monotonic()
    if h.meta.get("version") == version and now - h.checked_at < recount_every:
        return h, version
    if h.meta.get("version") == version and Organisation.objects.count() == h.meta.get("rows"):
        h.checked_at = now
        return h, version
    search_index_sync()
    h = _handle()
    h.checked_at = time.monotonic()
    return h, version


# -- queries ---------------------------------------------------------------------------------


def _text(schema: tantivy.Schema, tq: TextQuery) -> tantivy.Query:
    """All words; the last one also as a prefix and through its shorter alternatives (the same
    terms as TextQuery.fts5 / tsquery). Words are letters and digits only (text_query)."""
    last = tq.words[-1]
    alternatives = [
        (SHOULD, Q.term_query(schema, "text", last)),
        (SHOULD, Q.regex_query(schema, "text", f"{last}.*")),
        *((SHOULD, Q.term_query(schema, "text", t)) for t in tq.last_alternatives),
    ]
    clauses = [(MUST, Q.term_query(schema, "text", w)) for w in tq.words[:-1]]
    clauses.append((MUST, Q.boolean_query(alternatives)))
    return Q.boolean_query(clauses)


def _text_match(schema: tantivy.Schema, tq: TextQuery) -> tantivy.Query:
    """The documents of _text, for the counts (which ignore scores): the last word's prefix and
    alternatives in one automaton, several times cheaper to evaluate than _text's union (the
    prefix pattern matches the exact term too)."""
    last = "|".join((f"{tq.words[-1]}.*", *tq.last_alternatives))
    clauses = [(MUST, Q.term_query(schema, "text", w)) for w in tq.words[:-1]]
    clauses.append((MUST, Q.regex_query(schema, "text", last)))
    return clauses[0][1] if len(clauses) == 1 else Q.boolean_query(clauses)


def _any_of(schema: tantivy.Schema, field: str, values: list) -> tantivy.Query:
    """Documents whose `field` holds one of `values`. One value: a term query, cheaper to
    evaluate and to intersect than a term set, with the term set's constant score (a filter
    must not change the relevance order of a text search)."""
    if len(values) == 1:
        return Q.const_score_query(Q.term_query(schema, field, values[0]), 1.0)
    return Q.term_set_query(schema, field, values)


def _territory(schema: tantivy.Schema, refs: list[TerritoryRef]) -> tantivy.Query:
    by_level: dict[str, list[str]] = {}
    for r in refs:
        codes = commune_codes(r.code) if r.level == TerritoryLevel.COMMUNE else [r.code]
        by_level.setdefault(r.level, []).extend(codes)
    parts = [
        (SHOULD, _any_of(schema, LEVEL_COLUMN[level], codes)) for level, codes in by_level.items()
    ]
    return parts[0][1] if len(parts) == 1 else Q.boolean_query(parts)


def _filters(
    schema: tantivy.Schema, params: SearchParams, leaves: list[TerritoryRef]
) -> dict[str, tantivy.Query]:
    """One query per facet with a selection (OR of its values), as selectors.search does."""
    filters: dict[str, tantivy.Query] = {}
    for name, field in VALUE_FIELDS.items():
        if values := getattr(params, name):
            filters[name] = _any_of(schema, field, values)
    if params.theme:
        filters["theme"] = _any_of(
            schema, "theme_bits", [THEMES_BY_NAME[t].value for t in params.theme]
        )
    if params.agrement:
        filters["agrement"] = _any_of(
            schema, "approval_bits", [APPROVALS_BY_NAME[a].value for a in params.agrement]
        )
    if leaves:
        filters["territoire"] = _territory(schema, leaves)
    return filters


def _and(base: tantivy.Query | None, *queries: tantivy.Query) -> tantivy.Query:
    parts = [q for q in (base, *queries) if q is not None]
    if not parts:
        return Q.all_query()
    if len(parts) == 1:
        return parts[0]
    return Q.boolean_query([(MUST, q) for q in parts])


def _but(filters: dict[str, tantivy.Query], *names: str) -> list[tantivy.Query]:
    return [q for name, q in filters.items() if name not in names]


def _terms(field: str) -> dict:
    size = TERMS_SIZE[field]
    return {"terms": {"field": field, "size": size, "segment_size": size}}


def _bits(masks: list[tuple[Any, int]]) -> list[tuple[int, int]]:
    """Counts by bit number from counts by whole mask."""
    by_bit: dict[int, int] = {}
    for mask, n in masks:
        mask, bit = int(mask), 0
        while mask:
            if mask & 1:
                by_bit[bit] = by_bit.get(bit, 0) + n
            mask >>= 1
            bit += 1
    return list(by_bit.items())


def _buckets(result: dict, name: str) -> list[tuple[Any, int]]:
    return [(b["key"], b["doc_count"]) for b in result.get(name, {}).get("buckets", [])]


# -- search ----------------------------------------------------------------------------------


def index_search(params: SearchParams, page_size: int = 20) -> SearchResult | None:
    """selectors.search.search, answered by the index (same results, totals and facets); None
    when the index cannot be opened or written (the caller then asks the database)."""
    page_size = max(1, min(page_size, sql.MAX_PAGE_SIZE))
    try:
        h, version = _fresh_handle()
    except (SearchIndexError, OSError, ValueError) as exc:
        logger.warning("Atlas search index unusable, searching the database: %s", exc)
        return None
    schema = h.schema
    searcher = h.index.searcher()
    tq = text_query(params.q) if params.q else None
    base = _text(schema, tq) if tq is not None else None
    leaves = sql._territory_leaves(params)
    filters = _filters(schema, params, leaves)
    matching = _and(base, *filters.values())

    ttl = getattr(settings, "ATELIER_SEARCH_CACHE_SECONDS", 300)
    key = _cache_key(params, version) if ttl else ""
    cached = cache.get(key) if key else None
    if cached is None:
        counted = _text_match(schema, tq) if tq is not None else None
        total, facets, commune_labels = _count_facets(
            searcher, schema, counted, filters, params, leaves
        )
        if key:
            cache.set(key, (total, facets), ttl)
    else:
        (total, facets), commune_labels = cached, {}

    browsable = min(total, sql.MAX_BROWSABLE)
    num_pages = max(1, -(-browsable // page_size))
    page = min(params.page, num_pages)
    start = (page - 1) * page_size
    ids: list[int] = []
    if total:
        if tq is not None:
            hits = searcher.search(matching, limit=page_size, offset=start, count=False).hits
        else:
            hits = searcher.search(
                matching,
                limit=page_size,
                offset=start,
                count=False,
                order_by_field="name_key",
                order=tantivy.Order.Asc,
            ).hits
        ids = [int(i) for i in searcher.fast_field_values("id", [a for _s, a in hits])]
    by_id = {r["id"]: r for r in Organisation.objects.filter(id__in=ids).values(*sql._ROW_FIELDS)}
    rows = [by_id[i] for i in ids if i in by_id]
    return sql.result_page(
        params,
        rows,
        facets,
        commune_labels,
        total=total,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        browsable=browsable,
        ranked=tq is not None,
    )


def _cache_key(params: SearchParams, version: str) -> str:
    canonical = "|".join(
        ("tantivy", connection.vendor, get_language() or "", version, params.to_querystring())
    )
    return "atlas:facets:index:v1:" + hashlib.sha256(canonical.encode()).hexdigest()


def _count_facets(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    base: tantivy.Query | None,
    filters: dict[str, tantivy.Query],
    params: SearchParams,
    leaves: list[TerritoryRef],
) -> tuple[int, list[Facet], dict[str, str]]:
    """(total, facets, commune labels). Facets without a selection are counted together, in
    one aggregation over all the filters that gives the total too; each selected facet with the
    other facets' filters."""
    fields = {**VALUE_FIELDS, **{n: MASK_FIELDS[f] for n, f in BIT_FIELDS.items()}}
    counts: dict[str, list[tuple[Any, int]]] = {name: [] for name in fields}
    aggs = {name: _terms(field) for name, field in fields.items() if name not in filters}
    if "territoire" not in filters:
        aggs["territoire"] = _terms("region_code")
    # Every document holds both masks, so the buckets of either add up to the total (a separate
    # count would cost as much as one more facet).
    by_mask = next((name for name in BIT_FIELDS if name in aggs), None)
    if by_mask is None:
        aggs["_total"] = {"value_count": {"field": "id"}}
    result = searcher.aggregate(_and(base, *filters.values()), aggs)
    if by_mask is None:
        total = int(result.get("_total", {}).get("value") or 0)
    else:
        total = sum(n for _mask, n in _buckets(result, by_mask))
        total += int(result.get(by_mask, {}).get("sum_other_doc_count") or 0)
    for name in aggs:
        counts[name] = _buckets(result, name) if total else []
    for name, field in fields.items():
        if name in filters:
            query = _and(base, *_but(filters, name))
            counts[name] = _buckets(searcher.aggregate(query, {name: _terms(field)}), name)
    for name in BIT_FIELDS:
        counts[name] = _bits(counts[name])
    if "territoire" in filters:
        territory_values, territory_codes = _territory_facet(
            searcher, schema, _and(base, *_but(filters, "territoire")), params, leaves
        )
    else:
        regions = [(str(c), n) for c, n in counts.get("territoire", [])]
        territory_values = [
            FacetValue(f"{TerritoryLevel.REGION}:{code}", code, n, False)
            for code, n in sorted(regions, key=lambda r: (-r[1], r[0]))
        ]
        territory_codes = {TerritoryLevel.REGION: {code for code, _n in regions}}
    return (total, *_labelled_facets(counts, territory_values, territory_codes, params))


def _labelled_facets(
    counts: dict[str, list[tuple[Any, int]]],
    territory_values: list[FacetValue],
    territory_codes: dict[str, set[str]],
    params: SearchParams,
) -> tuple[list[Facet], dict[str, str]]:
    """The facets with their labels, built exactly as the SQL path builds them."""
    bit_counts = {f"t{k}": n for k, n in counts["theme"]}
    bit_counts.update({f"a{k}": n for k, n in counts["agrement"]})
    return sql.labelled_facets(counts, bit_counts, territory_values, territory_codes, params)


def _territory_facet(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    others: tantivy.Query,
    params: SearchParams,
    leaves: list[TerritoryRef],
) -> tuple[list[FacetValue], dict[str, set[str]]]:
    """selectors.search._territory_facet (drill-down), counted by terms aggregations: one call
    per level of the chosen territories."""
    to_label: dict[str, set[str]] = {}
    leaf_keys = {r.key for r in leaves}
    leaf_counts: dict[str, int] = {}
    children: list[FacetValue] = []

    def child(level: str, code: str, n: int, depth: int) -> None:
        key = f"{level}:{code}"
        if code and key not in leaf_keys:
            children.append(FacetValue(key, code, n, False, depth))
            to_label.setdefault(level, set()).add(code)

    def aggregate(query: tantivy.Query, *fields: str) -> dict[str, list[tuple[str, int]]]:
        result = searcher.aggregate(_and(others, query), {f: _terms(f) for f in fields})
        return {f: [(str(k), n) for k, n in _buckets(result, f)] for f in fields}

    def add(level: str, pairs: list[tuple[str, int]]) -> None:
        for code, n in pairs:
            key = f"{level}:{code}"
            leaf_counts[key] = leaf_counts.get(key, 0) + n

    by_level: dict[str, list[TerritoryRef]] = {}
    for r in leaves:
        by_level.setdefault(r.level, []).append(r)
    if TerritoryLevel.REGION in by_level:
        codes = [r.code for r in by_level[TerritoryLevel.REGION]]
        got = aggregate(_any_of(schema, "region_code", codes), *TERRITORY_FIELDS[:2])
        add(TerritoryLevel.REGION, got["region_code"])
        # By code: the order in which the SQL path's GROUP BY returns them.
        for dep, n in sorted(got["departement_code"]):
            child(TerritoryLevel.DEPARTEMENT, dep, n, 2)
    if TerritoryLevel.DEPARTEMENT in by_level:
        codes = [r.code for r in by_level[TerritoryLevel.DEPARTEMENT]]
        got = aggregate(
            _any_of(schema, "departement_code", codes),
            "departement_code",
            "epci_code",
            "ept_code",
            "commune_code",
        )
        add(TerritoryLevel.DEPARTEMENT, got["departement_code"])
        grouped = [(TerritoryLevel.EPT, c, n) for c, n in got["ept_code"]]
        grouped += [(TerritoryLevel.EPCI, c, n) for c, n in got["epci_code"]]
        for level, code, n in sorted(grouped, key=lambda x: (-x[2], x[0], x[1])):
            child(level, code, n, 2)
        for commune, n in sql._top(got["commune_code"]):
            child(TerritoryLevel.COMMUNE, commune, n, 2)
    groupings = by_level.get(TerritoryLevel.EPCI, []) + by_level.get(TerritoryLevel.EPT, [])
    if groupings:
        got = aggregate(_territory(schema, groupings), "epci_code", "ept_code", "commune_code")
        for level, field in ((TerritoryLevel.EPCI, "epci_code"), (TerritoryLevel.EPT, "ept_code")):
            add(level, [(c, n) for c, n in got[field] if f"{level}:{c}" in leaf_keys])
        for commune, n in sql._top(got["commune_code"]):
            child(TerritoryLevel.COMMUNE, commune, n, 2)
    if TerritoryLevel.COMMUNE in by_level:
        chosen = by_level[TerritoryLevel.COMMUNE]
        deps = sorted({commune_departement(r.code) for r in chosen})
        owner = {c: r.key for r in chosen for c in commune_codes(r.code)}
        got = aggregate(_any_of(schema, "departement_code", deps), "commune_code")
        communes = []
        for commune, n in got["commune_code"]:
            if commune in owner:
                leaf_counts[owner[commune]] = leaf_counts.get(owner[commune], 0) + n
            else:
                communes.append((commune, n))
        for commune, n in sql._top(communes):
            child(TerritoryLevel.COMMUNE, commune, n, 2)

    return sql.selected_territory_values(params, leaf_keys, leaf_counts) + children, to_label
