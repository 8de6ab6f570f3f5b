"""Around a place in a real Chromium: the form with a commune works without JavaScript; with
it, "Me localiser" sends the browser's position (lat/lon) and the list follows."""

import re

import pytest
from playwright.sync_api import expect

from .data import make_atlas
from .helpers import RESULTS, expect_results

pytestmark = pytest.mark.e2e

AMIS = "Les Amis du Quartier"  # Paris 20e
UNION = "Union des Coopératives du Canal"  # Saint-Denis, 8 km from Paris 20e
LYON = "Mutuelle Solidaire du Rhône"


def test_around_a_commune_without_javascript(nojs_page):
    page = nojs_page
    make_atlas()
    page.goto("/atlas/")
    expect(page.get_by_role("button", name="Me localiser")).to_have_count(0)
    page.get_by_label("Commune (nom, code postal ou code INSEE)").fill("Saint-Denis (93)")
    page.get_by_label("Rayon (km, de 2 à 100)").fill("5")
    page.get_by_role("button", name="Chercher autour").click()
    expect(page).to_have_url(re.compile(r"autour=Saint-Denis.*&rayon=5"))
    expect_results(page, shown=[UNION], hidden=[AMIS, LYON])
    expect(page.locator(RESULTS).first).to_contain_text("km")
    page.get_by_role("link", name="Autour de").click()  # the chip removes the filter
    expect(page).not_to_have_url(re.compile(r"autour="))


def test_locate_me_sends_the_position(new_page):
    page = new_page(
        geolocation={"latitude": 48.8635, "longitude": 2.4012}, permissions=["geolocation"]
    )
    make_atlas()
    page.goto("/atlas/?rayon=3")
    page.get_by_role("button", name="Me localiser").click()
    expect(page).to_have_url(re.compile(r"lat=48\.8635\d*&lon=2\.4012"))
    expect_results(page, shown=[AMIS], hidden=[UNION, LYON])
    expect(page.locator(".atlas-chips")).to_contain_text("votre position, 3 km")
