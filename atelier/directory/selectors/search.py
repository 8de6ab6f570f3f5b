"""Atlas search: French full text + disjunctive facets over the organisations of the perimeter.

One read model answers with facets: the `organisations` index (atelier.search, declared in
directory/indexes.py), from its last complete generation — a reader never waits for a writer.
The database answers what needs every row or no index: `search_queryset` (exports, the map's
fallback) and, when no index generation can be used (first start, unusable directory,
ATELIER_SEARCH_ENGINE = "database"), a plain list without facet counts, ordered by name or,
with a text, by the tiers of search_ranking.py.

Both are built from ONE set of conditions (atelier.search.conditions): the text, each facet
with a selection (OR inside a facet, AND between facets) and the territory drill-down are
defined once here and turned into index queries or SQL.

Facet counts are disjunctive: each facet is counted with the filters of the OTHER facets, so
several values of one facet can be ticked. The total and the facets of a search are cached
(Django cache, ATELIER_SEARCH_CACHE_SECONDS) under its canonical query string and the index
generation and version they were counted on."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import tantivy
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import get_language

from atelier.search import Handle, SearchIndexError, reader
from atelier.search.conditions import AnyOf, BitsAny, Condition, Either, all_of, all_q, to_query
from atelier.search.conditions import to_q as condition_q
from atelier.search.facets import PageWindow, bits_of_masks, buckets, disjunctive_counts, terms
from atelier.territories.enums import TerritoryLevel
from atelier.territories.selectors import (
    LEVEL_COLUMN,
    LEVEL_DEPTH,
    TerritoryRef,
    commune_codes,
    commune_departement,
)

from ..indexes import ESTABLISHMENTS, MASK_FIELDS, ORGANISATIONS, TERRITORY_FIELDS
from ..models import Organisation
from . import around_index
from .around import nearest_page, organisation_distances, zone_organisations
from .search_params import (
    APPROVALS_BY_NAME,
    FACETS,
    MAX_BROWSABLE,
    MAX_PAGE_SIZE,
    THEMES_BY_NAME,
    SearchParams,
    TextQuery,
)
from .search_params import text_query as parse_text
from .search_ranking import page_order, ranked_query, sql_order, typos_where_rare
from .search_results import (
    ROW_FIELDS,
    CodeLabel,
    Facet,
    FacetValue,
    ResultRow,
    SearchResult,
    _top,
    labelled_facets,
    result_page,
    selected_territory_values,
    with_distances,
)

__all__ = [
    "FACETS",
    "MAX_PAGE_SIZE",
    "CodeLabel",
    "Facet",
    "FacetValue",
    "ResultRow",
    "SearchParams",
    "SearchResult",
    "TextQuery",
    "search",
    "search_conditions",
    "search_queryset",
    "text_query",
]

logger = logging.getLogger(__name__)

# Value facets: query parameter -> column (= index field).
VALUE_COLUMNS = {
    "famille": "ess_family",
    "forme": "legal_category_id",
    "naf": "naf_section",
    "effectif": "headcount_band",
}
BIT_COLUMNS = {"theme": "theme_bits", "agrement": "approval_bits"}
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


# -- conditions: the one definition of what a search selects ---------------------------------


def territory_condition(refs: list[TerritoryRef]) -> Condition:
    """Organisations placed in one of the territories `refs` (a commune of Paris, Lyon or
    Marseille includes its municipal arrondissements)."""
    by_level: dict[str, list[str]] = {}
    for r in refs:
        codes = commune_codes(r.code) if r.level == TerritoryLevel.COMMUNE else [r.code]
        by_level.setdefault(r.level, []).extend(codes)
    parts = tuple(AnyOf(LEVEL_COLUMN[level], tuple(codes)) for level, codes in by_level.items())
    return parts[0] if len(parts) == 1 else Either(parts)


def territory_leaves(params: SearchParams) -> list[TerritoryRef]:
    """The selected territories that do not contain another selected one: ticking Seine-Saint-
    Denis inside Île-de-France narrows the search to Seine-Saint-Denis (drill-down)."""
    refs = params.territories
    if len({r.level for r in refs}) < 2:
        return refs
    finer = [r for r in refs if LEVEL_DEPTH[r.level] > min(LEVEL_DEPTH[x.level] for x in refs)]
    columns = list(LEVEL_COLUMN.values())
    rows = list(
        Organisation.objects.filter(condition_q(territory_condition(finer)))
        .values_list(*columns)
        .distinct()[:5000]
    )
    ancestors = set()
    for s in refs:
        s_col = columns.index(LEVEL_COLUMN[s.level])
        for t in finer:
            if LEVEL_DEPTH[t.level] <= LEVEL_DEPTH[s.level]:
                continue
            t_col = columns.index(LEVEL_COLUMN[t.level])
            t_codes = commune_codes(t.code) if t.level == TerritoryLevel.COMMUNE else [t.code]
            t_rows = [row for row in rows if row[t_col] in t_codes]
            if t_rows and all(row[s_col] == s.code for row in t_rows):
                ancestors.add(s.key)
    return [r for r in refs if r.key not in ancestors]


def search_conditions(
    params: SearchParams, leaves: list[TerritoryRef] | None = None, *, near: bool = True
) -> dict[str, Condition]:
    """One condition per facet that has a selection (OR of its values), by facet name; the
    organisations around a place (`near`) read from the database, unless the caller measures
    them on the index (around_index.near_condition)."""
    found: dict[str, Condition] = {}
    for name, column in VALUE_COLUMNS.items():
        if values := getattr(params, name):
            found[name] = AnyOf(column, tuple(values))
    if params.theme:
        found["theme"] = BitsAny("theme_bits", tuple(THEMES_BY_NAME[t].value for t in params.theme))
    if params.agrement:
        found["agrement"] = BitsAny(
            "approval_bits", tuple(APPROVALS_BY_NAME[a].value for a in params.agrement)
        )
    leaves = territory_leaves(params) if leaves is None else leaves
    if leaves:
        found["territoire"] = territory_condition(leaves)
    if params.center is not None and near:
        distances = organisation_distances(params.center, params.rayon)
        found["autour"] = AnyOf("id", tuple(sorted(i for i, _d in distances)))
    if params.zone_box is not None:
        found["zone"] = AnyOf("id", zone_organisations(params.zone_box))
    return found


def search_queryset(params: SearchParams) -> QuerySet[Organisation]:
    """The organisations matching `params`: filtered, unordered, not paginated (exports, map)."""
    conditions = list(search_conditions(params).values())
    tq = parse_text(params.q) if params.q else None
    if tq is not None:
        conditions.append(tq.condition())
    return Organisation.objects.in_perimeter().order_by().filter(all_q(conditions))


def text_query(q: str) -> TextQuery | None:
    """The text `q` as the index reads it (search_params.text_query), its typos kept only on
    words the organisations index rarely holds (search_ranking.typos_where_rare) — for the map,
    so that it selects the organisations of the list."""
    tq = parse_text(q)
    if tq is None or not tq.fuzzy:
        return tq
    try:
        handle = reader(ORGANISATIONS)
    except SearchIndexError:
        handle = None
    return typos_where_rare(handle.searcher(), tq) if handle is not None else tq


# -- the search ------------------------------------------------------------------------------


def search(params: SearchParams, page_size: int = 20) -> SearchResult:
    """One page of results (by relevance when there is a text, else by name), the exact total
    and the facets, from the search index; a plain list from the database when no index
    generation can be used."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    if getattr(settings, "ATELIER_SEARCH_ENGINE", "tantivy") == "tantivy":
        try:
            handle = reader(ORGANISATIONS)
        except SearchIndexError as exc:
            logger.warning("Atlas search index unusable, listing from the database: %s", exc)
            handle = None
        if handle is not None:
            return _index_search(handle, params, page_size)
    return _plain_list(params, page_size)


def _plain_list(params: SearchParams, page_size: int) -> SearchResult:
    """The matching organisations by name, with their total, without facet counts."""
    qs = search_queryset(params)
    total = qs.count()
    window = PageWindow.of(total, params.page, page_size, MAX_BROWSABLE)
    tq = parse_text(params.q) if params.q else None
    if params.center is not None:
        near = organisation_distances(params.center, params.rayon)

        def matching(ids: list[int]) -> set[int]:
            return set(qs.filter(id__in=ids).values_list("id", flat=True))

        ids = nearest_page(near, matching, window.start, page_size)
        by_id = {r["id"]: r for r in qs.filter(id__in=ids).values(*ROW_FIELDS)}
        rows = [by_id[i] for i in ids if i in by_id]
        page = result_page(params, rows, [], {}, total=total, window=window, ranked=False)
        return with_distances(page, near)
    order = sql_order(params.q, tq) if tq is not None else ["name", "id"]
    rows = list(qs.order_by(*order).values(*ROW_FIELDS)[window.start :][:page_size])
    return result_page(params, rows, [], {}, total=total, window=window, ranked=tq is not None)


def _cache_key(handle: Handle, params: SearchParams, near: Handle | None) -> str:
    canonical = "|".join(
        (
            str(handle.path),
            handle.generation,
            str(handle.version),
            f"{near.generation}:{near.version}" if near is not None else "",
            get_language() or "",
            params.to_querystring(page=False),
        )
    )
    return "atlas:facets:v2:" + hashlib.sha256(canonical.encode()).hexdigest()


def _near_handle(params: SearchParams) -> Handle | None:
    """The establishments index, for a search around a place (around_index.py); None without a
    centre or when it cannot answer (the distances are then read from the database)."""
    if params.center is None:
        return None
    try:
        return reader(ESTABLISHMENTS)
    except SearchIndexError as exc:
        logger.warning("Atlas map index unusable, distances from the database: %s", exc)
        return None


def _index_search(handle: Handle, params: SearchParams, page_size: int) -> SearchResult:
    schema = handle.schema
    searcher = handle.searcher()
    tq = typos_where_rare(searcher, parse_text(params.q)) if params.q else None
    leaves = territory_leaves(params)
    near = _near_handle(params)
    conditions = search_conditions(params, leaves, near=near is None)
    if near is not None and params.center is not None:
        conditions["autour"] = around_index.near_condition(near, params.center, params.rayon)
    filters = {n: to_query(schema, c) for n, c in conditions.items()}

    ttl = getattr(settings, "ATELIER_SEARCH_CACHE_SECONDS", 300)
    key = _cache_key(handle, params, near) if ttl else ""
    cached = cache.get(key) if key else None
    if cached is None:
        counted = to_query(schema, tq.condition()) if tq is not None else None
        total, facets, commune_labels = _count_facets(
            searcher, schema, counted, filters, params, leaves
        )
        if key:
            cache.set(key, (total, facets), ttl)
    else:
        (total, facets), commune_labels = cached, {}

    window = PageWindow.of(total, params.page, page_size, MAX_BROWSABLE)
    ids: list[int] = []
    scored: list[tuple[float, Any]] = []
    if total and params.center is not None:
        return _nearest_index_page(
            handle, near, params, tq, conditions, facets, total, window, page_size
        )
    if total:
        ranked = ranked_query(schema, tq) if tq is not None else None
        matching = all_of(ranked, *filters.values())
        order: dict[str, Any] = (
            {} if tq is not None else {"order_by_field": "name_key", "order": tantivy.Order.Asc}
        )
        hits = searcher.search(
            matching, limit=page_size, offset=window.start, count=False, **order
        ).hits
        values = searcher.fast_field_values("id", [a for _s, a in hits])
        ids = [int(i) for i in values if isinstance(i, int)]
        if tq is not None:
            scored = [(float(s), i) for (s, _a), i in zip(hits, values, strict=True)]
    by_id = {r["id"]: r for r in Organisation.objects.filter(id__in=ids).values(*ROW_FIELDS)}
    if tq is not None:
        names = {i: r["name"] for i, r in by_id.items()}
        ids = page_order([(s, i) for s, i in scored if isinstance(i, int)], names)
    rows = [by_id[i] for i in ids if i in by_id]
    return result_page(
        params, rows, facets, commune_labels, total=total, window=window, ranked=tq is not None
    )


def _nearest_index_page(
    handle: Handle,
    near_handle: Handle | None,
    params: SearchParams,
    tq: TextQuery | None,
    conditions: dict[str, Condition],
    facets: list[Facet],
    total: int,
    window: PageWindow,
    page_size: int,
) -> SearchResult:
    """A page of a search around a place from the index: the nearest matching organisations,
    measured on the establishments index (around_index.py) or, without it, from the database."""
    assert params.center is not None
    schema, searcher = handle.schema, handle.searcher()
    text = [tq.condition()] if tq is not None else []
    if near_handle is not None:
        others = [c for name, c in conditions.items() if name != "autour"] + text
        near = around_index.nearest_page(
            near_handle,
            all_of(*(to_query(near_handle.schema, c) for c in others)),
            params.center,
            params.rayon,
            total,
            window.start,
            page_size,
        )
        ids = [pk for pk, _km in near]
    else:
        near = organisation_distances(params.center, params.rayon)
        matching_query = all_of(*(to_query(schema, c) for c in [*conditions.values(), *text]))

        def matching(chunk: list[int]) -> set[int]:
            query = all_of(matching_query, to_query(schema, AnyOf("id", tuple(chunk))))
            hits = searcher.search(query, limit=len(chunk), count=False).hits
            values = searcher.fast_field_values("id", [a for _s, a in hits])
            return {int(v) for v in values if isinstance(v, int)}

        ids = nearest_page(near, matching, window.start, page_size)
    by_id = {r["id"]: r for r in Organisation.objects.filter(id__in=ids).values(*ROW_FIELDS)}
    rows = [by_id[i] for i in ids if i in by_id]
    page = result_page(params, rows, facets, {}, total=total, window=window, ranked=False)
    return with_distances(page, near)


# -- facet counts ----------------------------------------------------------------------------


def _count_facets(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    base: tantivy.Query | None,
    filters: dict[str, tantivy.Query],
    params: SearchParams,
    leaves: list[TerritoryRef],
) -> tuple[int, list[Facet], dict[str, str]]:
    """(total, facets, commune labels fetched on the way)."""
    fields = {**VALUE_COLUMNS, **{n: MASK_FIELDS[c] for n, c in BIT_COLUMNS.items()}}
    aggregations = {name: terms(field, TERMS_SIZE[field]) for name, field in fields.items()}
    if "territoire" not in filters:
        aggregations["territoire"] = terms("region_code", TERMS_SIZE["region_code"])
    # Every document holds both masks: the buckets of either add up to the total.
    total, counts = disjunctive_counts(
        searcher, base, filters, aggregations, dense=tuple(BIT_COLUMNS)
    )
    bit_counts = {f"t{k}": n for k, n in bits_of_masks(counts["theme"])}
    bit_counts.update({f"a{k}": n for k, n in bits_of_masks(counts["agrement"])})
    if "territoire" in filters:
        others = all_of(base, *(q for name, q in filters.items() if name != "territoire"))
        territory_values, territory_codes = _territory_facet(
            searcher, schema, others, params, leaves
        )
    else:
        regions = [(str(c), n) for c, n in counts.get("territoire", [])]
        territory_values = [
            FacetValue(f"{TerritoryLevel.REGION}:{code}", code, n, False)
            for code, n in sorted(regions, key=lambda r: (-r[1], r[0]))
        ]
        territory_codes = {TerritoryLevel.REGION: {code for code, _n in regions}}
    facets, commune_labels = labelled_facets(
        counts, bit_counts, territory_values, territory_codes, params
    )
    return total, facets, commune_labels


def _communes(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Commune counts as a click on each would give them: Paris, Lyon and Marseille count
    their municipal arrondissements too (a filter on the commune includes them)."""
    counts = dict(pairs)
    for code in list(counts):
        for arrondissement in commune_codes(code)[1:]:
            counts[code] += counts.get(arrondissement, 0)
    return list(counts.items())


def _territory_facet(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    others: tantivy.Query,
    params: SearchParams,
    leaves: list[TerritoryRef],
) -> tuple[list[FacetValue], dict[str, set[str]]]:
    """Drill-down: the chosen territories (ticked) and what lies inside them — départements of
    a région; intercommunalités and communes of a département; communes of an EPCI/EPT; the
    other communes of the département of a commune — counted with the other facets' filters,
    one aggregation per level of the chosen territories. Returns the values (labels filled
    later) and the codes to label, by level."""
    to_label: dict[str, set[str]] = {}
    leaf_keys = {r.key for r in leaves}
    leaf_counts: dict[str, int] = {}
    children: list[FacetValue] = []

    def child(level: str, code: str, n: int) -> None:
        key = f"{level}:{code}"
        if code and key not in leaf_keys:
            children.append(FacetValue(key, code, n, False, 2))
            to_label.setdefault(level, set()).add(code)

    def aggregate(condition: Condition, *fields: str) -> dict[str, list[tuple[str, int]]]:
        query = all_of(others, to_query(schema, condition))
        result = searcher.aggregate(query, {f: terms(f, TERMS_SIZE[f]) for f in fields})
        return {f: [(str(k), n) for k, n in buckets(result, f)] for f in fields}

    def add(level: str, pairs: list[tuple[str, int]]) -> None:
        for code, n in pairs:
            key = f"{level}:{code}"
            leaf_counts[key] = leaf_counts.get(key, 0) + n

    by_level: dict[str, list[TerritoryRef]] = {}
    for r in leaves:
        by_level.setdefault(r.level, []).append(r)
    if TerritoryLevel.REGION in by_level:
        got = aggregate(territory_condition(by_level[TerritoryLevel.REGION]), *TERRITORY_FIELDS[:2])
        add(TerritoryLevel.REGION, got["region_code"])
        for dep, n in sorted(got["departement_code"]):
            child(TerritoryLevel.DEPARTEMENT, dep, n)
    if TerritoryLevel.DEPARTEMENT in by_level:
        got = aggregate(
            territory_condition(by_level[TerritoryLevel.DEPARTEMENT]), *TERRITORY_FIELDS[1:]
        )
        add(TerritoryLevel.DEPARTEMENT, got["departement_code"])
        grouped = [(TerritoryLevel.EPT, c, n) for c, n in got["ept_code"]]
        grouped += [(TerritoryLevel.EPCI, c, n) for c, n in got["epci_code"]]
        for level, code, n in sorted(grouped, key=lambda x: (-x[2], x[0], x[1])):
            child(level, code, n)
        for commune, n in _top(_communes(got["commune_code"])):
            child(TerritoryLevel.COMMUNE, commune, n)
    groupings = by_level.get(TerritoryLevel.EPCI, []) + by_level.get(TerritoryLevel.EPT, [])
    if groupings:
        got = aggregate(territory_condition(groupings), *TERRITORY_FIELDS[2:])
        for level, field in ((TerritoryLevel.EPCI, "epci_code"), (TerritoryLevel.EPT, "ept_code")):
            add(level, [(c, n) for c, n in got[field] if f"{level}:{c}" in leaf_keys])
        for commune, n in _top(_communes(got["commune_code"])):
            child(TerritoryLevel.COMMUNE, commune, n)
    if TerritoryLevel.COMMUNE in by_level:
        chosen = by_level[TerritoryLevel.COMMUNE]
        deps = tuple(sorted({commune_departement(r.code) for r in chosen}))
        owner = {c: r.key for r in chosen for c in commune_codes(r.code)}
        got = aggregate(AnyOf("departement_code", deps), "commune_code")
        communes = []
        for commune, n in got["commune_code"]:
            if commune in owner:
                leaf_counts[owner[commune]] = leaf_counts.get(owner[commune], 0) + n
            else:
                communes.append((commune, n))
        for commune, n in _top(_communes(communes)):
            child(TerritoryLevel.COMMUNE, commune, n)
    return selected_territory_values(params, leaf_keys, leaf_counts) + children, to_label
