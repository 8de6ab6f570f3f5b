import pytest

from atelier.territories.enums import TerritoryLevel
from atelier.territories.selectors import (
    LEVEL_COLUMN,
    LEVEL_DEPTH,
    commune_codes,
    commune_departement,
    reference_labels_forget,
)
from atelier.territories.tests.factories import (
    ArrondissementFactory,
    CommuneFactory,
    DepartementFactory,
    RegionFactory,
    make_small_reference,
)


@pytest.mark.parametrize(
    ("code", "departement"),
    [("93066", "93"), ("75110", "75"), ("2A004", "2A"), ("97105", "971"), ("97611", "976")],
)
def test_commune_departement_follows_the_insee_rule(code, departement):
    assert commune_departement(code) == departement


def test_levels_from_the_widest_to_the_narrowest():
    assert sorted(LEVEL_DEPTH, key=LEVEL_DEPTH.get) == [
        TerritoryLevel.REGION,
        TerritoryLevel.DEPARTEMENT,
        TerritoryLevel.EPCI,
        TerritoryLevel.EPT,
        TerritoryLevel.COMMUNE,
    ]
    assert set(LEVEL_COLUMN) == set(TerritoryLevel)
    assert LEVEL_COLUMN[TerritoryLevel.COMMUNE] == "commune_code"


@pytest.mark.django_db
def test_commune_codes_reads_the_arrondissements_from_the_reference():
    make_small_reference()
    assert commune_codes("75056") == ["75056", "75110", "75120"]
    assert commune_codes("93066") == ["93066"]
    assert commune_codes("69123") == ["69123"]  # no Lyon arrondissement in the small reference
    assert commune_codes("99999") == ["99999"]


@pytest.mark.django_db
def test_commune_codes_is_cached_per_process(django_assert_num_queries):
    make_small_reference()
    commune_codes("75056")
    with django_assert_num_queries(0):
        assert commune_codes("75056") == ["75056", "75110", "75120"]
        assert commune_codes("93066") == ["93066"]


@pytest.mark.django_db
def test_commune_codes_does_not_keep_an_answer_given_before_the_reference_is_loaded():
    assert commune_codes("69123") == ["69123"]
    ara = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    lyon = CommuneFactory(
        code="69123",
        name="Lyon",
        departement=DepartementFactory(code="69", name="Rhône", region=ara),
    )
    ArrondissementFactory(code="69381", name="Lyon 1er Arrondissement", parent=lyon)
    ArrondissementFactory(code="69389", name="Lyon 9e Arrondissement", parent=lyon)
    assert commune_codes("69123") == ["69123", "69381", "69389"]


@pytest.mark.django_db
def test_commune_codes_forgotten_with_the_reference_labels():
    refs = make_small_reference()
    assert commune_codes("75056") == ["75056", "75110", "75120"]
    ArrondissementFactory(code="75101", name="Paris 1er Arrondissement", parent=refs["paris"])
    reference_labels_forget()  # what `atelier load-reference` does after writing
    assert commune_codes("75056") == ["75056", "75101", "75110", "75120"]


@pytest.mark.django_db
def test_arrondissement_factory_places_it_in_its_parent():
    arr = ArrondissementFactory()
    assert arr.parent.code == "75056"
    assert arr.departement_id == "75" and arr.region_id == "11"
    assert list(arr.parent.arrondissements.values_list("code", flat=True)) == ["75101"]


@pytest.mark.django_db
def test_commune_territories_reads_what_commune_places_reads(monkeypatch):
    from atelier.territories import selectors

    make_small_reference()
    ArrondissementFactory()
    codes = list(selectors.commune_places().keys())
    assert len(codes) >= 3
    monkeypatch.setattr(selectors, "_CODES_PER_QUERY", 2)  # several chunks
    found = selectors.commune_territories([*codes, "00000", codes[0]])
    assert found == {
        code: (p.name, p.departement_code, p.region_code, p.epci_code, p.ept_code)
        for code, p in selectors.commune_places(codes).items()
    }
    assert selectors.commune_territories([]) == {}
