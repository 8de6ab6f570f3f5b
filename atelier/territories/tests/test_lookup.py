"""territory_lookup and territory_detail on the small real extract of the factories."""

from atelier.territories.names import place_key
from atelier.territories.selectors import (
    areas_named,
    communes_named,
    reference_labels_forget,
    territory_detail,
    territory_lookup,
)
from atelier.territories.tests.factories import (
    CommuneFactory,
    DepartementFactory,
    RegionFactory,
    make_small_reference,
)


def _keys(q, limit=10):
    return [ref.key for ref in territory_lookup(q, limit)]


def test_lookup_by_exact_codes(db):
    make_small_reference()
    assert _keys("93066") == ["commune:93066"]
    assert _keys("93") == ["departement:93"]
    assert _keys("11") == ["region:11"]
    assert _keys("200057867") == ["ept:200057867"]


def test_an_exact_departement_code_comes_before_the_region_of_that_code(db, client):
    make_small_reference()
    RegionFactory(code="93", name="Provence-Alpes-Côte d'Azur")
    assert _keys("93") == ["departement:93", "region:93"]
    body = client.get("/api/v1/territories", {"q": "93"}).json()
    assert [t["key"] for t in body] == ["departement:93", "region:93"]


def test_lookup_by_postcode(db):
    make_small_reference()
    assert _keys("93210") == ["commune:93066"]
    assert _keys("75020") == ["commune:75120"]


def test_lookup_by_name_ignores_accents_case_and_saint(db):
    make_small_reference()
    assert _keys("st-denis")[0] == "commune:93066"
    assert _keys("SAINT DENIS")[0] == "commune:93066"
    assert _keys("ile-de-fr") == ["region:11"]
    assert "departement:93" in _keys("seine saint")


def test_lookup_orders_levels_then_population(db):
    make_small_reference()
    keys = _keys("paris")
    assert keys[:2] == ["departement:75", "commune:75056"]
    # Arrondissements by population: the 20th (186,393) before the 10th (83,459).
    assert keys.index("commune:75120") < keys.index("commune:75110")
    assert _keys("paris", limit=2) == keys[:2]


def test_lookup_finds_words_inside_names(db):
    make_small_reference()
    assert "ept:200057867" in _keys("commune")  # Plaine Commune


def test_lookup_of_nothing(db):
    make_small_reference()
    assert territory_lookup("") == []
    assert territory_lookup("   ") == []
    assert territory_lookup("zzzz") == []


def test_detail_of_an_arrondissement_lists_its_parents(db):
    make_small_reference()
    detail = territory_detail("commune", "75110")
    assert [p.key for p in detail.parents] == [
        "commune:75056",
        "epci:200054781",
        "departement:75",
        "region:11",
    ]
    assert detail.postal_codes == ("75010",)
    assert detail.kind == "ARM"


def test_detail_of_a_commune_in_an_ept(db):
    make_small_reference()
    detail = territory_detail("commune", "93066")
    assert [p.key for p in detail.parents] == [
        "ept:200057867",
        "epci:200054781",
        "departement:93",
        "region:11",
    ]
    assert detail.postal_codes == ("93200", "93210")
    assert territory_detail("commune", "99999") is None
    assert territory_detail("planet", "93") is None
    assert territory_detail("departement", "93").commune_count == 1


def test_communes_named_asks_the_database_only_for_a_commune_name(db, django_assert_num_queries):
    make_small_reference()
    with django_assert_num_queries(1):  # the names, once for the process
        assert communes_named(["atelier"]) == {}
    with django_assert_num_queries(0):  # no commune of that name: no look-up
        assert communes_named(["atelier", "ressourcerie"]) == {}
    with django_assert_num_queries(1):
        found = communes_named(["lyon", "atelier"])
    assert [c.ref.key for c in found["lyon"]] == ["commune:69123"]
    reference_labels_forget()  # a reference load forgets them
    with django_assert_num_queries(2):
        assert list(communes_named(["lyon"])) == ["lyon"]


def test_areas_named_reads_the_departement_and_region_names_once(db, django_assert_num_queries):
    make_small_reference()
    with django_assert_num_queries(3):  # names, and inhabitants and communes, once
        assert areas_named(["atelier"]) == {}
    with django_assert_num_queries(0):  # found or not, from the cache
        assert areas_named(["atelier", "ressourcerie"]) == {}
        found = areas_named(["seine saint denis", "ile de france", "paris", "atelier"])
    assert sorted(found) == ["ile de france", "paris", "seine saint denis"]
    [ssd] = found["seine saint denis"]
    assert ssd.ref.key == "departement:93" and ssd.ref.label == "Seine-Saint-Denis (93)"
    assert (ssd.population, ssd.communes, ssd.region_code) == (113116, 1, "11")
    [idf] = found["ile de france"]
    # Paris and Saint-Denis; the arrondissements are not counted twice.
    assert (idf.ref.key, idf.population, idf.communes) == ("region:11", 2103778 + 113116, 2)
    reference_labels_forget()  # a reference load forgets them
    DepartementFactory(
        code="86", name="Vienne", region=RegionFactory(code="75", name="Nouvelle-Aquitaine")
    )
    with django_assert_num_queries(3):
        assert [a.ref.key for a in areas_named(["vienne"])["vienne"]] == ["departement:86"]


def test_communes_named_tell_their_departement(db):
    make_small_reference()
    CommuneFactory(code="38544", name="Vienne", departement=DepartementFactory(code="38"))
    assert [(c.ref.key, c.departement_code) for c in communes_named(["vienne"])["vienne"]] == [
        ("commune:38544", "38")
    ]


def test_place_keys_fold_typographic_apostrophes_and_dashes():
    assert place_key("Provence-Alpes-Côte d’Azur") == place_key("Provence-Alpes-Côte d'Azur")
    assert place_key("Provence-Alpes-Côte d’Azur") == "provence alpes cote d azur"
    assert place_key("Saint–Denis") == "saint denis"  # an en dash
    assert place_key("L'Haÿ-les-Roses") == "l hay les roses"
    assert place_key("Œuilly") == "oeuilly"
