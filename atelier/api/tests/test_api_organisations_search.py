"""GET /api/v1/organisations: public Atlas search with facets; invalid filters are 422."""

import pytest

from atelier.directory.enums import Approval, Theme
from atelier.directory.tests.test_search import make_org
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations"


@pytest.fixture
def orgs():
    ref = make_small_reference()
    return [
        make_org(
            ref,
            category="5458",
            name="Coopératives du Canal",
            acronym="CDC",
            siren="552100554",
            commune="saint_denis",
            naf="70.22Z",
            themes=[Theme.INSERTION],
            approvals=[Approval.SCOP],
        ),
        make_org(ref, name="Amis du quartier", commune="arr20"),
        make_org(ref, category="8210", name="Mutuelle Lyonnaise", commune="lyon"),
        make_org(ref, category="5710", name="Société Ordinaire"),
    ]


def test_anonymous_client_gets_the_first_page(client, orgs):
    response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert (data["page"], data["page_size"], data["num_pages"]) == (1, 20, 1)
    assert [r["name"] for r in data["results"]] == [
        "Amis du quartier",
        "Coopératives du Canal",
        "Mutuelle Lyonnaise",
    ]


def test_result_shape(client, orgs):
    data = client.get(URL, {"q": "cooperative"}).json()
    assert data["count"] == 1
    (row,) = data["results"]
    pk = orgs[0].pk
    assert row == {
        "id": pk,
        "siren": "552100554",
        "name": "Coopératives du Canal",
        "acronym": "CDC",
        "ess_family": {"code": "cooperative", "label": "coopérative"},
        "ess_rule": "legal_category",
        "legal_category": {
            "code": "5458",
            "label": "SARL coopérative de production (SCOP)",
        },
        "naf": "70.22Z",
        "commune": {"code": "93066", "label": "Saint-Denis (93)"},
        "departement": "93",
        "themes": [{"code": "insertion", "label": "insertion par l'activité économique"}],
        "approvals": [{"code": "scop", "label": "SCOP"}],
        "url": f"http://testserver/atlas/organisations/{pk}/",
        "api_url": f"http://testserver/api/v1/organisations/{pk}",
        "distance_km": None,  # a search around a place only
    }


def test_facets_in_the_response(client, orgs):
    data = client.get(URL, {"famille": "cooperative"}).json()
    assert set(data["facets"]) == {
        "famille",
        "forme",
        "naf",
        "theme",
        "agrement",
        "effectif",
        "territoire",
    }
    famille = {v["value"]: (v["count"], v["selected"]) for v in data["facets"]["famille"]}
    assert famille == {
        "association": (1, False),
        "cooperative": (1, True),
        "mutual": (1, False),
    }
    assert data["facets"]["territoire"][0] == {
        "value": "region:11",
        "label": "Île-de-France",
        "count": 1,
        "selected": False,
    }


def test_repeatable_filters_and_pagination(client, orgs):
    data = client.get(URL + "?famille=cooperative&famille=mutual&page_size=1&page=2").json()
    assert data["count"] == 2
    assert data["num_pages"] == 2
    assert [r["name"] for r in data["results"]] == ["Mutuelle Lyonnaise"]
    data = client.get(URL + "?territoire=departement:93&territoire=departement:69").json()
    assert data["count"] == 2


@pytest.mark.parametrize(
    "query, message",
    [
        ("famille=pirate", "« pirate » n'est pas une valeur possible pour « famille »."),
        ("territoire=departement:999", "« departement:999 » n'est pas un territoire connu"),
        ("theme=nope", "« nope » n'est pas une valeur possible pour « theme »."),
    ],
)
def test_invalid_filters_are_422_with_a_clear_message(client, orgs, query, message):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert message in response.json()["detail"]


@pytest.mark.parametrize("query", ["page_size=101", "page_size=0", "page=0", "page=x"])
def test_invalid_paging_is_422(client, orgs, query):
    assert client.get(f"{URL}?{query}").status_code == 422


def test_fts_syntax_is_harmless(client, orgs):
    for q in ['"; DROP', "a OR b*", "NEAR("]:
        response = client.get(URL, {"q": q})
        assert response.status_code == 200
        assert response.json()["count"] == 0


def test_documented_as_public_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/organisations"]["get"]
    assert "public" in operation["summary"].lower()
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "famille", "territoire", "page", "page_size"} <= names
