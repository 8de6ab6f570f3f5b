"""GET /api/v1/territories and /api/v1/territories/{level}/{code}."""

from atelier.territories.tests.factories import make_small_reference


def test_lookup_endpoint(client, db):
    make_small_reference()
    response = client.get("/api/v1/territories", {"q": "saint-denis"})
    assert response.status_code == 200
    first = response.json()[0]
    assert first == {
        "level": "commune",
        "code": "93066",
        "name": "Saint-Denis",
        "label": "Saint-Denis (93)",
        "key": "commune:93066",
    }
    by_postcode = client.get("/api/v1/territories", {"q": "75010"}).json()
    assert [t["key"] for t in by_postcode] == ["commune:75110"]


def test_lookup_endpoint_refuses_an_empty_query(client, db):
    missing = client.get("/api/v1/territories")
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"param": "q", "message": "paramètre obligatoire."}]
    for params in ({"q": ""}, {"q": "  "}):
        response = client.get("/api/v1/territories", params)
        assert response.status_code == 422
        assert response.json()["errors"] == [{"param": "q", "message": "ne doit pas être vide."}]


def test_lookup_endpoint_limit(client, db):
    make_small_reference()
    assert len(client.get("/api/v1/territories", {"q": "paris", "limit": 2}).json()) == 2
    assert client.get("/api/v1/territories", {"q": "paris", "limit": 0}).status_code == 422


def test_detail_endpoint(client, db):
    make_small_reference()
    response = client.get("/api/v1/territories/commune/93066")
    assert response.status_code == 200
    data = response.json()
    assert data["label"] == "Saint-Denis (93)"
    assert [p["key"] for p in data["parents"]] == [
        "ept:200057867",
        "epci:200054781",
        "departement:93",
        "region:11",
    ]
    assert data["position"] == {"latitude": 48.93564, "longitude": 2.35387, "precision": "geonames"}
    assert data["postal_codes"] == ["93200", "93210"]
    assert data["population"] == 113116
    departement = client.get("/api/v1/territories/departement/93").json()
    assert departement["parents"][0]["key"] == "region:11"
    assert departement["position"] is None
    assert departement["commune_count"] == 1


def test_detail_endpoint_unknown(client, db):
    make_small_reference()
    for path in ("commune/99999", "planet/93", "epci/200057867"):  # Plaine Commune is an EPT
        response = client.get(f"/api/v1/territories/{path}")
        assert response.status_code == 404
        assert "Territoire inconnu" in response.json()["detail"]


def test_openapi_documents_the_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/territories" in schema["paths"]
    assert "/api/v1/territories/{level}/{code}" in schema["paths"]
    assert "TerritoryDetailOut" in schema["components"]["schemas"]
