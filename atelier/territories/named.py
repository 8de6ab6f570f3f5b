"""Territories found by their normalised name (`names.place_key`), for the places people write in
a text: communes and municipal arrondissements, départements and régions.

Both read the per-process reference cache (`reference.cached`) first: a text that names no
territory costs no query, and a département or région name none either (about 120 rows, all
cached). Other apps reach them through atelier.territories.selectors."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Sum

from .enums import CommuneKind
from .models import Commune, Departement, Region
from .reference import TerritoryRef, cached, ref_commune, ref_departement, ref_region


@dataclass(frozen=True, slots=True)
class NamedCommune:
    """A commune or municipal arrondissement found by its normalised name (places in a text)."""

    ref: TerritoryRef
    key: str  # its normalised name (names.place_key)
    kind: str  # COM or ARM
    population: int  # 0 when unknown
    departement_code: str = ""


def communes_named(keys: Iterable[str]) -> dict[str, list[NamedCommune]]:
    """Communes and arrondissements whose normalised name (`names.place_key`) is one of `keys`,
    by key, the most populated first (homonyms: several "Saint-Denis")."""
    known = _commune_keys()
    wanted = sorted({k for k in keys if k in known})
    found: dict[str, list[NamedCommune]] = {}
    if not wanted:  # no query for the texts that name no commune (most of them)
        return found
    rows = (
        Commune.objects.filter(search_name__in=wanted)
        .order_by(F("population").desc(nulls_last=True), "code")
        .values_list("code", "name", "departement_id", "search_name", "kind", "population")
    )
    for code, name, dep, key, kind, population in rows:
        found.setdefault(key, []).append(
            NamedCommune(ref_commune(code, name, dep), key, kind, population or 0, dep)
        )
    return found


def _commune_keys() -> frozenset[str]:
    """Every normalised commune and arrondissement name (about 35,000 short strings)."""
    return cached(
        "commune_keys",
        lambda: frozenset(
            Commune.objects.exclude(search_name="").values_list("search_name", flat=True)
        ),
    )


@dataclass(frozen=True, slots=True)
class NamedArea:
    """A département or région found by its normalised name (places in a text)."""

    ref: TerritoryRef
    key: str  # its normalised name (names.place_key)
    population: int  # the inhabitants of its communes (0 when unknown)
    communes: int  # how many communes it has (municipal arrondissements not counted)
    region_code: str = ""  # a département's région


def areas_named(keys: Iterable[str]) -> dict[str, list[NamedArea]]:
    """Départements and régions whose normalised name is one of `keys`, by key, the most
    populated first ("la reunion": the département 974 and the région 04). From the cache: no
    query once it is loaded, whatever the keys."""
    named = _area_names()
    return {k: list(named[k]) for k in set(keys) if k in named}


def _area_names() -> dict[str, tuple[NamedArea, ...]]:
    return cached("area_names", _area_names_build)


def _area_names_build() -> dict[str, tuple[NamedArea, ...]]:
    """Every département and région by normalised name, with its population and number of
    communes (three queries)."""
    departements: dict[str, tuple[int, int]] = {}
    regions: dict[str, tuple[int, int]] = {}
    rows = (
        Commune.objects.filter(kind=CommuneKind.COMMUNE)
        .values("departement_id", "region_id")
        .annotate(n=Count("code"), people=Sum("population"))
        .order_by()
        .values_list("departement_id", "region_id", "n", "people")
    )
    for departement, region, n, people in rows:
        for totals, code in ((departements, departement), (regions, region)):
            communes, population = totals.get(code, (0, 0))
            totals[code] = (communes + n, population + (people or 0))
    found: dict[str, list[NamedArea]] = {}
    for code, name, key, region in Departement.objects.exclude(search_name="").values_list(
        "code", "name", "search_name", "region_id"
    ):
        communes, population = departements.get(code, (0, 0))
        found.setdefault(key, []).append(
            NamedArea(ref_departement(code, name), key, population, communes, region)
        )
    for code, name, key in Region.objects.exclude(search_name="").values_list(
        "code", "name", "search_name"
    ):
        communes, population = regions.get(code, (0, 0))
        area = NamedArea(ref_region(code, name), key, population, communes)
        found.setdefault(key, []).append(area)
    return {
        key: tuple(sorted(areas, key=lambda a: (-a.population, a.ref.key)))
        for key, areas in found.items()
    }
