"""What an Atlas search returns: result rows, labelled facets and the result page, built the
same way whatever answered (the search index, or the database's plain list)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import get_language

from atelier.search.facets import PageWindow
from atelier.territories.enums import EssFamily, TerritoryLevel
from atelier.territories.selectors import (
    LEVEL_DEPTH,
    legal_category_labels,
    naf_section_labels,
    territory_labels,
)

from ..enums import Approval, HeadcountBand, Theme
from .search_params import (
    BAND_VALUES,
    FACET_LEGENDS,
    FAMILY_VALUES,
    MAX_FACET_VALUES,
    SearchParams,
)


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
    # km to the search's centre (its nearest open establishment), for a search around a place.
    distance_km: float | None = None


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
    by_distance: bool = False  # ordered by distance to the centre (a search around a place)

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


def result_page(
    params: SearchParams,
    rows: list[dict[str, Any]],
    facets: list[Facet],
    commune_labels: dict[str, str],
    *,
    total: int,
    window: PageWindow,
    ranked: bool,
) -> SearchResult:
    """The SearchResult of one page of `rows` (values of ROW_FIELDS), labelled: legal forms
    from the facet (or one query), communes from the facet's labels (or the label cache)."""
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
        total=total,
        page=window.page,
        page_size=window.page_size,
        num_pages=window.num_pages,
        browsable=window.browsable,
        ranked=ranked,
    )


ROW_FIELDS = (
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


def with_distances(result: SearchResult, near: list[tuple[int, float]]) -> SearchResult:
    """The page with each row's distance (km) from `near` (id, km), ordered by distance."""
    km = dict(near)
    rows = [replace(r, distance_km=km.get(r.id)) for r in result.results]
    return replace(result, results=rows, ranked=False, by_distance=True)
