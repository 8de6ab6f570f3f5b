"""The pages work under the Content-Security-Policy: the public pages, the API documentation
(Swagger UI from local static files) and the Django admin open in Chromium with no violation
reported (no inline script or style, nothing from another host)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from atelier.directory.tests.e2e.data import make_atlas
from atelier.directory.tests.factories import MembershipFactory

pytestmark = pytest.mark.e2e

ORGANISATION = "Union des Coopératives du Canal"
# Records every violation the browser reports, before any script of the page runs.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _open(page, console, url):
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp") + [m for m in console if "Content Security" in m]
    assert violations == [], (url, violations)


@pytest.fixture
def csp_page(new_page):
    page = new_page()
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    return page, console


def test_public_pages_and_the_api_documentation_raise_no_violation(csp_page):
    page, console = csp_page
    atlas = make_atlas()
    org = atlas[ORGANISATION].pk
    for url in [
        "/",
        "/atlas/",
        "/atlas/?q=cooperative&famille=cooperative",
        f"/atlas/organisations/{org}/",
        "/en/atlas/",
        "/comptes/connexion/",
    ]:
        _open(page, console, url)
    _open(page, console, "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Atelier API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_admin_raises_no_violation(csp_page, django_user_model):
    page, console = csp_page
    atlas = make_atlas()
    org = atlas[ORGANISATION]
    membership = MembershipFactory(organisation=org, contact_name="Camille Contact")
    django_user_model.objects.create_superuser("root", password="mot-de-passe-e2e")
    page.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "mot-de-passe-e2e")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()
    for url in [
        reverse("admin:index"),
        reverse("admin:directory_organisation_changelist"),
        reverse("admin:directory_organisation_change", args=[org.pk]),
        reverse("admin:directory_organisation_history", args=[org.pk]),
        reverse("admin:directory_organisationmembership_changelist"),
        reverse("admin:directory_organisationmembership_change", args=[membership.pk]),
        reverse("admin:directory_organisationmembership_history", args=[membership.pk]),
        reverse("admin:directory_organisationmembership_add"),
    ]:
        _open(page, console, url)
