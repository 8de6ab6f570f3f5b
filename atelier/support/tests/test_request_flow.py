"""The flow end to end: the questionnaire's answers → "ask for support" → consent and contact
→ case opened → private link shown → the holder follows it → an advisor takes the case → the
holder sees it taken; and the holder withdraws it."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from atelier.support.models import Case
from atelier.support.selectors.case_request import case_request_url

from .factories import profile
from .scheme_factories import SchemeFactory

pytestmark = pytest.mark.django_db

ANSWERS = "stage=idea&project=business&commune=75119&needs=advice&amount=3000"


def _request_url(extra=""):
    return reverse("support:case-request") + "?" + ANSWERS + extra


def test_the_page_shows_the_answers_and_who_will_receive_them(client, world):
    SchemeFactory(slug="cape", name="Couveuse : contrat CAPE")
    response = client.get(_request_url("&schemes=cape&schemes=inconnu"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Paris 19e Arrondissement" in body and "j&#x27;ai une idée" in body
    assert "3\u202f000 €" in body
    schemes = re.search(r'<ul id="request-schemes">(.*?)</ul>', body, re.S).group(1)
    assert "Couveuse : contrat CAPE" in schemes and "inconnu" not in schemes
    assert "Couveuse de Paris" in body and "Maison de Plaine" not in body
    assert 'name="consent"' in body and "anonymisées 365 jours" in body


def test_wrong_answers_are_explained(client, world):
    response = client.get(reverse("support:case-request") + "?stage=dream&commune=1")
    assert response.status_code == 400
    body = response.content.decode()
    assert "valeur inconnue « dream »" in body and "réponse manquante" in body
    assert not Case.objects.exists()


def test_nobody_covers_the_request(client, world):
    url = reverse("support:case-request") + "?stage=idea&project=business&commune=69123"
    response = client.get(url)
    assert response.status_code == 200 and 'name="consent"' not in response.content.decode()
    response = client.post(url, {"first_name": "Lou", "email": "lou@example.org", "consent": "on"})
    assert not Case.objects.exists()


def test_without_consent_nothing_is_sent(client, world):
    response = client.post(_request_url(), {"first_name": "Lou", "email": "lou@example.org"})
    assert response.status_code == 400
    assert "Votre accord est nécessaire" in response.content.decode()
    assert not Case.objects.exists() and mail.outbox == []


def test_contact_errors_are_shown_on_their_fields(client, world):
    response = client.post(_request_url(), {"first_name": "", "email": "x@", "consent": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "prénom ou un pseudonyme" in body and "n&#x27;est pas une adresse" in body
    assert 'aria-invalid="true"' in body
    assert not Case.objects.exists()


def test_the_whole_flow(client, world, django_capture_on_commit_callbacks):
    page = client.get(_request_url())
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _request_url(),
            {"first_name": "Lou", "phone": "06 11 22 33 44", "contact_way": "phone",
             "consent": "on"},
        )  # fmt: skip
    assert response.status_code == 201
    assert response["Referrer-Policy"] == "no-referrer"
    body = response.content.decode()
    case = Case.objects.get()
    assert case.reference in body and "Couveuse de Paris" in body
    link = re.search(r'id="follow-link" href="([^"]+)"', body).group(1)
    assert link.startswith("http://testserver/accompagnement/suivi/")
    assert case.phone == "0611223344" and case.email == "" and case.contact_way == "phone"
    assert [m.bcc for m in mail.outbox] == [["conseil2@example.org", "conseil@example.org"]]
    # The holder follows the case through the link, without an account.
    follow = client.get(link)
    assert follow.status_code == 200 and "nouveau" in follow.content.decode()
    # An advisor of the structure takes it from their list.
    client.force_login(world.advisor)
    listing = client.get(reverse("support:case-list")).content.decode()
    assert case.reference in listing
    detail = client.get(reverse("support:case-detail", args=[case.pk])).content.decode()
    assert 'id="case-take"' in detail and "06" in detail
    taken = client.post(reverse("support:case-take", args=[case.pk]), follow=True)
    assert "Vous avez pris ce dossier en charge." in taken.content.decode()
    client.force_login(world.advisor2)
    again = client.post(reverse("support:case-take", args=[case.pk]), follow=True)
    assert "déjà « pris en charge » (pris en charge par conseil)" in again.content.decode()
    client.logout()
    follow = client.get(link).content.decode()
    assert 'id="follow-state">pris en charge<' in follow
    assert "conseil" not in follow  # the holder does not see who


def test_the_holder_withdraws_the_request(client, world):
    page = client.post(
        _request_url(), {"first_name": "Lou", "email": "lou@example.org", "consent": "on"}
    )
    case = Case.objects.get()
    token_link = re.search(r"/accompagnement/suivi/([^/]+)/", page.content.decode()).group(1)
    erase = reverse("support:case-follow-erase", args=[token_link])
    assert client.get(erase).status_code == 200
    assert client.post(erase, {}).status_code == 400
    response = client.post(erase, {"confirm": "yes"})
    assert response.status_code == 200 and "retirée" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "closed" and case.outcome == "abandoned" and case.email == ""
    assert client.get(reverse("support:case-follow", args=[token_link])).status_code == 404


def test_case_request_url_round_trips(client, world):
    url = case_request_url(profile(amount=3000), ["cape"])
    assert url.startswith("/accompagnement/demande/?stage=idea&project=business&commune=75119")
    assert "schemes=cape" in url
    assert client.get(url).status_code == 200


def test_the_english_page(client, world):
    response = client.get("/en" + _request_url())
    assert response.status_code == 200


def test_a_case_whose_answers_no_longer_parse_still_shows(client, world):
    from .factories import open_case

    case = open_case()
    Case.objects.filter(pk=case.pk).update(profile={"stage": "ancienne-valeur", "needs": ["x"]})
    client.force_login(world.advisor)
    body = client.get(reverse("support:case-detail", args=[case.pk])).content.decode()
    assert "ancienne-valeur" in body
    assert client.get(reverse("support:case-follow", args=[case.holder_token])).status_code == 200


def test_the_list_shows_open_cases_first(client, world):
    from atelier.support.services.transitions import case_close

    from .factories import open_case

    closed = open_case()
    case_close(case_id=closed.pk, user=world.staff, outcome="abandoned")
    waiting = open_case()
    client.force_login(world.advisor)
    body = client.get(reverse("support:case-list")).content.decode()
    assert waiting.reference in body and closed.reference not in body
    assert '<option value="open" selected>' in body
    body = client.get(reverse("support:case-list") + "?state=").content.decode()
    assert closed.reference in body
    body = client.get(reverse("support:case-list") + "?state=closed&mine=on").content.decode()
    assert closed.reference not in body
