"""GET /api/v1/map/clusters."""

import pytest

from atelier.directory.enums import EssRule
from atelier.directory.geo import lonlat_to_world
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/map/clusters"
FRANCE = "-5.5,41,10,51.5"


def _place(name, lon, lat, family="association"):
    org = OrganisationFactory(name=name, ess_family=family, ess_rule=EssRule.LEGAL_CATEGORY)
    mx, my = lonlat_to_world(lon, lat)
    EstablishmentFactory(organisation=org, longitude=lon, latitude=lat, mx=mx, my=my)
    return org


@pytest.fixture
def actors():
    return [
        _place("Coopaname", 2.3756, 48.8534, "cooperative"),
        _place("Port Parallèle", 2.3760, 48.8530),
        _place("Astrolabe Conseil", 4.8400, 45.7600),
    ]


def test_clusters_and_points_in_compact_json(client, actors):
    response = client.get(URL, {"bbox": FRANCE, "zoom": 6})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert b": " not in response.content and b", " not in response.content  # compact
    data = response.json()
    assert data["zoom"] == 6 and data["total"] == 3 and data["cell"] == 64
    cluster = next(f for f in data["features"] if "n" in f)
    point = next(f for f in data["features"] if "id" in f)
    assert cluster["n"] == 2 and len(cluster["bbox"]) == 4
    # One association, one cooperative: the counts per family, trailing zeros left out.
    assert cluster["fc"] == [1, 1]
    assert point == {
        "lat": 45.76,
        "lon": 4.84,
        "id": actors[2].pk,
        "name": "Astrolabe Conseil",
        "f": 0,  # an association
    }


def test_search_filters_apply(client, actors):
    data = client.get(URL, {"bbox": FRANCE, "zoom": 6, "famille": "cooperative"}).json()
    assert data["total"] == 1
    assert [f["id"] for f in data["features"]] == [actors[0].pk]
    # Invalid filter values are ignored, as on the search page.
    data = client.get(URL, {"bbox": FRANCE, "zoom": 6, "famille": "pirate"}).json()
    assert data["total"] == 3


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"bbox": "3,40,2,45", "zoom": 6}, "ouest"),
        ({"bbox": "2,45,3,44", "zoom": 6}, "sud"),
        ({"bbox": "1,2,3", "zoom": 6}, "quatre nombres"),
        ({"bbox": "a,b,c,d", "zoom": 6}, "quatre nombres"),
        ({"bbox": "-200,40,2,45", "zoom": 6}, "-180"),
        ({"bbox": FRANCE, "zoom": 21}, "zoom : la valeur doit être au plus 20"),
        ({"bbox": FRANCE, "zoom": -1}, "zoom : la valeur doit être au moins 0"),
    ],
)
def test_invalid_requests_get_422_with_a_clear_message(client, query, fragment):
    response = client.get(URL, query)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and fragment in detail


@pytest.mark.parametrize("query", [{"zoom": 6}, {"bbox": FRANCE}, {"bbox": FRANCE, "zoom": "x"}])
def test_missing_or_malformed_parameters_get_422(client, query):
    assert client.get(URL, query).status_code == 422


def test_the_schema_is_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/map/clusters"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"bbox", "zoom", "q", "famille", "territoire", "theme"} <= names
    assert "422" in operation["responses"]
    components = schema["components"]["schemas"]
    assert {"lat", "lon", "n", "bbox"} <= set(components["MapCluster"]["properties"])
    assert {"lat", "lon", "id", "name"} <= set(components["MapPoint"]["properties"])


def test_the_answer_needs_few_queries(client, actors, django_assert_max_num_queries):
    client.get(URL, {"bbox": FRANCE, "zoom": 10})  # the first answer builds the map index
    with django_assert_max_num_queries(4):
        assert client.get(URL, {"bbox": FRANCE, "zoom": 10}).status_code == 200
