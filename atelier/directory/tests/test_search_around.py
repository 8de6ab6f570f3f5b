"""Around a place (autour / lat+lon, rayon) and in a map zone (zone): the organisations with an
open establishment within the radius or the box, nearest first, on both read paths; the page
(chips, distances, errors as 400), the API (distance_km, center, 422) and the exports."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from atelier.directory.selectors.around import haversine_km
from atelier.directory.selectors.search import SearchParams, search, search_queryset
from atelier.directory.tests.places_fixtures import make_places_reference, placed_org
from atelier.directory.tests.places_fixtures import search_with as run

pytestmark = pytest.mark.django_db
ENGINES = ["tantivy", "database"]
MONTREUIL = (48.86415, 2.44322)


@pytest.fixture
def ref():
    return make_places_reference()


@pytest.fixture
def atlas(ref):
    return {
        # 0.1 km from Montreuil's centre.
        "here": placed_org("Zeta Ressourcerie", ref["93048"], (48.8650, 2.4430)),
        # Paris 20e (3.0 km), with a closed establishment right at Montreuil's centre.
        "p20": placed_org("Alpha Vingtième", ref["arr20"], (48.8635, 2.4012), closed=[MONTREUIL]),
        # Saint-Denis (10.0 km) with a second establishment in Lyon.
        "sd": placed_org("Beta Plaine", ref["saint_denis"], (48.9356, 2.3539), (45.75, 4.85)),
        # Lyon only: 390 km.
        "lyon": placed_org("Gamma Lyon", ref["lyon"], (45.7485, 4.8467)),
        # Not in the perimeter (inactive): never shown.
        "gone": placed_org("Delta Fermée", ref["93048"], (48.8642, 2.4433), is_active=False),
    }


def names(result) -> list[str]:
    return [r.name for r in result.results]


def test_haversine_matches_known_distances():
    # Paris (Notre-Dame) - Lyon (Bellecour): 391.5 km.
    assert haversine_km(48.853, 2.3499, 45.7578, 4.832) == pytest.approx(391.5, abs=1.0)
    assert haversine_km(*MONTREUIL, *MONTREUIL) == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_around_a_commune_nearest_first(atlas, settings, engine):
    result = run(settings, engine, autour="93048", rayon="5")
    assert names(result) == ["Zeta Ressourcerie", "Alpha Vingtième"]
    assert result.by_distance and not result.ranked
    km = [r.distance_km for r in result.results]
    assert km[0] == pytest.approx(0.1, abs=0.05)
    # The closed establishment at the centre does not count: the open one, 3 km away, does.
    assert km[1] == pytest.approx(3.1, abs=0.1)
    assert result.total == 2
    result = run(settings, engine, autour="Montreuil", rayon="20")
    assert names(result) == ["Zeta Ressourcerie", "Alpha Vingtième", "Beta Plaine"]
    # An organisation's distance is that of its nearest open establishment.
    assert result.results[2].distance_km == pytest.approx(10.2, abs=0.3)
    assert names(run(settings, engine, autour="93048", rayon="2")) == ["Zeta Ressourcerie"]
    # With a text and a facet: filters combine, order stays by distance.
    assert names(run(settings, engine, autour="93048", rayon="20", q="beta")) == ["Beta Plaine"]
    result = run(settings, engine, autour="93048", rayon="20", famille="association")
    assert result.total == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_around_a_point_and_pages(atlas, settings, engine):
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    qd = QueryDict("lat=45.7485&lon=4.8467&rayon=100")
    params = SearchParams.from_querydict(qd)
    assert params.center.label == "votre position"
    assert params.to_querystring() == "lat=45.7485&lon=4.8467&rayon=100"
    assert names(search(params)) == ["Gamma Lyon", "Beta Plaine"]
    first = search(params, page_size=1)
    second = search(params.with_page(2), page_size=1)
    assert names(first) + names(second) == ["Gamma Lyon", "Beta Plaine"]
    assert first.total == second.total == 2


@pytest.mark.parametrize("engine", ["tantivy"])
def test_facet_counts_agree_with_the_total(atlas, settings, engine):
    result = run(settings, engine, autour="93048", rayon="20")
    family = next(f for f in result.facets if f.name == "famille")
    assert sum(v.count for v in family.values) == result.total == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_zone(atlas, settings, engine):
    # Around Montreuil and Paris 20e, not Saint-Denis.
    result = run(settings, engine, zone="2.39,48.85,2.46,48.88")
    assert sorted(names(result)) == ["Alpha Vingtième", "Zeta Ressourcerie"]
    assert not result.by_distance
    # Beta Plaine has an open establishment in Lyon: a zone around Lyon holds it.
    result = run(settings, engine, zone="4.8,45.7,4.9,45.8")
    assert sorted(names(result)) == ["Beta Plaine", "Gamma Lyon"]
    # A closed establishment does not place its organisation in the zone.
    assert names(run(settings, engine, zone="2.443,48.8640,2.4434,48.8643")) == []


def test_invalid_values_are_described(ref):
    for query, words in [
        ("autour=93048&rayon=1", "Le rayon « 1 »"),
        ("autour=93048&rayon=101", "de 2 à 100 km"),
        ("autour=93048&rayon=abc", "Le rayon « abc »"),
        ("autour=Atlantide", "n'est pas une commune connue"),
        ("lat=200&lon=2", "La position « 200, 2 »"),
        ("lat=48", "n'est pas valide"),
        ("zone=1,2,3", "quatre nombres"),
        ("zone=3,2,1,4", "l'ouest doit être inférieur à l'est"),
        ("zone=a,b,c,d", "quatre nombres"),
    ]:
        params = SearchParams.from_querydict(QueryDict(query))
        assert params.invalid, query
        assert any(words in e for e in params.errors), (query, params.errors)
    params = SearchParams.from_querydict(QueryDict("autour=Saint-Denis (93)&rayon=5"))
    assert params.center.commune_code == "93066" and not params.invalid
    assert SearchParams.from_querydict(QueryDict("autour=93100")).center.commune_code == "93048"


# -- page, API, exports ----------------------------------------------------------------------


def test_page_chips_distances_and_errors(client, atlas):
    url = reverse("directory:search")
    html = client.get(url + "?autour=93048&rayon=5").content.decode()
    assert "Autour de :" in html and "Montreuil (93), 5 km" in html
    assert "à 0,1 km" in html and "à 3,1 km" in html
    assert "(les plus proches d’abord)" in html
    assert 'value="Montreuil (93)"' in html  # the commune stays in its box
    html = client.get(url + "?zone=2.39,48.85,2.46,48.88&q=alpha").content.decode()
    assert "Zone de la carte" in html
    assert 'href="?q=alpha"' in html  # the chip removes the zone
    assert 'name="zone" value="2.39,48.85,2.46,48.88"' in html
    assert 'src="/static/directory/around.js"' in html
    response = client.get(url + "?zone=nope")
    assert response.status_code == 400
    assert "La zone « nope » n&#x27;est pas valide" in response.content.decode()
    assert client.get(url + "?autour=93048&rayon=500").status_code == 400


def test_api_distance_center_and_validation(client, atlas):
    body = client.get("/api/v1/organisations", {"autour": "93048", "rayon": 5}).json()
    assert [r["name"] for r in body["results"]] == ["Zeta Ressourcerie", "Alpha Vingtième"]
    assert body["results"][1]["distance_km"] == pytest.approx(3.1, abs=0.1)
    assert body["center"] == {
        "latitude": 48.86415,
        "longitude": 2.44322,
        "label": "Montreuil (93)",
        "commune": "93048",
        "radius_km": 5,
    }
    body = client.get("/api/v1/organisations", {"q": "gamma"}).json()
    assert body["center"] is None and body["results"][0]["distance_km"] is None
    for query in ({"zone": "1,2"}, {"rayon": 1, "autour": "93048"}, {"autour": "Atlantide"}):
        response = client.get("/api/v1/organisations", query)
        assert response.status_code == 422, query
        assert response.json()["detail"]
    body = client.get("/api/v1/organisations", {"zone": "2.39,48.85,2.46,48.88"}).json()
    assert body["count"] == 2


def test_exports_share_the_filters(client, atlas, settings):
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    qs = search_queryset(SearchParams.from_querydict(QueryDict("autour=93048&rayon=5")))
    assert sorted(qs.values_list("name", flat=True)) == ["Alpha Vingtième", "Zeta Ressourcerie"]
    response = client.get(reverse("directory:export", args=["csv"]) + "?zone=2.39,48.85,2.46,48.88")
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode("utf-8-sig")
    assert "Zeta Ressourcerie" in text and "Alpha Vingtième" in text and "Gamma" not in text
    assert client.get(reverse("directory:export", args=["csv"]) + "?zone=x").status_code == 400
