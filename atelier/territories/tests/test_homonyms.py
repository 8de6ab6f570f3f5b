"""GeoNames matching rules, on small hand-made inputs."""

from atelier.territories.enums import CommuneKind, PositionPrecision
from atelier.territories.services import CommuneRow, Geography, Place, place_communes

_ids = iter(range(1, 10_000))


def _place(name, lat, lon, population=1000, region="84"):
    return Place(next(_ids), name, lat, lon, population, region, [])


def _commune(code, name, dep, epci, population=1000, region="84", former=()):
    return CommuneRow(
        code=code,
        name=name,
        kind=CommuneKind.COMMUNE,
        departement=dep,
        region=region,
        population=population,
        epci=epci,
        former_names=list(former),
    )


def _geography(communes):
    return Geography(
        regions={"84": ("Auvergne-Rhône-Alpes", "metro")},
        departements={"01": ("Ain", "84", "metro"), "38": ("Isère", "84", "metro")},
        groupings={"E1": ("CC Un", "CC"), "E2": ("CC Deux", "CC")},
        communes={c.code: c for c in communes},
    )


def test_homonyms_in_one_region_go_to_the_place_near_their_neighbours():
    communes = [
        _commune("01001", "Ambérieu", "01", "E1"),
        _commune("01002", "Bourg", "01", "E1"),
        _commune("01003", "Beaulieu", "01", "E1", population=800),
        _commune("38001", "Grenoble", "38", "E2"),
        _commune("38002", "Voiron", "38", "E2"),
        _commune("38003", "Beaulieu", "38", "E2", population=900),
    ]
    places = [
        _place("Ambérieu", 46.0, 5.3),
        _place("Bourg", 46.2, 5.2),
        _place("Grenoble", 45.2, 5.7),
        _place("Voiron", 45.36, 5.59),
        _place("Beaulieu", 45.3, 5.65, population=700),  # the Isère one, listed first
        _place("Beaulieu", 46.1, 5.25, population=900),
    ]
    positions = place_communes(_geography(communes), places)
    assert positions["01003"][:2] == (46.1, 5.25)
    assert positions["38003"][:2] == (45.3, 5.65)
    assert positions["01003"].precision == PositionPrecision.GEONAMES


def test_a_namesake_far_away_is_not_taken():
    communes = [
        _commune("01001", "Ambérieu", "01", "E1"),
        _commune("01002", "Bourg", "01", "E1"),
        _commune("01004", "Oyonnax", "01", "E1"),
        _commune("01005", "Nantua", "01", "E1"),
        _commune("01003", "Lompnes", "01", "E1", population=200),
    ]
    places = [
        _place("Ambérieu", 46.0, 5.3),
        _place("Bourg", 46.2, 5.2),
        _place("Oyonnax", 46.25, 5.65),
        _place("Nantua", 46.15, 5.6),
        _place("Lompnes", 44.0, 7.0),  # 250 km away: another place of the same name
    ]
    positions = place_communes(_geography(communes), places)
    assert positions["01003"].precision == PositionPrecision.APPROX_EPCI


def test_names_match_across_accents_saint_and_moved_articles():
    communes = [
        _commune("01001", "Saint-Genis-Pouilly", "01", "E1"),
        _commune("01002", "Les Abrets en Dauphiné", "01", "E1"),
        _commune("01003", "Éragny-sur-Oise", "01", "E1"),
    ]
    places = [
        _place("St Genis Pouilly", 46.24, 6.02),
        _place("Abrets en Dauphine", 45.54, 5.58),
        _place("Eragny", 45.9, 5.8),  # known by its former, shorter name
    ]
    positions = place_communes(_geography(communes), places)
    assert {code: p.precision for code, p in positions.items()} == {
        "01001": PositionPrecision.GEONAMES,
        "01002": PositionPrecision.GEONAMES,
        "01003": PositionPrecision.GEONAMES,
    }


def test_commune_nouvelle_placed_at_its_seat():
    communes = [
        _commune(
            "01001", "Valserhône", "01", "E1", former=["Bellegarde-sur-Valserine", "Lancrans"]
        ),
    ]
    places = [_place("Lancrans", 46.12, 5.83), _place("Bellegarde-sur-Valserine", 46.11, 5.82)]
    positions = place_communes(_geography(communes), places)
    assert positions["01001"][:2] == (46.11, 5.82)


def test_a_commune_without_placed_neighbours_takes_the_departement_centre():
    communes = [
        _commune("01001", "Ambérieu", "01", "E1"),
        _commune("01009", "Nowhere", "01", None),
    ]
    positions = place_communes(_geography(communes), [_place("Ambérieu", 46.0, 5.3)])
    assert positions["01009"] == (46.0, 5.3, PositionPrecision.APPROX_DEPARTEMENT)
