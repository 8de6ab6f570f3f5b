"""Custom territories and the ESS's share in a real Chromium: axe-core (WCAG 2.1 A and AA) on
the public page of a custom territory (with the share of the ESS) and on the staff pages
(list, form empty and with its errors, edit, delete), no Content-Security-Policy violation, and
the form used without JavaScript."""

import pytest

from atelier.accounts.services import network_role_grant
from atelier.directory.services.economy import economy_counts_replace
from atelier.directory.tests.e2e.data import make_atlas
from atelier.directory.tests.factories import NetworkFactory
from atelier.observatory.services.custom import custom_territory_save
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.e2e.test_observatory_pages import LISTEN

pytestmark = pytest.mark.e2e
PASSWORD = "mot-de-passe-e2e"  # noqa: S105


@pytest.fixture
def staff(django_user_model):
    make_atlas()
    network = NetworkFactory(name="Réseau de Plaine")
    user = django_user_model.objects.create_user("equipe", "equipe@example.org", PASSWORD)
    network_role_grant(user=user, network=network, role="staff")
    economy_counts_replace({("93066", "Q", "02"): 40, ("93066", "M", "11"): 12}, ["93066"])
    observatory_rebuild()
    custom_territory_save(name="Nord de Plaine", code="nord-plaine", communes_text="93066",
                          network_id=network.pk, user_id=user.pk)  # fmt: skip
    return user


def _sign_in(page):
    page.goto("/comptes/connexion/")
    page.fill("#id_username", "equipe")
    page.fill("#id_password", PASSWORD)
    page.click('main button[type="submit"]')
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    "url",
    [
        "/observatoire/custom/nord-plaine/",
        "/en/observatoire/custom/nord-plaine/",
        "/observatoire/commune/93066/",
        "/observatoire/territoires-personnalises/",
        "/observatoire/territoires-personnalises/nouveau/",
        "/observatoire/territoires-personnalises/nord-plaine/modifier/",
        "/observatoire/territoires-personnalises/nord-plaine/supprimer/",
    ],
)
def test_custom_pages_pass_axe_without_csp_violation(new_page, axe, staff, url):
    page = new_page()
    page.add_init_script(LISTEN)
    _sign_in(page)
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    axe(page)
    assert page.evaluate("window.__csp") == []


def test_the_form_with_its_errors_passes_axe(new_page, axe, staff):
    page = new_page()
    _sign_in(page)
    page.goto("/observatoire/territoires-personnalises/nouveau/")
    page.get_by_label("Nom").fill("Sud")
    page.get_by_label("Communes").fill("99999")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("networkidle")
    assert "99999" in page.get_by_role("alert").first.inner_text()
    axe(page)


def test_the_form_works_without_javascript(nojs_page, staff):
    _sign_in(nojs_page)
    nojs_page.goto("/observatoire/territoires-personnalises/nouveau/")
    nojs_page.get_by_label("Nom").fill("Sud")
    nojs_page.get_by_label("Communes").fill("99999\nSaint-Denis")
    nojs_page.get_by_role("button", name="Enregistrer").click()
    assert "99999" in nojs_page.get_by_role("alert").first.inner_text()
    nojs_page.get_by_label("Communes").fill("Saint-Denis")
    nojs_page.get_by_role("button", name="Enregistrer").click()
    assert nojs_page.url.endswith("/observatoire/custom/sud/")
    assert "ESS = " in nojs_page.content()
