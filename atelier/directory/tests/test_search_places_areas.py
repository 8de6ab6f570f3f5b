"""Places in the search text, continued (selectors/places.py): département and région names,
a commune with its département code, and what reading them costs. Page, API and both read
paths."""

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from atelier.directory.selectors.places import detect_place
from atelier.directory.selectors.search import SearchParams, search
from atelier.directory.tests.places_fixtures import (
    applied,
    choices,
    make_places_reference,
    placed_org,
    text_of,
)
from atelier.territories.tests.factories import CommuneFactory, DepartementFactory

pytestmark = pytest.mark.django_db
ENGINES = ["tantivy", "database"]


@pytest.fixture
def ref():
    return make_places_reference()


@pytest.fixture
def atlas(ref):
    return {
        "rennes": placed_org("Insertion Rennaise", ref["35238"], (48.1111, -1.6743)),
        "lyon": placed_org("Insertion Lyonnaise", ref["lyon"], (45.7485, 4.8467)),
        "bordeaux": placed_org("Recyclerie Bordelaise", ref["33063"], (44.8412, -0.5805)),
        "montreuil": placed_org("Ressourcerie de l'Est", ref["93048"], (48.8641, 2.4432)),
        "montreuil62": placed_org("Ressourcerie du Montreuillois", ref["62588"], (50.46, 1.76)),
        "sd": placed_org("Jardins de Saint-Denis", ref["saint_denis"], (48.9356, 2.3539)),
        "sd974": placed_org("Jardins créoles", ref["97411"], (-20.8823, 55.4504)),
    }


# -- département and région names -----------------------------------------------------------


def test_departement_and_region_names_are_places(ref):
    for q in ("Seine-Saint-Denis", "seine saint denis", "SEINE-SAINT-DENIS", "Seine Saint-Denis"):
        assert applied(q) == ["departement:93"], q
        assert text_of(q) == "", q
    assert applied("Gironde") == applied("gironde") == ["departement:33"]
    for q in ("Île-de-France", "ile de france", "Ile-de-France", "ÎLE DE FRANCE"):
        assert applied(q) == ["region:11"], q
    # Apostrophes, straight or curly, like hyphens.
    for q in (
        "Provence-Alpes-Côte d'Azur",
        "provence alpes cote d azur",
        "Provence-Alpes-Côte d’Azur",
    ):
        assert applied(q) == ["region:93"], q
    # The other words are searched as text; a linking word before the place is dropped.
    assert applied("insertion Bretagne") == ["region:53"]
    assert text_of("insertion Bretagne") == "insertion"
    assert text_of("Bretagne insertion") == "insertion"
    assert text_of("recyclerie en Gironde") == "recyclerie"
    assert text_of("ressourcerie seine saint denis") == "ressourcerie"
    # Seine-Saint-Denis is not the commune Saint-Denis, nor the reverse.
    assert applied("Saint-Denis") == []
    assert len(choices("Saint-Denis")) == 3
    # In the middle of the text: words, as for communes.
    assert applied("atelier gironde solidaire") == []


def test_a_commune_that_is_its_whole_departement_stays_the_commune(ref):
    # Paris: the département's only commune, same extent; the commune is kept (its
    # arrondissements are the level below) and the département is not offered.
    place = detect_place("paris")
    assert [r.key for r in place.applied] == ["commune:75056"] and place.choices == ()
    assert text_of("atelier paris") == "atelier"


def test_a_departement_is_applied_before_a_commune_of_its_name(ref):
    # Vienne (86; 89,916 inhabitants in this reference, 438,897 in France) is more than twice
    # Vienne in Isère (31,778): the département applies, the commune is offered.
    assert applied("Vienne") == ["departement:86"]
    assert choices("Vienne") == ["commune:38544"]
    # Mayenne: the commune lies in the département of its name, which is not its chef-lieu.
    assert applied("mayenne") == ["departement:53"]
    assert choices("mayenne") == ["commune:53147"]
    # Their codes choose the other one.
    assert applied("Vienne 38") == ["commune:38544"]
    assert applied("Vienne (86)") == ["departement:86"]
    assert applied("Mayenne (53)") == ["commune:53147"]  # a commune with its code: the commune


def test_a_region_and_its_villages(ref):
    # Bretagne (Territoire de Belfort, 319 inhabitants) is only a choice beside the région.
    assert applied("Bretagne") == ["region:53"]
    assert choices("Bretagne") == ["commune:90019"]
    # La Réunion: the région 04 and the département 974 are one territory, the département.
    assert applied("La Réunion") == applied("la reunion") == ["departement:974"]
    assert choices("la reunion") == []


def test_no_clear_lead_between_a_departement_and_a_commune_offers_both(ref):
    # Fictitious: a commune named Gironde with more than half the département's inhabitants.
    CommuneFactory(
        code="47999",
        name="Gironde",
        departement=DepartementFactory(code="47", name="Lot-et-Garonne"),
        population=200_000,
        latitude=44.35,
        longitude=0.6,
    )
    place = detect_place("recyclerie gironde")
    assert place.applied == ()
    assert [r.key for r in place.choices] == ["departement:33", "commune:47999"]
    assert place.text == "recyclerie gironde"  # searched as typed
    assert place.rest == "recyclerie"  # kept with the territory chosen


def test_departement_names_that_are_everyday_words(ref):
    for q in ("épicerie pas cher", "quartiers nord", "vente par lot", "cher ami"):
        assert detect_place(q) is None, q
    # Alone, after an article or a linking word, with its code: the département.
    assert applied("Cher") == ["departement:18"]
    assert applied("nord") == applied("le Nord") == ["departement:59"]
    assert applied("insertion dans le Cher") == ["departement:18"]
    assert text_of("insertion dans le Cher") == "insertion"
    assert applied("épicerie Nord 59") == ["departement:59"]
    assert applied("dans l'Aube") == applied("l'Aube") == ["departement:10"]
    assert text_of("jardin dans l'Aube") == "jardin"


# -- a commune with its département code -----------------------------------------------------


def test_a_commune_with_its_departement_code(ref):
    for q in ("Saint-Denis 93", "saint denis 93", "Saint-Denis (93)", "93 Saint-Denis"):
        assert applied(q) == ["commune:93066"], q
        assert choices(q) == [], q  # no homonym to choose: the code said which
    assert applied("saint denis 974") == ["commune:97411"]
    # The code is enough, whatever the size: Saint-Denis (Aude, 477 inhabitants).
    assert applied("Saint-Denis (11)") == ["commune:11339"]
    for q in ("Montreuil 93", "Montreuil (93)", "montreuil(93)", "MONTREUIL 93"):
        assert applied(q) == ["commune:93048"], q
        assert choices(q) == [], q
    assert applied("Montreuil 62") == ["commune:62588"]
    assert text_of("ressourcerie Montreuil (93)") == "ressourcerie"
    assert text_of("Montreuil 93 ressourcerie") == "ressourcerie"
    assert text_of("ressourcerie à Saint-Denis 974") == "ressourcerie"
    # A chip's label typed back: an arrondissement, a département.
    assert applied("Paris 20e Arrondissement (75)") == ["commune:75120"]
    assert applied("Seine-Saint-Denis (93)") == ["departement:93"]
    # Paris, Lyon, Marseille: a number is an arrondissement first; in brackets, the code.
    assert applied("Marseille 13") == ["commune:13213"]
    assert applied("Marseille (13)") == ["commune:13055"]
    assert applied("Lyon 69") == ["commune:69123"]
    # A département code alone still works, and still only alone.
    assert applied("93") == ["departement:93"]
    assert applied("atelier 93") == []
    # Not a commune of that département: no commune is chosen by the code.
    assert applied("Montreuil 11") == ["commune:93048"]  # "Montreuil", then "11" as text
    assert text_of("Montreuil 11") == "11"


# -- costs -----------------------------------------------------------------------------------


def test_reading_places_costs_no_query_when_the_text_names_none(ref, django_assert_num_queries):
    detect_place("atelier")  # the reference's names, once for the process
    with django_assert_num_queries(0):
        assert detect_place("atelier") is None
        assert detect_place("ressourcerie solidaire du quartier") is None
        assert detect_place("épicerie pas cher") is None  # an everyday word: no look-up
    # A département or région name alone is read from the cache too.
    with django_assert_num_queries(0):
        assert applied("Seine-Saint-Denis") == ["departement:93"]
        assert applied("ile de france") == ["region:11"]


# -- the search, the page and the API --------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_the_departement_or_region_filters_and_the_rest_is_searched(atlas, settings, engine):
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0

    def run(q):
        return search(SearchParams.from_querydict(QueryDict(mutable=True, query_string=f"q={q}")))

    result = run("insertion Bretagne")
    assert [r.name for r in result.results] == ["Insertion Rennaise"]
    assert result.params.q == "insertion" and result.params.territoire == ["region:53"]
    result = run("Seine-Saint-Denis")
    assert {r.name for r in result.results} == {"Ressourcerie de l'Est", "Jardins de Saint-Denis"}
    assert result.params.q == "" and result.params.territoire == ["departement:93"]
    assert [r.name for r in run("recyclerie en gironde").results] == ["Recyclerie Bordelaise"]
    result = run("ile de france")
    assert result.params.territoire == ["region:11"]
    assert "Insertion Lyonnaise" not in {r.name for r in result.results}
    # A commune with its code: that commune only.
    assert [r.name for r in run("ressourcerie Montreuil (93)").results] == ["Ressourcerie de l'Est"]
    assert [r.name for r in run("ressourcerie montreuil 62").results] == [
        "Ressourcerie du Montreuillois"
    ]
    assert [r.name for r in run("jardins saint denis 974").results] == ["Jardins créoles"]
    # lieu=texte: the words as typed.
    qd = QueryDict(mutable=True)
    qd.update({"q": "insertion bretagne", "lieu": "texte"})
    assert SearchParams.from_querydict(qd).territoire == []


def page(client, query: str) -> str:
    response = client.get(reverse("directory:search") + "?" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_page_shows_a_region_as_a_removable_chip(client, atlas):
    html = page(client, "q=insertion+bretagne")
    assert "« bretagne » est compris comme un territoire" in html
    assert "<strong>Bretagne, région</strong>" in html
    assert 'href="?q=insertion"' in html  # the chip removes the territory, keeps the text
    assert 'value="insertion"' in html
    assert "q=insertion+bretagne&amp;lieu=texte" in html
    assert "Insertion Rennaise" in html and "Insertion Lyonnaise" not in html


def test_page_offers_the_commune_of_a_departement_name(client, atlas):
    html = page(client, "q=vienne")
    assert "<strong>Vienne (86), département</strong>" in html
    assert "(le territoire de ce nom le plus peuplé)" in html
    assert "Autres communes de ce nom :" in html
    assert 'href="?territoire=commune%3A38544"' in html


def test_page_in_english_names_the_level(client, atlas):
    with translation.override("en"):
        url = reverse("directory:search")
    assert url.startswith("/en/")
    html = client.get(url + "?q=vienne").content.decode()
    assert "Vienne (86), département" in html
    assert "(the most populous territory of that name)" in html
    assert "Other communes of that name:" in html
    html = client.get(url + "?q=insertion+bretagne").content.decode()
    assert "Bretagne, region" in html


def test_page_offers_territories_of_different_levels(client, atlas):
    CommuneFactory(
        code="47999",
        name="Gironde",
        departement=DepartementFactory(code="47", name="Lot-et-Garonne"),
        population=200_000,
        latitude=44.35,
        longitude=0.6,
    )
    html = page(client, "q=gironde")
    assert "Plusieurs territoires s’appellent « gironde »" in html
    assert 'href="?territoire=departement%3A33"' in html
    assert "Gironde (33), département" in html
    assert 'href="?territoire=commune%3A47999"' in html


def test_api_answers_a_departement_name_and_a_commune_with_its_code(client, atlas):
    body = client.get("/api/v1/organisations", {"q": "Seine-Saint-Denis"}).json()
    assert body["place"] == {
        "phrase": "Seine-Saint-Denis",
        "text": "",
        "applied": [{"key": "departement:93", "label": "Seine-Saint-Denis (93)"}],
        "choices": [],
    }
    assert {r["name"] for r in body["results"]} == {
        "Ressourcerie de l'Est",
        "Jardins de Saint-Denis",
    }
    body = client.get("/api/v1/organisations", {"q": "jardins saint denis 974"}).json()
    assert body["place"]["applied"] == [{"key": "commune:97411", "label": "Saint-Denis (974)"}]
    assert body["place"]["choices"] == [] and body["place"]["text"] == "jardins"
    assert [r["name"] for r in body["results"]] == ["Jardins créoles"]
    body = client.get("/api/v1/organisations", {"q": "Vienne"}).json()
    assert [r["key"] for r in body["place"]["applied"]] == ["departement:86"]
    assert [r["key"] for r in body["place"]["choices"]] == ["commune:38544"]
