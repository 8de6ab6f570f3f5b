"""A reference for places in the text and searches around a place: the small reference plus
real communes, départements and régions chosen for their names (homonyms, ordinary words,
arrondissements, communes named like a département or a région)."""

from django.http import QueryDict

from atelier.directory.selectors.places import detect_place
from atelier.directory.selectors.search import SearchParams, search
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import OrganisationFactory, placed_establishment
from atelier.territories.enums import CommuneKind
from atelier.territories.models import LegalCategory
from atelier.territories.tests.factories import (
    ArrondissementFactory,
    CommuneFactory,
    DepartementFactory,
    PostalCodeFactory,
    RegionFactory,
    make_small_reference,
)

# (code, name, département, population, latitude, longitude): real INSEE figures.
COMMUNES = [
    ("93048", "Montreuil", "93", 111240, 48.86415, 2.44322),
    ("62588", "Montreuil", "62", 1876, 50.46374, 1.76348),
    ("97411", "Saint-Denis", "974", 153810, -20.88231, 55.4504),
    ("11339", "Saint-Denis", "11", 477, 43.3617, 2.2192),
    ("38194", "Jardin", "38", 2209, 45.4969, 4.9019),
    ("73106", "École", "73", 297, 45.7161, 6.1608),
    ("38169", "Fontaine", "38", 22620, 45.1928, 5.6856),
    ("13055", "Marseille", "13", 873076, 43.29695, 5.38107),
    ("2A004", "Ajaccio", "2A", 73615, 41.91886, 8.73812),
    # Départements and régions by name (the département's inhabitants are those of its
    # communes here: Vienne 89,916, Mayenne 62,283): a commune named like a département,
    # inside it (Mayenne) or elsewhere (Vienne, Isère), and villages named like a région.
    ("33063", "Bordeaux", "33", 267991, 44.84124, -0.58046),
    ("86194", "Poitiers", "86", 89916, 46.58261, 0.34348),
    ("38544", "Vienne", "38", 31778, 45.52569, 4.87484),
    ("53130", "Laval", "53", 49400, 48.07247, -0.77019),
    ("53147", "Mayenne", "53", 12883, 48.30337, -0.61383),
    ("35238", "Rennes", "35", 230890, 48.11109, -1.67431),
    ("90019", "Bretagne", "90", 319, 47.6, 7.0),  # position approximate
    ("59350", "Lille", "59", 238246, 50.63297, 3.05858),
]
DEPARTEMENTS = {
    "62": ("Pas-de-Calais", "32", "Hauts-de-France"),
    "974": ("La Réunion", "04", "La Réunion"),
    "11": ("Aude", "76", "Occitanie"),
    "38": ("Isère", "84", "Auvergne-Rhône-Alpes"),
    "73": ("Savoie", "84", "Auvergne-Rhône-Alpes"),
    "13": ("Bouches-du-Rhône", "93", "Provence-Alpes-Côte d'Azur"),
    "2A": ("Corse-du-Sud", "94", "Corse"),
    "33": ("Gironde", "75", "Nouvelle-Aquitaine"),
    "86": ("Vienne", "75", "Nouvelle-Aquitaine"),
    "53": ("Mayenne", "52", "Pays de la Loire"),
    "35": ("Ille-et-Vilaine", "53", "Bretagne"),
    "90": ("Territoire de Belfort", "27", "Bourgogne-Franche-Comté"),
    "59": ("Nord", "32", "Hauts-de-France"),
    "18": ("Cher", "24", "Centre-Val de Loire"),
    "10": ("Aube", "44", "Grand Est"),
}


def make_places_reference() -> dict:
    ref = make_small_reference()
    for code, (name, region_code, region_name) in DEPARTEMENTS.items():
        DepartementFactory(
            code=code, name=name, region=RegionFactory(code=region_code, name=region_name)
        )
    for code, name, dep, population, lat, lon in COMMUNES:
        departement = DepartementFactory(code=dep)
        ref[code] = CommuneFactory(
            code=code,
            name=name,
            departement=departement,
            region=departement.region,
            population=population,
            latitude=lat,
            longitude=lon,
        )
    PostalCodeFactory(code="93100", commune=ref["93048"])
    # As in the real reference (codes-postaux): 75020 serves Paris and its 20th arrondissement.
    PostalCodeFactory(code="75020", commune=ref["paris"])
    ref["lyon3"] = ArrondissementFactory(
        code="69383",
        name="Lyon 3e Arrondissement",
        parent=ref["lyon"],
        population=105000,
        latitude=45.7533,
        longitude=4.8691,
    )
    ref["marseille13"] = ArrondissementFactory(
        code="13213",
        name="Marseille 13e Arrondissement",
        parent=ref["13055"],
        population=92000,
        latitude=43.3494,
        longitude=5.4322,
    )
    assert ref["lyon3"].kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT
    return ref


def placed_org(name: str, commune, *points: tuple[float, float], closed=(), **kw):
    """An association with an open establishment at each (lat, lon) of `points` (the first one
    in `commune`, its head office) and a closed one at each point of `closed`."""
    org = OrganisationFactory(
        name=name, legal_category=LegalCategory.objects.get(code="9220"), **kw
    )
    for i, (lat, lon) in enumerate(points):
        placed_establishment(org, lon, lat, commune=commune, is_head_office=i == 0)
    for lat, lon in closed:
        placed_establishment(org, lon, lat, commune=commune, is_head_office=False, is_open=False)
    return organisation_refresh_derived(organisation=org)


def applied(q: str) -> list[str]:
    """The territory keys the text `q` applies as a filter."""
    place = detect_place(q)
    return [r.key for r in place.applied] if place else []


def choices(q: str) -> list[str]:
    """The territory keys the text `q` offers as choices."""
    place = detect_place(q)
    return [r.key for r in place.choices] if place else []


def text_of(q: str) -> str | None:
    """What is left of `q` to search as words once its place is read."""
    place = detect_place(q)
    return place.text if place else None


def search_with(settings, engine: str, page_size: int = 20, **query: str):
    """The search of `query` on `engine` ("tantivy" or "database"), without the facet cache."""
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    qd = QueryDict(mutable=True)
    for k, v in query.items():
        qd[k] = v
    return search(SearchParams.from_querydict(qd), page_size=page_size)
