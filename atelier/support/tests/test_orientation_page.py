"""/orientation/: the questionnaire (a GET form: its address is the shareable link), the place
typed resolved to a commune (choices when it is ambiguous, a clear error when unknown), the
ranked results with their explanations, the structures, and the link to ask for support."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from atelier.territories.tests.factories import PostalCodeFactory

pytestmark = pytest.mark.django_db
NB = "\u00a0"
URL = reverse("support:orientation")
ANSWERS = {
    "lieu": "Paris 19e",
    "stage": "starting",
    "project": "business",
    "legal_form": "micro",
    "amount": "4000",
    "situations": "rsa",
    "sector": "I",
    "needs": "financing",
}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_blank_questionnaire_asks_every_question(client, catalogue):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("lieu", "stage", "project", "legal_form", "amount", "situations", "sector"):
        assert f'name="{name}"' in html, name
    assert "<legend>Où en est votre projet ?</legend>" in html  # radio groups in fieldsets
    assert 'method="get"' in html
    assert "Vos résultats" not in html


def test_rsa_recipient_in_paris_19e_sees_adie_first_and_pie_explained(client, catalogue):
    response = client.get(URL, ANSWERS)
    assert response.status_code == 200
    eligible = response.context["eligible"]
    assert eligible[0].slug == "adie-microcredit-paris"
    assert response.context["profile"].commune == "75119"
    pie = next(a for a in response.context["others"] if a.slug == "pie-pret-honneur")
    failed = f"montant demandé 4{NB}000{NB}€ < minimum 5{NB}000{NB}€"
    assert [c.text for c in pie.failed] == [failed]
    text = _text(response)
    assert text.index("Microcrédit ADIE pour les allocataires parisiens du RSA") < text.index(
        "Les autres dispositifs"
    )
    assert f"montant demandé 4{NB}000{NB}€ &lt; minimum 5{NB}000{NB}€" in response.content.decode()


def test_the_share_link_is_the_page_and_holds_no_contact(client, catalogue):
    response = client.get(URL, ANSWERS)
    share = urlsplit(response.context["share_url"])
    assert share.path == URL
    assert set(parse_qs(share.query)) == set(ANSWERS)
    again = client.get(share.path + "?" + share.query)
    assert [a.slug for a in again.context["eligible"]] == [
        a.slug for a in response.context["eligible"]
    ]


def test_the_request_link_carries_the_answers_and_the_eligible_schemes(client, catalogue):
    response = client.get(URL, ANSWERS)
    link = urlsplit(response.context["request_url"])
    assert link.path == reverse("support:case-request")
    params = parse_qs(link.query)
    assert params["commune"] == ["75119"] and params["amount"] == ["4000"]
    assert params["schemes"] == [a.slug for a in response.context["eligible"]]
    assert "lieu" not in params  # the page's own field, not an answer
    followed = client.get(response.context["request_url"])
    assert followed.status_code == 200


def test_an_ambiguous_place_offers_its_communes(client, catalogue):
    response = client.get(URL, {**ANSWERS, "lieu": "Paris"})
    assert response.status_code == 400
    choices = dict(response.context["form"].fields["commune"].choices)
    assert "75056" in choices and "75119" in choices
    assert "Plusieurs communes correspondent à « Paris »" in response.content.decode()
    chosen = client.get(URL, {**ANSWERS, "lieu": "Paris", "commune": "75119"})
    assert chosen.status_code == 200
    assert chosen.context["profile"].commune == "75119"


def test_a_postcode_is_its_arrondissement(client, catalogue):
    PostalCodeFactory(code="75019", commune=catalogue["arr19"])
    response = client.get(URL, {**ANSWERS, "lieu": "75019"})
    assert response.status_code == 200
    assert response.context["profile"].commune == "75119"


def test_an_unknown_place_is_a_clear_error_and_keeps_the_answers(client, catalogue):
    response = client.get(URL, {**ANSWERS, "lieu": "Trifouilly"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Aucune commune ne correspond à « Trifouilly »" in html
    assert 'value="4000"' in html  # nothing the holder typed is lost
    assert "Vos résultats" not in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "-5", "supérieure ou égale à 0"),
        ("amount", "beaucoup", "Saisissez un nombre entier"),
        ("stage", "retraite", "Sélectionnez un choix valide"),
        ("situations", "astronaute", "Sélectionnez un choix valide"),
    ],
)
def test_bad_answers_are_refused_beside_their_field(client, catalogue, field, value, message):
    response = client.get(URL, {**ANSWERS, field: value})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])


def test_a_siret_prefills_the_questionnaire_from_the_atlas(client, catalogue):
    from atelier.support.tests.test_prefill import _org, _siren

    siren = _siren("48234567")
    org = _org(catalogue, siren=siren, name="Amis du quartier", band="03")
    siret = org.establishments.get().siret
    response = client.get(URL, {"siret": siret})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["legal_form"] == "association" and form.initial["sector"] == "Q"
    assert form.initial["lieu"] == "75120" and form.initial["headcount_band"] == "03"
    assert "Réponses pré-remplies depuis la fiche de l'Atlas de Amis du quartier" in (
        response.content.decode()
    )
    # The pre-filled answers, sent with the holder's own, keep the structure's headcount band.
    answered = client.get(
        URL,
        {
            "lieu": "75120",
            "commune": "75120",
            "stage": "established",
            "project": "association_employer",
            "legal_form": "association",
            "headcount_band": "03",
        },
    )
    assert answered.status_code == 200
    assert answered.context["profile"].headcount_band == "03"
    assert answered.context["profile"].commune == "75120"


def test_a_wrong_siret_says_why_and_leaves_the_questionnaire_blank(client, catalogue):
    response = client.get(URL, {"siret": "123"})
    assert response.status_code == 200
    assert response.context["prefill_error"]
    assert response.context["form"].initial == {}
    assert 'role="alert"' in response.content.decode()
