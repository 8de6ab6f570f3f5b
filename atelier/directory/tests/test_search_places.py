"""Places in the search text (selectors/places.py): read as a territory filter shown as a
removable chip, the other words searched as text; ambiguous names offer their choices; ordinary
words stay words. Page, API and both read paths."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from atelier.directory.selectors.places import detect_place
from atelier.directory.selectors.search import SearchParams, search
from atelier.directory.tests.places_fixtures import (
    applied,
    make_places_reference,
    placed_org,
    text_of,
)

pytestmark = pytest.mark.django_db
ENGINES = ["tantivy", "database"]


@pytest.fixture
def ref():
    return make_places_reference()


@pytest.fixture
def atlas(ref):
    return {
        "atelier20": placed_org("L'Atelier du 20e", ref["arr20"], (48.8635, 2.4012)),
        "atelier_lyon": placed_org("Atelier Lyonnais", ref["lyon"], (45.7485, 4.8467)),
        "montreuil": placed_org("Ressourcerie de l'Est", ref["93048"], (48.8641, 2.4432)),
        "sd": placed_org("Jardins de Saint-Denis", ref["saint_denis"], (48.9356, 2.3539)),
        "pie": placed_org("Paris Initiative Entreprise", ref["lyon"], (45.7485, 4.8467)),
    }


def test_codes_are_places(ref):
    assert applied("75020") == ["commune:75120"]  # postcode
    assert applied("93048") == ["commune:93048"]  # INSEE code
    assert applied("93") == ["departement:93"]
    assert applied("2A") == applied("2a") == ["departement:2A"]
    assert applied("974") == ["departement:974"]
    assert text_of("coopaname 75020") == "coopaname"
    assert text_of("75020 Paris") == ""  # the commune's name beside its postcode
    # A département code only alone; unknown codes are no place.
    assert applied("atelier 93") == []
    assert applied("99") == applied("12345") == []


def test_commune_names_at_the_start_or_the_end(ref):
    assert applied("Montreuil") == ["commune:93048"]  # 60 times the other Montreuil
    assert applied("Saint-Denis") == []  # a homonym without a clear lead: none applied
    assert applied("Saint-Denis 93") == ["commune:93066"]  # its département code picks one
    assert applied("paris") == ["commune:75056"]
    assert text_of("atelier paris") == "atelier"
    assert text_of("atelier à Paris") == "atelier"
    assert text_of("montreuil ressourcerie") == "ressourcerie"
    assert applied("MONTREUIL") == applied("montreuil") == ["commune:93048"]
    # In the middle: words.
    assert applied("atelier paris solidaire") == []


def test_arrondissements(ref):
    for q in ("Paris 20", "Paris 20e", "paris 20eme", "Paris 20ème", "paris 20e arrondissement"):
        assert applied(q) == ["commune:75120"], q
    assert applied("Lyon 3e") == ["commune:69383"]
    assert applied("Marseille 13") == ["commune:13213"]
    assert text_of("atelier paris 20") == "atelier"
    assert applied("Paris 21") == ["commune:75056"]  # no 21st: Paris, "21" as text
    assert text_of("Paris 21") == "21"


def test_homonyms_without_a_clear_lead_apply_none_and_offer_each(ref):
    for q in ("Saint-Denis", "saint denis", "St Denis", "SAINT-DENIS"):
        place = detect_place(q)
        assert place is not None and place.applied == (), q
        assert place.text == q
        labels = [r.label for r in place.choices]
        # La Réunion (153,810) is not twice Seine-Saint-Denis (113,116): both offered, biggest
        # first, then the small one.
        assert labels == ["Saint-Denis (974)", "Saint-Denis (93)", "Saint-Denis (11)"]


def test_a_clear_lead_applies_the_biggest_and_offers_the_others(ref):
    place = detect_place("Montreuil")
    assert [r.label for r in place.applied] == ["Montreuil (93)"]
    assert [r.label for r in place.choices] == ["Montreuil (62)"]


def test_ordinary_words_stay_words(ref, atlas):
    # Jardin (Isère, 2,209 inhabitants) and École (Savoie, 297): too small to be read as a
    # place in one word.
    for q in ("jardin", "jardin partagé", "école", "école de musique", "jardins", "atelier"):
        assert detect_place(q) is None, q
    # The exact name of an organisation: a name, not a place.
    assert detect_place("Paris Initiative Entreprise") is None
    assert detect_place("l'atelier du 20e") is None
    # Only some of its words: the place is read (the page offers the words as typed).
    assert text_of("paris initiative") == "initiative"


def test_a_town_named_like_the_word_of_many_names_is_a_word(ref, settings, monkeypatch):
    monkeypatch.setattr("atelier.directory.selectors.places.NAME_WORD_MIN_DOCS", 3)
    for name in ("Fontaine Solidaire", "La Fontaine aux Livres", "Fontaine de Savoirs"):
        placed_org(name, ref["lyon"], (45.7485, 4.8467))  # not in Fontaine (Isère)
    for name in ("Montreuil Ressources", "Montreuil Solidaire", "Radio Montreuil"):
        placed_org(name, ref["93048"], (48.8641, 2.4432))
    assert detect_place("fontaine") is None
    assert detect_place("fontaine solidaire") is None
    assert applied("Montreuil") == ["commune:93048"]  # its names are in Montreuil
    # Read from the index: without it, the commune.
    settings.ATELIER_SEARCH_ENGINE = "database"
    assert applied("fontaine") == ["commune:38169"]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_place_filters_and_the_rest_is_searched(atlas, settings, engine):
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0

    def run(q, **extra):
        qd = QueryDict(mutable=True)
        qd["q"] = q
        for k, v in extra.items():
            qd[k] = v
        return search(SearchParams.from_querydict(qd))

    result = run("atelier paris")
    assert [r.name for r in result.results] == ["L'Atelier du 20e"]
    assert result.params.q == "atelier"
    assert result.params.territoire == ["commune:75056"]
    assert [r.name for r in run("75020").results] == ["L'Atelier du 20e"]
    assert [r.name for r in run("Montreuil").results] == ["Ressourcerie de l'Est"]
    assert [r.name for r in run("atelier lyon").results] == ["Atelier Lyonnais"]
    # A territory chosen by the user is kept: the text is then only text.
    result = run("montreuil", territoire="commune:75120")
    assert result.params.q == "montreuil" and result.params.place is None
    assert result.total == 0
    # lieu=texte: the text as typed.
    result = run("paris", lieu="texte")
    assert result.params.territoire == [] and result.params.q == "paris"
    assert "Paris Initiative Entreprise" in [r.name for r in result.results]


# -- the page --------------------------------------------------------------------------------


def page(client, query: str, status: int = 200) -> str:
    response = client.get(reverse("directory:search") + "?" + query)
    assert response.status_code == status
    return response.content.decode()


def test_page_shows_the_place_as_a_removable_chip(client, atlas):
    html = page(client, "q=atelier+paris+20e")
    assert "Paris 20e Arrondissement (75)" in html
    assert "« atelier paris 20e » est compris" not in html
    assert "« paris 20e » est compris comme un territoire" in html
    # The chip removes the territory and keeps the rest of the text.
    assert 'href="?q=atelier"' in html
    assert "(retirer ce filtre)" in html
    # The text box holds what is searched as text.
    assert 'value="atelier"' in html
    # Searching the words as typed instead.
    assert "q=atelier+paris+20e&amp;lieu=texte" in html
    assert "L&#x27;Atelier du 20e" in html or "L'Atelier du 20e" in html


def test_page_offers_the_homonyms(client, atlas):
    html = page(client, "q=saint-denis")
    assert "Plusieurs communes s’appellent « saint-denis »" in html
    assert 'href="?territoire=commune%3A93066"' in html
    assert 'href="?territoire=commune%3A97411"' in html
    html = page(client, "q=ressourcerie+montreuil")
    assert "la commune de ce nom la plus peuplée" in html
    assert 'href="?q=ressourcerie&amp;territoire=commune%3A62588"' in html


# -- the API ---------------------------------------------------------------------------------


def test_api_answers_the_place(client, atlas):
    body = client.get("/api/v1/organisations", {"q": "atelier paris 20"}).json()
    assert body["place"] == {
        "phrase": "paris 20",
        "text": "atelier",
        "applied": [{"key": "commune:75120", "label": "Paris 20e Arrondissement (75)"}],
        "choices": [],
    }
    assert [r["name"] for r in body["results"]] == ["L'Atelier du 20e"]
    body = client.get("/api/v1/organisations", {"q": "saint denis"}).json()
    assert body["place"]["applied"] == []
    assert [c["key"] for c in body["place"]["choices"]] == [
        "commune:97411",
        "commune:93066",
        "commune:11339",
    ]
    body = client.get("/api/v1/organisations", {"q": "atelier"}).json()
    assert body["place"] is None
