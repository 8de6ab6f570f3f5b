"""The Atlas maps in a real Chromium (atlas-map.js on Leaflet): keyboard access, accessible
names, filters sent to the API, the organisation map. Skipped (loudly) without Chromium."""

import re

import pytest
from playwright.sync_api import expect

from atelier.directory.enums import EssRule
from atelier.directory.geo import lonlat_to_world
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory

pytestmark = pytest.mark.e2e

COOPANAME = '#atlas-map .atlas-point[aria-label="Coopaname (coopérative)"]'
CLUSTER_NAME = re.compile(r"^2 établissements \(1 association, 1 coopérative\) — zoomer$")


def _place(name, lon, lat, family="association"):
    org = OrganisationFactory(name=name, ess_family=family, ess_rule=EssRule.LEGAL_CATEGORY)
    mx, my = lonlat_to_world(lon, lat)
    EstablishmentFactory(organisation=org, longitude=lon, latitude=lat, mx=mx, my=my)
    return org


def _actors():
    return {
        "coop": _place("Coopaname", 2.3756, 48.8534, "cooperative"),
        "port": _place("Port Parallèle", 2.3760, 48.8530),
        "lyon": _place("Astrolabe Conseil", 4.8400, 45.7600),
    }


def _api_requests(page):
    urls = []
    page.on("request", lambda r: urls.append(r.url) if "/api/v1/map/clusters" in r.url else None)
    return urls


def test_clusters_are_buttons_named_for_screen_readers_and_zoom_with_the_keyboard(page):
    _actors()
    page.goto("/atlas/")
    cluster = page.locator("#atlas-map .atlas-cluster").first
    expect(cluster).to_have_attribute("role", "button")
    expect(cluster).to_have_attribute("aria-label", CLUSTER_NAME)
    expect(cluster).to_have_attribute("tabindex", "0")
    expect(page.locator("[data-atlas-map-status]")).to_contain_text("3 établissements")

    cluster.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#atlas-map")).to_be_focused()  # not lost with the redrawn markers
    # The two Parisian actors get apart once zoomed in: two named points.
    points = page.locator("#atlas-map .atlas-point")
    expect(points).to_have_count(2, timeout=15_000)
    expect(page.locator(COOPANAME)).to_be_visible()


def test_a_point_opens_a_popup_whose_link_leads_to_the_organisation(page):
    actors = _actors()
    page.goto("/atlas/")
    lyon = page.locator('#atlas-map .atlas-point[aria-label="Astrolabe Conseil (association)"]')
    expect(lyon).to_be_visible()
    lyon.focus()
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_be_focused()
    expect(link).to_have_attribute("href", f"/atlas/organisations/{actors['lyon'].pk}/")
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Fermer")
    expect(page.get_by_role("button", name="Zoomer", exact=True)).to_be_visible()


def test_the_search_filters_travel_with_every_map_request(page):
    _actors()
    requests = _api_requests(page)
    page.goto("/atlas/?famille=cooperative")
    expect(page.locator(COOPANAME)).to_be_visible()
    expect(page.locator("#atlas-map .atlas-cluster")).to_have_count(0)
    assert requests and all("famille=cooperative" in url for url in requests)

    # A new querystring in data-query (what an htmx swap or a script does) reloads the map.
    page.evaluate(
        "document.getElementById('atlas-map').setAttribute('data-query', 'famille=association')"
    )
    expect(page.locator(COOPANAME)).to_have_count(0)
    assert any("famille=association" in url for url in requests)


def test_the_organisation_page_maps_its_establishments(page):
    actors = _actors()
    page.goto(f"/atlas/organisations/{actors['coop'].pk}/")
    expect(page.locator("#org-map .atlas-point")).to_have_count(1)
    expect(page.locator("#org-map .atlas-point")).to_have_attribute("aria-label", "Coopaname")


def test_without_javascript_the_map_says_the_list_has_the_same_actors(nojs_page):
    _actors()
    nojs_page.goto("/atlas/")
    expect(nojs_page.locator("#atlas-map")).to_contain_text("La carte nécessite JavaScript")


def test_the_maps_pass_axe_with_markers_and_a_popup_open(page, axe):
    actors = _actors()
    page.goto("/atlas/")
    point = page.locator('#atlas-map .atlas-point[aria-label="Astrolabe Conseil (association)"]')
    expect(point).to_be_visible()
    expect(page.locator("#atlas-map .atlas-cluster")).to_have_count(1)
    point.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content a")).to_be_focused()
    # The popup fades in: check contrast once it is fully opaque, as a person sees it.
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    axe(page)
    page.goto(f"/atlas/organisations/{actors['coop'].pk}/")
    expect(page.locator("#org-map .atlas-point")).to_have_count(1)
    axe(page)
