"""The API answers what it documents: one error model (ApiError) for every error answer, the
422 of invalid parameters on every operation that takes some, enums of the closed filters, a
page past the last one is a 404, messages in the request's language, and the interactive
documentation is served from local static files."""

import pytest
from django.contrib.staticfiles import finders

from atelier.api import api
from atelier.api.errors import ApiError
from atelier.directory.tests.test_search import make_org
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/organisations"
MAP = "/api/v1/map/clusters"
FRANCE = "-5.5,41.2,9.8,51.2"


@pytest.fixture
def orgs():
    ref = make_small_reference()
    return [
        make_org(ref, category="5458", name="Coopératives du Canal", commune="saint_denis"),
        make_org(ref, name="Amis du quartier", commune="arr20"),
    ]


def _error(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    ApiError.model_validate(body, strict=True)
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str)
    return body


@pytest.mark.parametrize(
    ("query", "param"),
    [("page=abc", "page"), ("page=²", "page"), ("page=٣", "page"), ("page_size=0", "page_size")],
)
def test_a_malformed_parameter_is_a_422_in_the_error_model(client, orgs, query, param):
    body = _error(client.get(f"{ORGS}?{query}"), 422)
    assert [e["param"] for e in body["errors"]] == [param]
    assert body["detail"].startswith("Paramètres invalides : " + param)


def test_an_impossible_filter_value_is_a_422_in_the_error_model(client, orgs):
    body = _error(client.get(f"{ORGS}?famille=nope"), 422)
    assert "« nope » n'est pas une valeur possible pour « famille »" in body["detail"]
    assert [e["message"] for e in body["errors"]] == [body["detail"]]


def test_error_messages_follow_the_request_language(client, orgs):
    french = _error(client.get(f"{ORGS}?famille=nope"), 422)
    english = _error(client.get(f"{ORGS}?famille=nope", HTTP_ACCEPT_LANGUAGE="en"), 422)
    assert "n'est pas une valeur possible" in french["detail"]
    assert "“nope” is not a possible value for “famille”" in english["detail"]


def test_a_page_past_the_last_one_is_a_404_with_a_clear_message(client, orgs):
    assert client.get(f"{ORGS}?page=1&page_size=1").status_code == 200
    assert client.get(f"{ORGS}?page=2&page_size=1").status_code == 200
    body = _error(client.get(f"{ORGS}?page=3&page_size=1"), 404)
    assert "La page 3 n'existe pas" in body["detail"] and "2 page(s)" in body["detail"]


def test_the_first_page_of_an_empty_search_is_a_200(client, orgs):
    response = client.get(f"{ORGS}?q=introuvablexyz")
    assert response.status_code == 200 and response.json()["count"] == 0
    _error(client.get(f"{ORGS}?q=introuvablexyz&page=2"), 404)


def test_map_errors_name_their_parameter(client, orgs):
    body = _error(client.get(MAP, {"bbox": "1,2,3", "zoom": 5}), 422)
    assert body["errors"][0]["param"] == "bbox"
    body = _error(client.get(MAP, {"bbox": FRANCE, "zoom": "٣"}), 422)
    assert body["errors"][0]["param"] == "zoom"


def test_the_map_ignores_a_page_number_it_does_not_use(client, orgs):
    # The map has no pages: a page=² among the Atlas filters is ignored, never a 500.
    assert client.get(MAP, {"bbox": FRANCE, "zoom": 5, "page": "²"}).status_code == 200


def test_territory_and_organisation_errors_are_in_the_error_model(client, orgs):
    _error(client.get("/api/v1/territories?q="), 422)
    _error(client.get("/api/v1/territories/planete/mars"), 404)
    _error(client.get("/api/v1/organisations/999999999"), 404)
    _error(client.get("/api/v1/territories?q=paris&limit=0"), 422)


# -- the OpenAPI document ----------------------------------------------------------------------


def _operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield f"{method.upper()} {path}", op


def test_every_error_response_documents_the_one_error_model():
    for name, op in _operations():
        for status, response in op["responses"].items():
            if str(status).startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (name, status)


def test_every_operation_with_parameters_documents_its_422():
    for name, op in _operations():
        if op.get("parameters"):
            assert {422, "422"} & set(op["responses"]), name


def test_paged_operations_document_their_404():
    ops = dict(_operations())
    assert 404 in ops[f"GET {ORGS}"]["responses"]


def test_closed_filters_have_their_enum_and_no_parameter_is_null():
    params = {p["name"]: p["schema"] for p in dict(_operations())[f"GET {ORGS}"]["parameters"]}
    assert "cooperative" in params["famille"]["items"]["enum"]
    assert params["naf"]["items"]["enum"][0] == "A" and "U" in params["naf"]["items"]["enum"]
    assert "insertion" in params["theme"]["items"]["enum"]
    assert "esus" in params["agrement"]["items"]["enum"]
    assert params["effectif"]["items"]["enum"]
    # An empty repeated value is ignored by the API (HTML forms send `theme=`), and documented.
    assert all("" in params[n]["items"]["enum"] for n in ("famille", "naf", "theme", "agrement"))
    for _name, op in _operations():
        for param in op.get("parameters", []):
            assert "anyOf" not in param["schema"], param["name"]
    detail = dict(_operations())["GET /api/v1/territories/{level}/{code}"]
    level = next(p for p in detail["parameters"] if p["name"] == "level")
    assert "commune" in level["schema"]["enum"]


def test_the_schema_lists_the_error_model_as_returned():
    schema = api.get_openapi_schema()["components"]["schemas"]["ApiError"]
    assert set(schema["properties"]) == {"detail", "errors"}
    assert schema["properties"]["detail"]["type"] == "string"


# -- the interactive documentation -------------------------------------------------------------


def test_swagger_ui_is_served_from_local_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/api/swagger-init.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert '<script id="swagger-settings" type="application/json">' in html
    assert "/api/v1/openapi.json" in html
    for path in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css"):
        assert finders.find(path), path
    static = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert static.status_code == 200
    static.close()


@pytest.mark.parametrize("key", ["²", "٣", "１２"])
def test_an_organisation_key_in_non_ascii_digits_is_a_404_not_a_500(client, orgs, key):
    _error(client.get(f"/api/v1/organisations/{key}"), 404)


def test_identifiers_in_non_ascii_digits_are_invalid():
    from atelier.directory.services.sirene.identifiers import siren_error, siret_error

    assert siren_error("٣" * 9).startswith("SIREN invalide")
    assert siret_error("²" * 14).startswith("SIRET invalide")
