"""The map templates (_map.html for the search page, _org_map.html) and their static files."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def _search_map(query=""):
    request = RequestFactory().get("/atlas/" + (f"?{query}" if query else ""))
    return render_to_string("directory/_map.html", {}, request=request)


def test_search_map_has_region_container_text_alternative_and_api_url():
    html = _search_map()
    assert 'aria-labelledby="atlas-map-title"' in html and 'id="atlas-map-title"' in html
    assert 'id="atlas-map"' in html and 'data-atlas-map="search"' in html
    assert 'data-api-url="/api/v1/map/clusters"' in html
    assert 'data-org-url="/atlas/organisations/0/"' in html
    assert 'class="atlas-map-fallback"' in html  # removed by the script when the map starts
    assert "La carte nécessite JavaScript ; la liste des résultats présente les mêmes acteurs." in (
        html
    )
    assert 'role="status"' in html
    assert "vendor/leaflet/leaflet.js" in html and "directory/atlas-map.js" in html
    assert "defer" in html


def test_search_map_carries_the_filters_without_page_or_invalid_values():
    html = _search_map("famille=cooperative&famille=pirate&theme=culture&page=3")
    assert 'data-query="famille=cooperative&amp;theme=culture"' in html


def test_search_map_without_tiles_has_an_empty_tile_url(settings):
    settings.ATELIER_MAP_TILE_URL = ""
    settings.ATELIER_MAP_TILE_ATTRIBUTION = ""
    html = _search_map()
    assert 'data-tile-url=""' in html and 'data-tile-attribution=""' in html


def test_search_map_with_tiles_passes_url_and_attribution(settings):
    settings.ATELIER_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.ATELIER_MAP_TILE_ATTRIBUTION = "© contributeurs <OpenStreetMap>"
    html = _search_map()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© contributeurs &lt;OpenStreetMap&gt;"' in html


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.3756, 48.8534]},
            "properties": {"id": 1, "name": "Coopaname </script>", "open": True},
        }
    ],
}


@pytest.mark.parametrize("value", [GEOJSON, json.dumps(GEOJSON, ensure_ascii=False)])
def test_organisation_map_embeds_the_geojson_safely(value):
    request = RequestFactory().get("/atlas/organisations/1/")
    html = render_to_string(
        "directory/_org_map.html", {"establishments_geojson": value}, request=request
    )
    assert 'id="org-map"' in html and 'data-atlas-map="organisation"' in html
    assert '<script id="org-map-data" type="application/json">' in html
    assert "Coopaname </script>" not in html  # escaped by json_script
    start = html.index('type="application/json">') + len('type="application/json">')
    embedded = json.loads(html[start : html.index("</script>", start)])
    if isinstance(embedded, str):
        embedded = json.loads(embedded)
    assert embedded == GEOJSON
    assert 'class="atlas-map-fallback"' in html


@pytest.mark.parametrize(
    "path",
    [
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "directory/atlas-map.js",
        "directory/map.css",
    ],
)
def test_static_files_are_found(path):
    assert finders.find(path)
