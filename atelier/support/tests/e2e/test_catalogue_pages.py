"""The catalogue's pages in a real Chromium: axe-core (WCAG 2.1 A and AA) in French and
English, no Content-Security-Policy violation, the filters used without JavaScript, and the
staff page of the entries to check."""

import pytest
from django.contrib.auth.models import Permission

from atelier.directory.tests.e2e.test_csp import LISTEN
from atelier.support.tests.scheme_factories import load_catalogue
from atelier.support.tests.users import EDITOR_PERMISSIONS

pytestmark = pytest.mark.e2e
PASSWORD = "mot-de-passe-e2e"  # noqa: S105

PAGES = [
    "/dispositifs/",
    "/dispositifs/?territory=75119&kind=microcredit",
    "/dispositifs/?territory=99999",
    "/dispositifs/pie-pret-honneur/",
    "/dispositifs/adie-microcredit/",
    "/en/dispositifs/dla/",
]


@pytest.fixture
def catalogue():
    load_catalogue()


@pytest.mark.parametrize("url", PAGES)
def test_catalogue_page_passes_axe_without_csp_violation(new_page, axe, catalogue, url):
    page = new_page()
    page.add_init_script(LISTEN)
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    axe(page)
    assert page.evaluate("window.__csp") == []


def test_the_filters_work_without_javascript(nojs_page, catalogue):
    nojs_page.goto("/dispositifs/")
    nojs_page.get_by_label("Territoire").fill("75119")
    nojs_page.get_by_label("Nature").select_option("microcredit")
    nojs_page.get_by_role("button", name="Filtrer").click()
    assert "kind=microcredit" in nojs_page.url
    assert nojs_page.get_by_role("heading", name="2 dispositifs").count() == 1
    nojs_page.get_by_role(
        "link", name="Microcrédit ADIE pour les allocataires parisiens du RSA"
    ).click()
    assert nojs_page.url.endswith("/dispositifs/adie-microcredit-paris/")
    assert nojs_page.get_by_role("table").count() == 1


def test_the_staff_page_of_entries_to_check(new_page, axe, catalogue, django_user_model):
    user = django_user_model.objects.create_user("equipe", "equipe@example.org", PASSWORD)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="support", codename__in=EDITOR_PERMISSIONS
        )
    )
    page = new_page()
    page.add_init_script(LISTEN)
    page.goto("/comptes/connexion/")
    page.fill("#id_username", "equipe")
    page.fill("#id_password", PASSWORD)
    page.click('main button[type="submit"]')
    page.wait_for_load_state("networkidle")
    response = page.goto("/dispositifs/a-verifier/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    axe(page)
    assert page.evaluate("window.__csp") == []
    assert (
        page.get_by_role(
            "link", name="Mettre à jour Dispositif local d'accompagnement (DLA)"
        ).count()
        == 1
    )
