"""GET /api/v1/indicators/{level}/{code}: schema, figures, secrets, errors, access."""

import random

import pytest

from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import (
    make_directory,
    make_organisation,
    make_reference,
    recompute,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/indicators/{}/{}"


@pytest.fixture
def ref():
    return make_reference()


def test_indicators_of_an_ept_match_the_raw_figures(client, ref):
    make_directory(ref, random.Random(4), count=50)
    observatory_rebuild()
    response = client.get(URL.format("ept", "200057867"))
    assert response.status_code == 200
    body = response.json()
    raw = recompute("ept", "200057867")[("total", "")]
    assert body["territory"] == {
        "level": "ept",
        "code": "200057867",
        "name": "Plaine Commune",
        "label": "Plaine Commune (EPT)",
    }
    assert isinstance(body["organisations"], int) and isinstance(body["establishments"], int)
    assert (body["organisations"], body["establishments"]) == (
        raw.organisations,
        raw.establishments,
    )
    employees = body["employees_estimate"]
    assert employees == "secret" or employees == {
        "low": raw.low,
        "central": raw.central,
        "high": raw.high,
    }
    assert [b["dimension"] for b in body["breakdowns"]] == [
        "family",
        "legal",
        "naf",
        "band",
        "theme",
    ]
    assert [c["territory"]["level"] for c in body["comparisons"]][-1] == "france"
    assert "Secret statistique" in body["confidentiality"]
    assert body["explanation"] == ""


def test_secret_cells_are_the_string_secret_with_their_rule(client, ref):
    for _ in range(3):
        make_organisation(ref, places=["arr10"], category="9220")
    make_organisation(ref, places=["arr10"], category="8210")  # one mutual
    observatory_rebuild()
    body = client.get(URL.format("arrondissement", "75110")).json()
    family = {c["value"]: c for c in body["breakdowns"][0]["cells"]}
    assert family["mutual"]["organisations"] == "secret"
    assert family["mutual"]["employees_estimate"] == "secret"
    assert "moins de 3" in family["mutual"]["secret_rule"]
    # The only other cell is hidden too (secondary secret).
    assert family["association"]["organisations"] == "secret"
    assert body["organisations"] == 4


def test_the_paris_commune_includes_its_arrondissements(client, ref):
    make_organisation(ref, places=["arr10"])
    make_organisation(ref, places=["arr20", "arr10"])
    observatory_rebuild()
    body = client.get(URL.format("commune", "75056")).json()
    assert (body["organisations"], body["establishments"]) == (2, 3)
    # A commune code of an arrondissement answers for the arrondissement.
    body = client.get(URL.format("commune", "75110")).json()
    assert body["territory"]["level"] == "arrondissement"
    assert (body["organisations"], body["establishments"]) == (1, 2)


def test_an_empty_territory_is_zeros_with_an_explanation(client, ref):
    observatory_rebuild()
    body = client.get(URL.format("commune", "01001")).json()
    assert (body["organisations"], body["establishments"]) == (0, 0)
    assert body["employees_estimate"] == {"low": 0, "central": 0, "high": 0}
    assert body["explanation"]


def test_an_unknown_code_is_a_404_naming_it(client, ref):
    response = client.get(URL.format("commune", "99999"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Territoire inconnu : commune:99999.", "errors": []}
    response = client.get(URL.format("epci", "200057867"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and "epci:200057867" in response.json()["detail"]


def test_an_unknown_level_is_a_422_in_the_error_model(client, ref):
    response = client.get(URL.format("canton", "93066"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["param"] == "level"


def test_the_operation_is_public_and_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/indicators/{level}/{code}"]["get"]
    assert operation["x-atelier-access"] == "public"
    level = next(p for p in operation["parameters"] if p["name"] == "level")
    assert level["schema"]["enum"] == [
        "commune", "arrondissement", "epci", "ept", "departement", "region", "custom"
    ]  # fmt: skip
    assert {"200", "404", "422"} <= {str(s) for s in operation["responses"]}
    out = schema["components"]["schemas"]["IndicatorsOut"]["properties"]
    assert {"organisations", "establishments", "employees_estimate", "breakdowns"} <= set(out)


def test_an_anonymous_client_gets_the_figures(client, ref):
    make_organisation(ref, places=["lyon"])
    observatory_rebuild()
    assert client.get(URL.format("region", "84")).status_code == 200
