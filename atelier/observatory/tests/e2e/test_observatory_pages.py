"""The observatory's pages in a real Chromium with computed figures: axe-core (WCAG 2.1 A and
AA) in French and English, no Content-Security-Policy violation, and the picker without
JavaScript. (The list of public pages checked by axe: directory/tests/e2e/
test_public_pages_axe.py.)"""

import pytest

from atelier.directory.tests.e2e.data import make_atlas
from atelier.observatory.services.rebuild import observatory_rebuild

pytestmark = pytest.mark.e2e

PAGES = [
    "/observatoire/",
    "/observatoire/?q=93200",
    "/observatoire/commune/75056/",
    "/observatoire/arrondissement/75120/",
    "/observatoire/ept/200057867/",
    "/observatoire/epci/200054781/",
    "/observatoire/departement/93/",
    "/observatoire/region/11/",
    "/observatoire/commune/69123/",
    "/en/observatoire/ept/200057867/",
    "/observatoire/commune/99999/",
]
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture
def computed():
    make_atlas()
    observatory_rebuild()


@pytest.mark.parametrize("url", PAGES)
def test_observatory_page_passes_axe_without_csp_violation(new_page, axe, computed, url):
    page = new_page()
    page.add_init_script(LISTEN)
    response = page.goto(url)
    assert response is not None
    assert response.status == (404 if "99999" in url else 200), url
    page.wait_for_load_state("networkidle")
    axe(page)
    assert page.evaluate("window.__csp") == []


def test_the_picker_and_a_territory_work_without_javascript(nojs_page, computed):
    nojs_page.goto("/observatoire/")
    nojs_page.get_by_role("searchbox", name="Territoire").fill("Plaine")
    nojs_page.get_by_role("button", name="Chercher").click()
    nojs_page.get_by_role("link", name="Plaine Commune (EPT)").first.click()
    assert nojs_page.url.endswith("/observatoire/ept/200057867/")
    heading = nojs_page.get_by_role("heading", level=1)
    assert "Plaine Commune" in heading.inner_text()
    # The chart is an image with a name; its table is beside it.
    assert nojs_page.get_by_role("img", name="Établissements par famille de l'ESS").count() == 1
    assert nojs_page.get_by_role("table", name="Répartition par famille de l'ESS").count() == 1
