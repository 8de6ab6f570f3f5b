"""The orientation questionnaire in a real Chromium: axe-core (WCAG 2.1 A and AA) on the blank
questionnaire, its results, its errors and the ambiguous place, in French and English, no
Content-Security-Policy violation; the questionnaire answered by keyboard only; and the
issue's whole path without JavaScript: answers → results (ADIE first, PIE explained) → "ask
for support" → consent → case opened with its private link."""

import pytest

from atelier.directory.tests.e2e.test_csp import LISTEN
from atelier.directory.tests.factories import NetworkFactory
from atelier.support.models import Case
from atelier.support.tests.factories import SupportStructureFactory
from atelier.support.tests.scheme_factories import load_catalogue

pytestmark = pytest.mark.e2e
ANSWERS = (
    "lieu=Paris+19e&stage=starting&project=business&legal_form=micro&amount=4000"
    "&situations=rsa&sector=I&needs=financing"
)
PAGES = [
    ("/orientation/", 200),
    ("/orientation/?siret=123", 200),  # the pre-fill's error beside its field
    (f"/orientation/?{ANSWERS}", 200),
    (f"/en/orientation/?{ANSWERS}", 200),
    ("/orientation/?lieu=Paris&stage=starting&project=business", 400),
    ("/orientation/?lieu=Trifouilly&stage=starting&project=business&amount=-1", 400),
]


@pytest.fixture
def catalogue(db):
    load_catalogue()
    network = NetworkFactory(slug="atelier-idf", name="L'Atelier")
    SupportStructureFactory(
        network=network, label="Couveuse de Paris", territories=["departement:75"]
    )


@pytest.mark.parametrize(("url", "status"), PAGES)
def test_orientation_pages_pass_axe_without_csp_violation(new_page, axe, catalogue, url, status):
    page = new_page()
    page.add_init_script(LISTEN)
    response = page.goto(url)
    assert response is not None and response.status == status, url
    page.wait_for_load_state("networkidle")
    axe(page)
    assert page.evaluate("window.__csp") == []


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached by keyboard")


def test_the_questionnaire_is_answered_by_keyboard_only(new_page, catalogue):
    page = new_page()
    page.goto("/orientation/")
    _tab_to(page, "id_lieu")
    page.keyboard.type("Paris 19e")
    _tab_to(page, "id_stage_0")
    page.keyboard.press("ArrowDown")  # the next choice of the group: « je crée mon activité »
    _tab_to(page, "id_project_0")
    page.keyboard.press("Space")
    _tab_to(page, "id_amount")
    page.keyboard.type("4000")
    with page.expect_navigation():  # the form is sent by Enter, as a keyboard user does
        page.keyboard.press("Enter")
    assert "stage=starting" in page.url and "project=business" in page.url
    assert page.get_by_role("heading", name="Vos résultats").count() == 1


def test_the_path_to_a_case_without_javascript(nojs_page, catalogue):
    page = nojs_page
    page.goto("/orientation/")
    page.get_by_label("Où se trouve votre projet ?").fill("Paris 19e")
    page.get_by_label("je crée mon activité").check()
    page.get_by_label("créer ou développer une entreprise").check()
    page.get_by_label("Sous quelle forme ?").select_option("micro")
    page.get_by_label("De combien d'argent avez-vous besoin ? (en euros)").fill("4000")
    page.get_by_label("allocataire du RSA").check()
    page.get_by_label("Dans quel secteur ?").select_option("I")
    page.get_by_role("button", name="Voir les dispositifs").click()
    answers = page.locator("article.orientation-answer h3")
    assert answers.first.inner_text() == "Microcrédit ADIE pour les allocataires parisiens du RSA"
    pie = page.locator("article", has_text="Prêt d'honneur à taux zéro de Paris Initiative")
    assert "montant demandé 4\u00a0000\u00a0€ < minimum 5\u00a0000\u00a0€" in pie.inner_text()
    page.get_by_role("link", name="Demander à être accompagné·e").click()
    page.get_by_label("Prénom ou pseudonyme").fill("Lou")
    page.get_by_label("Adresse électronique").fill("lou@example.org")
    page.get_by_label("J'accepte que mes réponses").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    assert page.locator("#follow-link").count() == 1
    case = Case.objects.get()
    assert case.profile["commune"] == "75119" and case.profile["amount"] == 4000
