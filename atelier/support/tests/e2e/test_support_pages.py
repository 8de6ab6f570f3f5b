"""The support journeys in a real Chromium: axe-core (WCAG 2.1 A and AA) on the holder's
pages (the request, with its errors, the case opened, the follow-up link, the withdrawal) and on
the advisors' and staff's pages (list, case with its forms, statistics), no
Content-Security-Policy violation; and the whole flow without JavaScript. (The list of public
pages checked by axe: directory/tests/e2e/test_public_pages_axe.py.)"""

import re

import pytest

from atelier.support.models import Case
from atelier.support.services.transitions import case_note_add, case_take
from atelier.support.tests.factories import make_world, open_case
from atelier.support.tests.scheme_factories import SchemeFactory

pytestmark = pytest.mark.e2e

ANSWERS = "stage=idea&project=business&commune=75119&needs=advice&amount=3000&schemes=cape"
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture
def world(db):
    world = make_world()
    SchemeFactory(slug="cape", name="Couveuse : contrat CAPE")
    return world


def _check(page, axe, url, status=200):
    page.add_init_script(LISTEN)
    response = page.goto(url)
    assert response is not None and response.status == status, url
    page.wait_for_load_state("networkidle")
    axe(page)
    assert page.evaluate("window.__csp") == []


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/accompagnement/demande/?{ANSWERS}", 200),
        (f"/en/accompagnement/demande/?{ANSWERS}", 200),
        ("/accompagnement/demande/?stage=idea&project=business&commune=69123", 200),  # nobody
        ("/accompagnement/demande/?stage=dream", 400),
    ],
)
def test_request_pages_pass_axe(new_page, axe, world, url, status):
    _check(new_page(), axe, url, status)


def test_follow_pages_pass_axe(new_page, axe, world):
    case = open_case()
    case_take(case_id=case.pk, user=world.advisor)
    page = new_page()
    _check(page, axe, f"/accompagnement/suivi/{case.holder_token}/")
    _check(page, axe, f"/en/accompagnement/suivi/{case.holder_token}/")
    _check(page, axe, f"/accompagnement/suivi/{case.holder_token}/effacer/")


def test_the_form_with_its_errors_then_the_case_opened(new_page, axe, world):
    page = new_page()
    page.add_init_script(LISTEN)
    page.goto(f"/accompagnement/demande/?{ANSWERS}")
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state("networkidle")
    alert = page.get_by_role("alert").first.inner_text()
    assert "Votre accord est nécessaire" in alert and "prénom" in alert
    axe(page)
    page.get_by_label("Prénom ou pseudonyme").fill("Lou")
    page.get_by_label("Adresse électronique").fill("lou@example.org")
    page.get_by_label("J'accepte que mes réponses").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state("networkidle")
    assert "Votre demande est envoyée" in page.content()
    axe(page)
    assert page.evaluate("window.__csp") == []


def _sign_in(page, username):
    page.goto("/comptes/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", "x")
    page.click('main button[type="submit"]')
    page.wait_for_load_state("networkidle")


def test_advisor_and_staff_pages_pass_axe(new_page, axe, world):
    waiting = open_case()
    taken = open_case()
    case_take(case_id=taken.pk, user=world.advisor)
    case_note_add(case_id=taken.pk, user=world.advisor, text="Premier appel\nà rappeler")
    page = new_page()
    _sign_in(page, "conseil")
    _check(page, axe, "/accompagnement/dossiers/")
    _check(page, axe, "/accompagnement/dossiers/?state=new")
    _check(page, axe, f"/accompagnement/dossiers/{waiting.pk}/")
    _check(page, axe, f"/accompagnement/dossiers/{taken.pk}/")  # every form of the taker
    staff = new_page()
    _sign_in(staff, "equipe")
    _check(staff, axe, f"/accompagnement/dossiers/{taken.pk}/")  # with the routing form
    _check(staff, axe, "/accompagnement/statistiques/")


def test_the_flow_without_javascript(nojs_page, world):
    page = nojs_page
    page.goto(f"/accompagnement/demande/?{ANSWERS}")
    page.get_by_label("Prénom ou pseudonyme").fill("Lou")
    page.get_by_label("Téléphone", exact=True).fill("06 11 22 33 44")
    page.get_by_label("par téléphone").check()
    page.get_by_label("J'accepte que mes réponses").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    link = page.locator("#follow-link").get_attribute("href")
    assert re.search(r"/accompagnement/suivi/[^/]+/$", link)
    case = Case.objects.get()
    assert case.phone == "0611223344" and case.contact_way == "phone"
    page.goto(link)
    assert page.locator("#follow-state").inner_text() == "nouveau"
    _sign_in(page, "conseil")
    page.goto(f"/accompagnement/dossiers/{case.pk}/")
    page.get_by_role("button", name="Prendre ce dossier en charge").click()
    assert "Vous avez pris ce dossier en charge." in page.content()
    page.get_by_role("button", name="Passer « en cours d'accompagnement »").click()
    page.locator("#note-text").fill("Rendez-vous le 12")
    page.get_by_role("button", name="Ajouter la note").click()
    page.get_by_label("projet abandonné").check()
    page.get_by_role("button", name="Clore le dossier").last.click()
    assert page.locator("#case-state").inner_text() == "clos"
    assert list(case.events.values_list("kind", flat=True)) == [
        "opened",
        "transition",
        "transition",
        "note",
        "transition",
    ]
