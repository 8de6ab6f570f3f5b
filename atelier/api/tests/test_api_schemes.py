"""GET /api/v1/schemes, GET /api/v1/schemes/{slug} and POST /api/v1/orientation answer what
they document: closed lists as enums, every error in the one error model, French messages
naming the field, and the orientation's answers ranked and explained."""

import pytest

from atelier.api import api
from atelier.api.errors import ApiError
from atelier.support.enums import LegalForm, SchemeKind, Stage
from atelier.support.models import Scheme
from atelier.support.tests.scheme_factories import load_catalogue

pytestmark = pytest.mark.django_db
SCHEMES = "/api/v1/schemes"
ORIENTATION = "/api/v1/orientation"
NB = "\u00a0"


@pytest.fixture
def catalogue():
    return load_catalogue()[0]


def _error(response, status):
    assert response.status_code == status
    body = response.json()
    ApiError.model_validate(body, strict=True)
    return body


def _post(client, body, **headers):
    return client.post(ORIENTATION, body, content_type="application/json", **headers)


def test_the_document_lists_the_closed_values():
    schema = api.get_openapi_schema()
    params = {p["name"]: p["schema"] for p in schema["paths"][SCHEMES]["get"]["parameters"]}
    assert params["kind"]["enum"] == list(SchemeKind.values)
    assert params["stage"]["enum"] == list(Stage.values)
    assert "null" not in str(params["territory"])
    body = schema["paths"][ORIENTATION]["post"]["requestBody"]["content"]["application/json"]
    profile = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert profile["properties"]["legal_form"]["enum"] == list(LegalForm.values)
    assert profile["required"] == ["stage", "project", "commune"]
    for path in (SCHEMES, ORIENTATION, SCHEMES + "/{slug}"):
        for operation in schema["paths"][path].values():
            assert operation["x-atelier-access"] == "public"


def test_the_catalogue_with_its_parameters_in_force(catalogue, client):
    data = client.get(SCHEMES).json()
    assert data["count"] == Scheme.objects.count() == len(data["results"])
    pie = next(s for s in data["results"] if s["slug"] == "pie-pret-honneur")
    assert pie["operator"]["name"] == "Paris Initiative Entreprise"
    assert pie["operator"]["url"].startswith("http://testserver/atlas/organisations/")
    assert pie["perimeter"] == [{"key": "departement:75", "label": "Paris (75)"}]
    shown = {p["name"]: (p["shown"], p["start"], p["is_example"]) for p in pie["parameters"]}
    assert shown["montant_minimum"] == (f"5{NB}000{NB}€", "2021-11-04", False)
    assert pie["stale"] is True and pie["last_checked_on"] == "2021-11-04"
    adie = next(s for s in data["results"] if s["slug"] == "adie-microcredit")
    assert adie["parameters"][0]["is_example"] is True


def test_filters_combine(catalogue, client):
    slugs = lambda **q: [s["slug"] for s in client.get(SCHEMES, q).json()["results"]]  # noqa: E731
    assert slugs(kind="microcredit") == ["adie-microcredit-paris", "adie-microcredit"]
    assert "adie-reunions-mdee" not in slugs(territory="75111")
    assert "adie-reunions-mdee" in slugs(territory="arrondissement:75119")
    assert "adie-reunions-mdee" in slugs(territory="departement:75")  # offered in part of it
    assert "pie-pret-honneur" not in slugs(territory="commune:69123")
    assert slugs(kind="test_activity", sector="F") == [
        "cae-alter-batir",
        "cae-coopaname",
        "couveuse-astrolabe",
    ]
    assert slugs(need="takeover", stage="takeover") == [
        "urscop-creation-reprise",
        "pie-pret-honneur",
    ]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ({"kind": "loan"}, "kind", "valeurs possibles : 'microcredit'"),
        ({"territory": "99999"}, "territory", "Commune inconnue : 99999."),
        ({"territory": "departement:99"}, "territory", "Territoire inconnu : departement:99."),
        ({"audience": "none"}, "audience", "valeurs possibles"),
        # Never sent to the database (PostgreSQL refuses NUL bytes in text).
        ({"territory": "75\x0019"}, "territory", "Commune inconnue"),
        ({"territory": "departement:7\x005"}, "territory", "Territoire inconnu"),
    ],
)
def test_a_wrong_filter_is_a_422(catalogue, client, query, param, message):
    body = _error(client.get(SCHEMES, query), 422)
    assert [e["param"] for e in body["errors"]] == [param]
    assert message in body["errors"][0]["message"]


def test_one_scheme_with_its_history_and_conditions(catalogue, client):
    data = client.get(SCHEMES + "/pie-pret-honneur").json()
    assert data["rule"]["key"] == "pie_honour_loan"
    codes = [c["code"] for c in data["conditions"]]
    assert codes == ["state", "perimeter", "stage", "project", "amount_min", "amount_max"]
    assert data["conditions"][-1]["description"].startswith(
        f"Montant demandé d'au plus 30{NB}000{NB}€"
    )
    assert all(p["in_force"] and not p["future"] for p in data["history"])
    body = _error(client.get(SCHEMES + "/inconnu"), 404)
    assert body["detail"] == "Aucun dispositif n'a l'identifiant « inconnu »."


def test_the_orientation_ranks_and_explains_every_scheme(catalogue, client):
    body = {"stage": "takeover", "project": "business", "commune": "93066", "amount": 50000,
            "legal_form": "company", "needs": ["takeover"], "on": "2026-01-15"}  # fmt: skip
    data = _post(client, body).json()
    assert data["count"] == Scheme.objects.count() and data["on"] == "2026-01-15"
    first = data["results"][0]
    assert first["slug"] == "urscop-creation-reprise" and first["eligible"] and first["rank"] == 1
    assert (
        "répond à vos besoins : «\u00a0reprendre une entreprise (en coopérative)\u00a0»"
        in first["reasons"]
    )
    pie = next(r for r in data["results"] if r["slug"] == "pie-pret-honneur")
    assert pie["failed"] == ["perimeter"]
    assert "Saint-Denis : hors du périmètre du dispositif (Paris (75))" in [
        c["text"] for c in pie["checks"]
    ]
    ranks = [r["rank"] for r in data["results"]]
    assert ranks == list(range(1, len(ranks) + 1))
    eligible = [r["eligible"] for r in data["results"]]
    assert eligible == sorted(eligible, reverse=True) and sum(eligible) == data["eligible_count"]


BASE = {"stage": "idea", "project": "business", "commune": "75119"}


@pytest.mark.parametrize(
    ("change", "param", "message"),
    [
        ({"stage": None}, "stage", "paramètre obligatoire."),
        ({"stage": "later"}, "stage", "valeurs possibles"),
        (
            {"commune": "7511"},
            "commune",
            "code INSEE de commune attendu : 5 caractères, par exemple 75119 (Paris 19e) ou 2A004.",
        ),
        ({"commune": "99999"}, "commune", "Commune inconnue : 99999."),
        ({"amount": -1}, "amount", "la valeur doit être au moins 0."),
        (
            {"situations": ["none", "rsa"]},
            "situations",
            "« aucune de ces situations » ne se combine pas avec une autre.",
        ),
        ({"on": "demain"}, "on", "date attendue, au format AAAA-MM-JJ."),
    ],
)
def test_wrong_answers_are_a_422_naming_the_field(catalogue, client, change, param, message):
    body = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    error = _error(_post(client, body), 422)
    assert error["errors"][0]["param"] == param
    assert message in error["errors"][0]["message"]
