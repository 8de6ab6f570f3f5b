"""Consistency: every API operation declares its access policy, and public ones answer an
anonymous client (no authentication is configured on any public operation)."""

from atelier.api import api


def _operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def test_every_api_operation_declares_who_may_use_it():
    missing = [f"{m.upper()} {p}" for p, m, op in _operations() if "x-atelier-access" not in op]
    assert missing == []


def test_public_operations_require_no_authentication():
    for path, method, op in _operations():
        if op.get("x-atelier-access") == "public":
            assert not op.get("security"), f"{method.upper()} {path} is public but asks for auth"


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Atelier API"
