"""Atlas search: French full text + disjunctive facets over Organisation, on SQLite and PostgreSQL.

Design for 1 M organisations (see bench/):
- every query reads the single table `directory_organisation` (facet columns are denormalised
  on it by services.organisations), never a JOIN;
- full text: query words are normalised exactly like `search_text` (directory.text: French stem
  + accent folding), then matched by FTS5 (SQLite, table `directory_organisation_fts`) or by the
  GIN-indexed `to_tsvector('simple', search_text)` (PostgreSQL); the last word is a prefix
  (as-you-type). Both engines receive the same token expression, so they find the same rows;
- facet counts are disjunctive: each facet is counted with the filters of all OTHER facets, so
  several values of one facet can be ticked (OR inside a facet, AND between facets). Value
  facets are one GROUP BY each; the two bit facets (themes, approvals) and the total are ONE
  query of conditional aggregates;
- ranking is bounded: when a text matches more than RANK_WINDOW organisations, only a window
  of RANK_WINDOW of them is ranked and paged (the count stays exact; exports give everything);
- pages are numbered; deep pages are capped (MAX_BROWSABLE) because OFFSET costs grow with
  depth on both databases.
Where precomputed counts would help: the facet counts of the empty search (no text, no filter)
are the same for every visitor and cost a full scan of the table; they are the first
candidates for a cache (keyed by the canonical query string, invalidated by imports).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThan
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from atelier.territories.enums import EssFamily, TerritoryLevel
from atelier.territories.selectors import (
    TerritoryRef,
    legal_category_labels,
    naf_section_labels,
    territory_labels,
    territory_parse,
)

from ..enums import Approval, EssRule, HeadcountBand, Theme
from ..models import Organisation
from ..text import fold, tokens

# -- limits ----------------------------------------------------------------------------------

MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 8
MAX_TOKEN_CHARS = 40
MAX_VALUES_PER_FILTER = 30
MAX_PAGE_SIZE = 100
# Text searches rank at most this many matches; pages go at most this deep.
RANK_WINDOW = 1000
MAX_BROWSABLE = 1000
# Long facet lists (legal forms, communes) show their most frequent values only.
MAX_FACET_VALUES = 40
# As-you-type: the last word also matches the index terms 1..PREFIX_BACKOFF characters shorter
# (a partly typed "cooperat" must find the stem "cooper" of "coopératives").
PREFIX_BACKOFF = 3
PREFIX_MIN_CHARS = 3

FACETS = ("famille", "forme", "naf", "theme", "agrement", "effectif", "territoire")
FACET_LEGENDS = {
    "famille": gettext_lazy("Famille de l'ESS"),
    "forme": gettext_lazy("Forme juridique"),
    "naf": gettext_lazy("Secteur d'activité (NAF)"),
    "theme": gettext_lazy("Thématique"),
    "agrement": gettext_lazy("Agrément ou statut"),
    "effectif": gettext_lazy("Effectif salarié"),
    "territoire": gettext_lazy("Territoire"),
}
THEMES_BY_NAME = {t.name.lower(): t for t in Theme}
APPROVALS_BY_NAME = {a.name.lower(): a for a in Approval}
FAMILY_VALUES = [f.value for f in EssFamily]
BAND_VALUES = [b.value for b in HeadcountBand]
_FORME = re.compile(r"^\d{4}$")
_NAF = re.compile(r"^[A-U]$")
# Depth of each territory level, coarse to fine (an EPT lies inside the Métropole du Grand Paris).
LEVEL_DEPTH = {
    TerritoryLevel.REGION: 0,
    TerritoryLevel.DEPARTEMENT: 1,
    TerritoryLevel.EPCI: 2,
    TerritoryLevel.EPT: 3,
    TerritoryLevel.COMMUNE: 4,
}
LEVEL_COLUMN = {
    TerritoryLevel.REGION: "region_code",
    TerritoryLevel.DEPARTEMENT: "departement_code",
    TerritoryLevel.EPCI: "epci_code",
    TerritoryLevel.EPT: "ept_code",
    TerritoryLevel.COMMUNE: "commune_code",
}
# Organisations of Paris, Lyon and Marseille are placed in municipal arrondissements.
_PLM_ARRONDISSEMENTS = {
    "75056": [f"751{n:02d}" for n in range(1, 21)],
    "69123": [f"6938{n}" for n in range(1, 10)],
    "13055": [f"132{n:02d}" for n in range(1, 17)],
}


def commune_codes(code: str) -> list[str]:
    """The commune_code values an Atlas filter on commune `code` must match."""
    return [code, *_PLM_ARRONDISSEMENTS.get(code, [])]


def commune_departement(code: str) -> str:
    """INSEE rule: the département of a commune is the first 2 characters of its code (3 for the
    overseas départements 971-976)."""
    return code[:3] if code.startswith("97") else code[:2]


# -- parameters ------------------------------------------------------------------------------


@dataclass
class SearchParams:
    """The Atlas search, as in the URL. Build it with `from_querydict`: invalid values are left
    out and described in `errors` (French sentences)."""

    q: str = ""
    famille: list[str] = field(default_factory=list)
    forme: list[str] = field(default_factory=list)
    naf: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    agrement: list[str] = field(default_factory=list)
    effectif: list[str] = field(default_factory=list)
    territoire: list[str] = field(default_factory=list)
    page: int = 1
    errors: list[str] = field(default_factory=list, compare=False)
    # The territories of `territoire`, resolved (labels, levels); filled by from_querydict.
    territories: list[TerritoryRef] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.territoire and len(self.territories) != len(self.territoire):
            self.territories = [r for k in self.territoire if (r := territory_parse(k))]

    @classmethod
    def from_querydict(cls, data: Any) -> SearchParams:
        """From request.GET (or any mapping with `getlist`)."""
        errors: list[str] = []

        def getlist(name: str) -> list[str]:
            raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
            if isinstance(raw, str):
                raw = [raw]
            values: list[str] = []
            for v in raw:
                v = str(v).strip()
                if v and v not in values:
                    values.append(v)
            if len(values) > MAX_VALUES_PER_FILTER:
                errors.append(
                    _("Trop de valeurs pour « %(name)s » : les %(max)d premières sont gardées.")
                    % {"name": name, "max": MAX_VALUES_PER_FILTER}
                )
                values = values[:MAX_VALUES_PER_FILTER]
            return values

        def keep(name: str, values: list[str], valid) -> list[str]:
            kept = []
            for v in values:
                if valid(v):
                    kept.append(v)
                else:
                    errors.append(
                        _("« %(value)s » n'est pas une valeur possible pour « %(name)s ».")
                        % {"value": v[:60], "name": name}
                    )
            return kept

        q = data.get("q", "") or ""
        q = " ".join(str(q).split())
        if len(q) > MAX_QUERY_CHARS:
            errors.append(
                _("La recherche est trop longue : seuls les %(max)d premiers caractères sont pris.")
                % {"max": MAX_QUERY_CHARS}
            )
            q = q[:MAX_QUERY_CHARS]
        params = cls(
            q=q,
            famille=keep("famille", getlist("famille"), lambda v: v in FAMILY_VALUES),
            forme=keep("forme", getlist("forme"), lambda v: bool(_FORME.match(v))),
            naf=keep("naf", [v.upper() for v in getlist("naf")], lambda v: bool(_NAF.match(v))),
            theme=keep("theme", [v.lower() for v in getlist("theme")], THEMES_BY_NAME.__contains__),
            agrement=keep(
                "agrement", [v.lower() for v in getlist("agrement")], APPROVALS_BY_NAME.__contains__
            ),
            effectif=keep("effectif", getlist("effectif"), lambda v: v in BAND_VALUES),
        )
        for key in getlist("territoire"):
            ref = territory_parse(key)
            if ref is None:
                errors.append(
                    _(
                        "« %(value)s » n'est pas un territoire connu (forme attendue : "
                        "departement:93, commune:93066, region:11…)."
                    )
                    % {"value": key[:60]}
                )
            elif ref.key not in params.territoire:
                params.territoire.append(ref.key)
                params.territories.append(ref)
        raw_page = str(data.get("page", "") or "1").strip()
        if raw_page.isdigit() and int(raw_page) >= 1:
            params.page = min(int(raw_page), 10**6)
        else:
            errors.append(
                _("Le numéro de page « %(value)s » n'est pas valide.") % {"value": raw_page[:20]}
            )
        params.errors = errors
        return params

    @property
    def is_filtered(self) -> bool:
        """True when a text or a facet restricts the search."""
        return bool(self.q or any(getattr(self, name) for name in FACETS))

    def items(self, *, page: bool = True) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name in FACETS:
            pairs.extend((name, v) for v in getattr(self, name))
        if page and self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def to_querystring(self, *, page: bool = True) -> str:
        """The canonical query string (no leading '?'); `page=False` leaves the page out."""
        return urlencode(self.items(page=page))

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page, errors=[], territories=list(self.territories))

    def without(self, name: str, value: str | None = None) -> SearchParams:
        """These parameters without one filter value (or without the text when name == 'q'),
        back on page 1 — for the removable chips."""
        if name == "q":
            return replace(self, q="", page=1, errors=[], territories=list(self.territories))
        values = [v for v in getattr(self, name) if value is not None and v != value]
        changes: dict[str, Any] = {name: values, "page": 1, "errors": []}
        changes["territories"] = (
            [t for t in self.territories if t.key in values]
            if name == "territoire"
            else list(self.territories)
        )
        return replace(self, **changes)


# -- full text -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextQuery:
    """Normalised query words: all must match; the last one as a prefix too."""

    words: tuple[str, ...]
    last_alternatives: tuple[str, ...]  # exact terms also accepted for the last word

    def fts5(self) -> str:
        """SQLite FTS5 expression. Words are letters/digits only (directory.text); each is
        double-quoted anyway, so no FTS operator (OR, NEAR, *, ^, :) can come from the user."""
        parts = [f'"{w}"' for w in self.words[:-1]]
        last = [f'"{self.words[-1]}"*', *(f'"{t}"' for t in self.last_alternatives)]
        parts.append("(" + " OR ".join(last) + ")" if len(last) > 1 else last[0])
        return " AND ".join(parts)

    def tsquery(self) -> str:
        """PostgreSQL to_tsquery('simple', …) expression with the same meaning."""
        parts = [f"'{w}'" for w in self.words[:-1]]
        last = [f"'{self.words[-1]}':*", *(f"'{t}'" for t in self.last_alternatives)]
        parts.append("(" + " | ".join(last) + ")" if len(last) > 1 else last[0])
        return " & ".join(parts)


_SAFE_TOKEN = re.compile(r"^[^\W_]+$", re.UNICODE)


def text_query(q: str) -> TextQuery | None:
    """The normalised form of the text `q`, or None when it holds no searchable word."""
    words: list[str] = []
    for t in tokens(q[:MAX_QUERY_CHARS]):
        t = t[:MAX_TOKEN_CHARS]
        if _SAFE_TOKEN.match(t) and t not in words:
            words.append(t)
    if not words:
        return None
    words = words[:MAX_QUERY_TOKENS]
    last = words[-1]
    raw_last = tokens_raw_last(q)
    alternatives = []
    for source in (raw_last,):
        for cut in range(1, PREFIX_BACKOFF + 1):
            t = source[:-cut]
            if len(t) >= PREFIX_MIN_CHARS and not t.startswith(last) and t not in alternatives:
                alternatives.append(t)
    return TextQuery(tuple(words), tuple(alternatives))


def tokens_raw_last(q: str) -> str:
    """The last word of `q` folded but not stemmed ('' when none)."""
    found = re.findall(r"[^\W_]+", fold(q[-MAX_QUERY_CHARS:]))
    last = found[-1][:MAX_TOKEN_CHARS] if found else ""
    return last if _SAFE_TOKEN.match(last or "-") else ""


# Constant SQL: the user's words only ever travel as the bound parameter %s.
# The match is a self-contained subquery on both databases, never a reference to the outer
# table (which Django aliases when the queryset is itself used as a subquery).
_PG_MATCH = (
    "SELECT id FROM directory_organisation "
    "WHERE to_tsvector('simple'::regconfig, search_text) @@ to_tsquery('simple'::regconfig, %s)"
)
_PG_RANK = (
    'ts_rank(to_tsvector(\'simple\'::regconfig, "directory_organisation"."search_text"), '
    "to_tsquery('simple'::regconfig, %s))"
)
_FTS_MATCH = (
    "SELECT rowid FROM directory_organisation_fts WHERE directory_organisation_fts MATCH %s"
)


def _text_filter(tq: TextQuery) -> Q:
    if connection.vendor == "postgresql":
        return Q(id__in=RawSQL(_PG_MATCH, [tq.tsquery()]))  # noqa: S611
    return Q(id__in=RawSQL(_FTS_MATCH, [tq.fts5()]))  # noqa: S611


def _ranked(qs: QuerySet[Organisation], tq: TextQuery) -> QuerySet[Organisation]:
    """`qs` ordered by relevance, then name."""
    if connection.vendor == "postgresql":
        rank = RawSQL(_PG_RANK, [tq.tsquery()], output_field=FloatField())  # noqa: S611
        return qs.annotate(relevance=rank).order_by(F("relevance").desc(), "name", "id")
    # SQLite: join the FTS5 table itself, so that bm25 is computed while matching (a correlated
    # subquery would parse and run the MATCH once per row). bm25 is lower for better matches.
    return qs.extra(  # noqa: S610
        select={"relevance": "directory_organisation_fts.rank"},
        tables=["directory_organisation_fts"],
        where=[
            "directory_organisation_fts.rowid = directory_organisation.id",
            "directory_organisation_fts MATCH %s",
        ],
        params=[tq.fts5()],
    ).order_by("relevance", "name", "id")


# -- filters ---------------------------------------------------------------------------------


def _bits_any(column: str, mask: int) -> GreaterThan:
    return GreaterThan(F(column).bitand(mask), 0)


def _territory_leaves(params: SearchParams) -> list[TerritoryRef]:
    """The selected territories that do not contain another selected one: ticking Seine-Saint-
    Denis inside Île-de-France narrows the search to Seine-Saint-Denis (drill-down)."""
    refs = params.territories
    if len({r.level for r in refs}) < 2:
        return refs
    finer = [r for r in refs if LEVEL_DEPTH[r.level] > min(LEVEL_DEPTH[x.level] for x in refs)]
    cond = Q()
    for r in finer:
        cond |= _territory_q([r])
    columns = list(LEVEL_COLUMN.values())
    rows = list(Organisation.objects.filter(cond).values_list(*columns).distinct()[:5000])
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


def _territory_q(refs: list[TerritoryRef]) -> Q:
    cond = Q()
    by_level: dict[str, list[str]] = {}
    for r in refs:
        codes = commune_codes(r.code) if r.level == TerritoryLevel.COMMUNE else [r.code]
        by_level.setdefault(r.level, []).extend(codes)
    for level, codes in by_level.items():
        cond |= Q(**{f"{LEVEL_COLUMN[level]}__in": codes})
    return cond


def _facet_filters(params: SearchParams, leaves: list[TerritoryRef]) -> dict[str, Q]:
    """One condition per facet that has a selection (OR of its values)."""
    filters: dict[str, Q] = {}
    if params.famille:
        filters["famille"] = Q(ess_family__in=params.famille)
    if params.forme:
        filters["forme"] = Q(legal_category_id__in=params.forme)
    if params.naf:
        filters["naf"] = Q(naf_section__in=params.naf)
    if params.effectif:
        filters["effectif"] = Q(headcount_band__in=params.effectif)
    if params.theme:
        mask = sum(1 << THEMES_BY_NAME[t].value for t in params.theme)
        filters["theme"] = Q(_bits_any("theme_bits", mask))
    if params.agrement:
        mask = sum(1 << APPROVALS_BY_NAME[a].value for a in params.agrement)
        filters["agrement"] = Q(_bits_any("approval_bits", mask))
    if leaves:
        filters["territoire"] = _territory_q(leaves)
    return filters


def _base(params: SearchParams) -> tuple[QuerySet[Organisation], TextQuery | None]:
    """The default perimeter (in the ESS, active) and the text."""
    qs = Organisation.objects.exclude(ess_rule=EssRule.NONE).filter(is_active=True).order_by()
    tq = text_query(params.q) if params.q else None
    if tq is not None:
        qs = qs.filter(_text_filter(tq))
    return qs, tq


def _and(filters: dict[str, Q], *, but: tuple[str, ...] = ()) -> Q:
    cond = Q()
    for name, q in filters.items():
        if name not in but:
            cond &= q
    return cond


def search_queryset(params: SearchParams) -> QuerySet[Organisation]:
    """The organisations matching `params`: filtered, unordered, not paginated (exports, map)."""
    qs, _tq = _base(params)
    return qs.filter(_and(_facet_filters(params, _territory_leaves(params))))


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeLabel:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class ResultRow:
    id: int
    siren: str
    name: str
    acronym: str
    ess_family: CodeLabel
    ess_rule: str
    legal_category: CodeLabel | None
    naf: str
    naf_section: str
    commune: CodeLabel | None
    departement: str
    themes: list[CodeLabel]
    approvals: list[CodeLabel]
    snippet: str


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str  # the query parameter value
    label: str
    count: int | None  # None: not counted (a territory that only frames the selection)
    selected: bool
    depth: int = 0  # territory drill-down: indentation level


@dataclass(frozen=True, slots=True)
class Facet:
    name: str  # the query parameter
    legend: str
    values: list[FacetValue]


@dataclass
class SearchResult:
    params: SearchParams
    results: list[ResultRow]
    total: int
    page: int
    page_size: int
    num_pages: int
    facets: list[Facet]
    browsable: int  # how many of `total` can be paged through
    ranked: bool  # ordered by relevance (else by name)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.results else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.page_size + len(self.results)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to show, None for an ellipsis: 1 … 4 5 [6] 7 8 … 40."""
        shown = {1, self.num_pages, *range(self.page - around, self.page + around + 1)}
        pages: list[int | None] = []
        for n in sorted(p for p in shown if 1 <= p <= self.num_pages):
            if pages and n - (pages[-1] or 0) > 1:
                pages.append(None)
            pages.append(n)
        return pages


def _snippet(text: str, size: int = 180) -> str:
    text = " ".join((text or "").split())
    if len(text) <= size:
        return text
    cut = text[:size].rsplit(" ", 1)[0]
    return cut + "…"


SECTION_LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTU")


def _naf_section_labels() -> dict[str, str]:
    return naf_section_labels(SECTION_LETTERS)


def _count_by(qs: QuerySet[Organisation], *columns: str) -> list[tuple]:
    return list(qs.values_list(*columns).annotate(n=Count("*")).order_by())


def _data_version() -> str:
    """A cheap version of the organisations table: highest id and latest change (two index
    lookups). Deletions are not seen: the cache lifetime bounds that staleness."""
    with connection.cursor() as cursor:
        cursor.execute(_DATA_VERSION_SQL)
        max_id, max_updated = cursor.fetchone()
    return f"{max_id}-{max_updated}"


_DATA_VERSION_SQL = (
    "SELECT (SELECT MAX(id) FROM directory_organisation), "
    "(SELECT MAX(updated_at) FROM directory_organisation)"
)
# Per process and database: (monotonic time read, version).
V = TypeVar("V")
_recent_versions: dict[tuple[str, str], tuple[float, Any]] = {}


def reused_version(
    cache: dict[tuple[str, str], tuple[float, Any]],
    read: Callable[[], V],
    *,
    refresh: bool = False,
) -> V:
    """`read()` (a data version), reused by this process for ATELIER_SEARCH_DATA_VERSION_SECONDS
    (default 1 s; 0 reads it every time), per database in `cache`: one database round trip
    less per request, at the price of seeing a change up to that long after it was made.
    `refresh` reads it again. Shared by the map index (directory.map_index)."""
    ttl = getattr(settings, "ATELIER_SEARCH_DATA_VERSION_SECONDS", 1.0)
    if ttl <= 0:
        return read()
    key = (connection.alias, str(connection.settings_dict.get("NAME")))
    now = time.monotonic()
    hit = cache.get(key)
    if refresh or hit is None or now - hit[0] >= ttl:
        hit = (now, read())
        cache[key] = hit
    return hit[1]


def recent_data_version(*, refresh: bool = False) -> str:
    """_data_version(), reused by the searches of this process (reused_version). A search that
    finds the index at another version refreshes it, so that a version remembered from before
    another process's sync never triggers a needless sync."""
    return reused_version(_recent_versions, _data_version, refresh=refresh)


def _cache_key(params: SearchParams) -> str:
    canonical = "|".join(
        (
            connection.vendor,
            get_language() or "",
            recent_data_version(),
            params.to_querystring(page=False),
        )
    )
    return "atlas:facets:v1:" + hashlib.sha256(canonical.encode()).hexdigest()


def search(params: SearchParams, page_size: int = 20) -> SearchResult:
    """One page of results (by relevance when there is a text, else by name), the exact total
    and the facets, in a bounded number of single-table queries whatever the data size.

    The total and facets of a search are cached (Django cache, `ATELIER_SEARCH_CACHE_SECONDS`,
    default 300 s, 0 disables it) under its canonical query string and the data version: the
    empty search and popular filters, which scan the most rows, are then three queries."""
    if getattr(settings, "ATELIER_SEARCH_ENGINE", "database") == "tantivy":
        from ..search_index import index_search  # the embedded index (directory.search_index)

        if (result := index_search(params, page_size)) is not None:
            return result  # else the index is unusable (logged): answer from the database
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    base, tq = _base(params)
    leaves = _territory_leaves(params)
    filters = _facet_filters(params, leaves)

    ttl = getattr(settings, "ATELIER_SEARCH_CACHE_SECONDS", 300)
    key = _cache_key(params) if ttl else ""
    cached = cache.get(key) if key else None
    if cached is None:
        total, facets, commune_labels = _count_facets(base, filters, params, leaves)
        if key:
            cache.set(key, (total, facets), ttl)
    else:
        (total, facets), commune_labels = cached, {}

    # Results page.
    browsable = min(total, MAX_BROWSABLE)
    num_pages = max(1, -(-browsable // page_size))
    page = min(params.page, num_pages)
    matching = base.filter(_and(filters))
    rows_qs = matching
    ranked = tq is not None
    if tq is not None:
        if total > RANK_WINDOW:
            window = matching.values("id")[:RANK_WINDOW]  # any RANK_WINDOW matches, no sort
            rows_qs = Organisation.objects.filter(id__in=window)
        rows_qs = _ranked(rows_qs, tq)
    else:
        rows_qs = rows_qs.order_by("name", "id")
    start = (page - 1) * page_size
    rows = list(rows_qs.values(*_ROW_FIELDS)[start : start + page_size]) if total else []

    return result_page(
        params,
        rows,
        facets,
        commune_labels,
        total=total,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        browsable=browsable,
        ranked=ranked,
    )


def result_page(
    params: SearchParams,
    rows: list[dict[str, Any]],
    facets: list[Facet],
    commune_labels: dict[str, str],
    **page: Any,
) -> SearchResult:
    """The SearchResult of one page of `rows` (values of _ROW_FIELDS), labelled: legal forms
    from the facet (or one query), communes from the facet's labels (or the label cache).
    `page` holds the other SearchResult fields. Shared by the embedded index's search."""
    forme_labels = {v.value: v.label for f in facets if f.name == "forme" for v in f.values}
    missing = {r["legal_category_id"] for r in rows} - set(forme_labels) - {None}
    if missing:
        forme_labels.update(legal_category_labels(missing))
    communes = {r["commune_code"] for r in rows if r["commune_code"]} - set(commune_labels)
    if communes:
        commune_labels.update(territory_labels(TerritoryLevel.COMMUNE, sorted(communes)))
    return SearchResult(
        params=params,
        results=[_row(r, forme_labels, commune_labels) for r in rows],
        facets=facets,
        **page,
    )


_ROW_FIELDS = (
    "id",
    "siren",
    "name",
    "acronym",
    "ess_family",
    "ess_rule",
    "legal_category_id",
    "naf_id",
    "naf_section",
    "commune_code",
    "departement_code",
    "theme_bits",
    "approval_bits",
    "description",
)


def _count_facets(
    base: QuerySet[Organisation],
    filters: dict[str, Q],
    params: SearchParams,
    leaves: list[TerritoryRef],
) -> tuple[int, list[Facet], dict[str, str]]:
    """(total, facets, commune labels already fetched). Each facet is counted with the filters
    of the other facets (disjunctive faceting)."""
    # Themes, approvals and the total in one query of conditional aggregates.
    bits_qs = base.filter(_and(filters, but=("theme", "agrement")))
    theme_f = filters.get("theme", Q())
    agr_f = filters.get("agrement", Q())
    aggregates: dict[str, Any] = {
        "total": Count("id", filter=theme_f & agr_f) if (theme_f or agr_f) else Count("*")
    }
    for t in Theme:
        bit = Q(_bits_any("theme_bits", 1 << t.value))
        aggregates[f"t{t.value}"] = Count("id", filter=agr_f & bit)
    for a in Approval:
        bit = Q(_bits_any("approval_bits", 1 << a.value))
        aggregates[f"a{a.value}"] = Count("id", filter=theme_f & bit)
    bit_counts = bits_qs.aggregate(**aggregates)
    total = bit_counts["total"] or 0

    # Value facets: one GROUP BY each.
    counts: dict[str, list[tuple]] = {}
    for name, column in (
        ("famille", "ess_family"),
        ("forme", "legal_category_id"),
        ("naf", "naf_section"),
        ("effectif", "headcount_band"),
    ):
        counts[name] = _count_by(base.filter(_and(filters, but=(name,))), column)
    territory_values, territory_codes = _territory_facet(
        base.filter(_and(filters, but=("territoire",))), params, leaves
    )

    facets, commune_labels = labelled_facets(
        counts, bit_counts, territory_values, territory_codes, params
    )
    return total, facets, commune_labels


def labelled_facets(
    counts: dict[str, list[tuple]],
    bit_counts: dict[str, Any],
    territory_values: list[FacetValue],
    territory_codes: dict[str, set[str]],
    params: SearchParams,
) -> tuple[list[Facet], dict[str, str]]:
    """The facets with their labels from raw counts (shared by the SQL path and the search
    index), and the commune labels fetched on the way. One query per nomenclature or
    territory level shown (legal forms and NAF sections come from a per-process cache)."""
    forme_codes = {c for c, _n in counts["forme"] if c} | set(params.forme)
    forme_labels = legal_category_labels(forme_codes) if forme_codes else {}
    naf_labels = _naf_section_labels() if (counts["naf"] or params.naf) else {}
    labels: dict[str, dict[str, str]] = {}
    groupings = territory_codes.pop(TerritoryLevel.EPCI, set()) | territory_codes.pop(
        TerritoryLevel.EPT, set()
    )
    if groupings:
        labels[TerritoryLevel.EPCI] = labels[TerritoryLevel.EPT] = territory_labels(
            TerritoryLevel.EPCI, sorted(groupings)
        )
    for level, codes in territory_codes.items():
        if codes:
            labels[level] = territory_labels(level, sorted(codes))
    for ref in params.territories:
        labels.setdefault(ref.level, {}).setdefault(ref.code, ref.label)

    def territory_label(value: str) -> str:
        level, _sep, code = value.partition(":")
        return labels.get(level, {}).get(code, code)

    enum_labels = _enum_labels()
    facets = [
        _value_facet(
            "famille",
            counts["famille"],
            params.famille,
            {code: family.label for code, family in enum_labels.families.items()},
            order=FAMILY_VALUES,
        ),
        _value_facet("forme", counts["forme"], params.forme, forme_labels, by_count=True),
        _value_facet(
            "naf",
            counts["naf"],
            params.naf,
            {k: f"{k} — {v}" for k, v in naf_labels.items()},
            order=sorted(naf_labels),
        ),
        _bit_facet("theme", "t", bit_counts, params.theme),
        _bit_facet("agrement", "a", bit_counts, params.agrement),
        _value_facet(
            "effectif",
            counts["effectif"],
            params.effectif,
            enum_labels.bands,
            order=BAND_VALUES,
        ),
        Facet(
            "territoire",
            enum_labels.legends["territoire"],
            [replace(v, label=territory_label(v.value)) for v in territory_values],
        ),
    ]
    return facets, dict(labels.get(TerritoryLevel.COMMUNE, {}))


@dataclass(frozen=True)
class _EnumLabels:
    """The search's own labels in one language: facet legends, ESS families, headcount bands,
    themes and approvals (bit number, code and label, in the enum's order)."""

    legends: dict[str, str]
    families: dict[str, CodeLabel]
    bands: dict[str, str]
    bits: dict[str, tuple[tuple[int, CodeLabel], ...]]


_enum_labels_by_language: dict[str, _EnumLabels] = {}


def _enum_labels() -> _EnumLabels:
    """_EnumLabels of the active language, built once per language and process: translating
    every value again on every search was a measurable share of its time."""
    language = get_language() or ""
    labels = _enum_labels_by_language.get(language)
    if labels is None:
        labels = _EnumLabels(
            legends={name: str(legend) for name, legend in FACET_LEGENDS.items()},
            families={f.value: CodeLabel(f.value, str(f.label)) for f in EssFamily},
            bands={b.value: str(b.label) for b in HeadcountBand},
            bits={
                name: tuple((m.value, CodeLabel(m.name.lower(), str(m.label))) for m in enum)
                for name, enum in (("theme", Theme), ("agrement", Approval))
            },
        )
        _enum_labels_by_language[language] = labels
    return labels


def _row(r: dict, forme_labels: dict[str, str], commune_labels: dict[str, str]) -> ResultRow:
    labels = _enum_labels()
    family = r["ess_family"] if r["ess_family"] in FAMILY_VALUES else EssFamily.OTHER.value
    lc = r["legal_category_id"]
    commune = r["commune_code"]
    return ResultRow(
        id=r["id"],
        siren=r["siren"] or "",
        name=r["name"],
        acronym=r["acronym"],
        ess_family=labels.families[family],
        ess_rule=r["ess_rule"],
        legal_category=CodeLabel(lc, forme_labels.get(lc, lc)) if lc else None,
        naf=r["naf_id"] or "",
        naf_section=r["naf_section"],
        commune=CodeLabel(commune, commune_labels.get(commune, commune)) if commune else None,
        departement=r["departement_code"],
        themes=[code for bit, code in labels.bits["theme"] if r["theme_bits"] & (1 << bit)],
        approvals=[
            code for bit, code in labels.bits["agrement"] if r["approval_bits"] & (1 << bit)
        ],
        snippet=_snippet(r["description"]),
    )


def _value_facet(
    name: str,
    counts: list[tuple],
    selected: list[str],
    labels: dict[str, str],
    *,
    order: list[str] | None = None,
    by_count: bool = False,
) -> Facet:
    by_value = {value: n for value, n in counts if value}
    values = set(by_value) | set(selected)
    if by_count:
        ordered = sorted(values, key=lambda v: (-by_value.get(v, 0), labels.get(v, v)))
        keep = set(ordered[:MAX_FACET_VALUES]) | set(selected)
        ordered = [v for v in ordered if v in keep]
    else:
        rank = {v: i for i, v in enumerate(order or [])}
        ordered = sorted(values, key=lambda v: (rank.get(v, len(rank)), v))
    return Facet(
        name,
        _enum_labels().legends[name],
        [FacetValue(v, labels.get(v, v), by_value.get(v, 0), v in selected) for v in ordered],
    )


def _bit_facet(name: str, prefix: str, bit_counts: dict, selected: list[str]) -> Facet:
    """Themes or approvals (`name`), counted in bit_counts under `prefix` + bit number."""
    labels = _enum_labels()
    values = []
    for bit, code in labels.bits[name]:
        n = bit_counts.get(f"{prefix}{bit}") or 0
        if n or code.code in selected:
            values.append(FacetValue(code.code, code.label, n, code.code in selected))
    return Facet(name, labels.legends[name], values)


def _territory_facet(
    qs: QuerySet[Organisation], params: SearchParams, leaves: list[TerritoryRef]
) -> tuple[list[FacetValue], dict[str, set[str]]]:
    """Drill-down: régions when nothing is chosen; else the chosen territories (ticked) and what
    lies inside them — départements of a région; intercommunalités and communes of a
    département; communes of an EPCI/EPT; the other communes of the département of a commune.
    Counted with the other facets' filters. Returns the values (labels filled later) and the
    codes to label, by level."""
    to_label: dict[str, set[str]] = {}
    if not params.territories:
        rows = _count_by(qs.exclude(region_code=""), "region_code")
        values = [
            FacetValue(f"{TerritoryLevel.REGION}:{code}", code, n, False)
            for code, n in sorted(rows, key=lambda r: (-r[1], r[0]))
        ]
        to_label[TerritoryLevel.REGION] = {code for code, _n in rows}
        return values, to_label

    leaf_keys = {r.key for r in leaves}
    leaf_counts: dict[str, int] = {}
    children: list[FacetValue] = []

    def child(level: str, code: str, n: int, depth: int) -> None:
        key = f"{level}:{code}"
        if code and key not in leaf_keys:
            children.append(FacetValue(key, code, n, False, depth))
            to_label.setdefault(level, set()).add(code)

    by_level: dict[str, list[TerritoryRef]] = {}
    for r in leaves:
        by_level.setdefault(r.level, []).append(r)
    if TerritoryLevel.REGION in by_level:
        codes = [r.code for r in by_level[TerritoryLevel.REGION]]
        for region, dep, n in sorted(
            _count_by(qs.filter(region_code__in=codes), "region_code", "departement_code"),
            key=lambda r: (r[0], r[1]),  # GROUP BY order differs between engines
        ):
            key = f"{TerritoryLevel.REGION}:{region}"
            leaf_counts[key] = leaf_counts.get(key, 0) + n
            child(TerritoryLevel.DEPARTEMENT, dep, n, 2)
    if TerritoryLevel.DEPARTEMENT in by_level:
        codes = [r.code for r in by_level[TerritoryLevel.DEPARTEMENT]]
        grouped: dict[tuple[str, str], int] = {}
        communes: list[tuple[str, int]] = []
        for dep, epci, ept, commune, n in _count_by(
            qs.filter(departement_code__in=codes),
            "departement_code",
            "epci_code",
            "ept_code",
            "commune_code",
        ):
            key = f"{TerritoryLevel.DEPARTEMENT}:{dep}"
            leaf_counts[key] = leaf_counts.get(key, 0) + n
            for level, code in ((TerritoryLevel.EPT, ept), (TerritoryLevel.EPCI, epci)):
                if code:
                    grouped[(level, code)] = grouped.get((level, code), 0) + n
            communes.append((commune, n))
        for (level, code), n in sorted(grouped.items(), key=lambda x: (-x[1], x[0])):
            child(level, code, n, 2)
        for commune, n in _top(communes):
            child(TerritoryLevel.COMMUNE, commune, n, 2)
    groupings = by_level.get(TerritoryLevel.EPCI, []) + by_level.get(TerritoryLevel.EPT, [])
    if groupings:
        communes = []
        for epci, ept, commune, n in _count_by(
            qs.filter(_territory_q(groupings)), "epci_code", "ept_code", "commune_code"
        ):
            for level, code in ((TerritoryLevel.EPCI, epci), (TerritoryLevel.EPT, ept)):
                key = f"{level}:{code}"
                if key in leaf_keys:
                    leaf_counts[key] = leaf_counts.get(key, 0) + n
            communes.append((commune, n))
        for commune, n in _top(communes):
            child(TerritoryLevel.COMMUNE, commune, n, 2)
    if TerritoryLevel.COMMUNE in by_level:
        chosen = by_level[TerritoryLevel.COMMUNE]
        deps = sorted({commune_departement(r.code) for r in chosen})
        owner = {c: r.key for r in chosen for c in commune_codes(r.code)}
        communes = []
        for commune, n in _count_by(qs.filter(departement_code__in=deps), "commune_code"):
            if commune in owner:
                leaf_counts[owner[commune]] = leaf_counts.get(owner[commune], 0) + n
            else:
                communes.append((commune, n))
        for commune, n in _top(communes):
            child(TerritoryLevel.COMMUNE, commune, n, 2)

    return selected_territory_values(params, leaf_keys, leaf_counts) + children, to_label


def selected_territory_values(
    params: SearchParams, leaf_keys: set[str], leaf_counts: dict[str, int]
) -> list[FacetValue]:
    """The chosen territories, broadest first; only the narrowest ones (leaves) carry a count
    (shared by the SQL path and the search index)."""
    values = []
    for ref in sorted(params.territories, key=lambda r: LEVEL_DEPTH[r.level]):
        is_leaf = ref.key in leaf_keys
        values.append(
            FacetValue(
                ref.key,
                ref.label,
                leaf_counts.get(ref.key, 0) if is_leaf else None,
                True,
                1 if is_leaf else 0,
            )
        )
    return values


def _top(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    merged: dict[str, int] = {}
    for code, n in pairs:
        if code:
            merged[code] = merged.get(code, 0) + n
    return sorted(merged.items(), key=lambda x: (-x[1], x[0]))[:MAX_FACET_VALUES]
