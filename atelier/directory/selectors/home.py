"""What the home page shows: live key figures of the Atlas and its ways in (ESS families, sectors
of activity, départements), each with the search querystring that opens it.

The figures are counts over the organisations the Atlas shows by default (in the ESS perimeter,
active) and their open, placed establishments. They are computed by a few GROUP BY queries (about
a second at a million organisations) and kept in the cache for ATELIER_HOME_FIGURES_SECONDS (0:
computed at every request): a change shows on the home page within that time. Not keyed by the
directory's data version: during an import it moves with every batch, and each home page would
count again. Codes and numbers only are cached; labels are looked up when the page is drawn, in
the request's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import QueryDict

from atelier.accounts.selectors import network_list
from atelier.territories.enums import EssFamily, TerritoryLevel
from atelier.territories.selectors import naf_section_labels, territory_labels

from ..families import MAP_FAMILIES
from ..indexes import perimeter, placed

CACHE_KEY = "atelier:home:figures:v1"
TOP_DEPARTEMENTS = 12
TOP_SECTORS = 8


@dataclass(frozen=True, slots=True)
class KeyFigures:
    organisations: int
    establishments: int
    networks: int
    communes: int
    departements: int


@dataclass(frozen=True, slots=True)
class WayIn:
    """A link into the search: a label, the number of organisations it opens, its query."""

    label: str
    count: int
    querystring: str
    letter: str = ""  # ESS families: the map letter and CSS class of the legend
    css_class: str = ""


@dataclass(frozen=True, slots=True)
class HomeData:
    figures: KeyFigures
    families: list[WayIn]
    sectors: list[WayIn]
    departements: list[WayIn]


def _query(name: str, value: str) -> str:
    query = QueryDict(mutable=True)
    query[name] = value
    return query.urlencode()


def _counts(column: str) -> list[tuple[str, int]]:
    """(value, organisations) of `column` over the perimeter, most first (ties by value)."""
    rows = (
        perimeter()
        .exclude(**{column: ""})
        .values_list(column)
        .annotate(n=Count("id"))
        .order_by("-n", column)
    )
    return [(value, n) for value, n in rows]


def _compute() -> dict[str, Any]:
    return {
        "organisations": perimeter().count(),
        "establishments": placed().count(),
        "networks": network_list().count(),
        "communes": perimeter().exclude(commune_code="").values("commune_code").distinct().count(),
        "families": _counts("ess_family"),
        "sectors": _counts("naf_section")[:TOP_SECTORS],
        "departements": _counts("departement_code"),
    }


def _raw() -> dict[str, Any]:
    seconds = settings.ATELIER_HOME_FIGURES_SECONDS
    if seconds <= 0:
        return _compute()
    raw = cache.get(CACHE_KEY)
    if raw is None:
        raw = _compute()
        cache.set(CACHE_KEY, raw, seconds)
    return raw


def home_data() -> HomeData:
    """The figures and ways in of the home page (cached: see the module docstring)."""
    raw = _raw()
    family_counts = dict(raw["families"])
    families = []
    for family in MAP_FAMILIES:
        count = family_counts.get(family.value, 0)
        if count:
            families.append(
                WayIn(
                    label=str(EssFamily(family.value).label),
                    count=count,
                    querystring=_query("famille", family.value),
                    letter=family.letter,
                    css_class=family.css_class,
                )
            )
    sector_labels = naf_section_labels([code for code, _ in raw["sectors"]])
    sectors = [
        WayIn(label=sector_labels.get(code, code), count=n, querystring=_query("naf", code))
        for code, n in raw["sectors"]
    ]
    top = raw["departements"][:TOP_DEPARTEMENTS]
    labels = territory_labels(TerritoryLevel.DEPARTEMENT, [code for code, _ in top])
    departements = [
        WayIn(
            label=labels.get(code, code),
            count=n,
            querystring=_query("territoire", f"departement:{code}"),
        )
        for code, n in top
    ]
    figures = KeyFigures(
        organisations=raw["organisations"],
        establishments=raw["establishments"],
        networks=raw["networks"],
        communes=raw["communes"],
        departements=len(raw["departements"]),
    )
    return HomeData(figures=figures, families=families, sectors=sectors, departements=departements)
