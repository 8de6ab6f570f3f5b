"""The issue's done-when scenario: an RSA recipient in Paris 19e (commune 75119) wanting
4,000 € to start a catering micro-business sees ADIE first, with its explanation, and PIE as
not eligible under its 5,000 € minimum, explained."""

import datetime

import pytest

from atelier.support.enums import LegalForm, Project, Situation, Stage
from atelier.support.profile import Profile
from atelier.support.selectors.orientation import orient

pytestmark = pytest.mark.django_db
NB = "\u00a0"

PROFILE = Profile(
    stage=Stage.STARTING,
    project=Project.BUSINESS,
    commune="75119",
    legal_form=LegalForm.MICRO,
    amount=4000,
    situations=frozenset({Situation.RSA}),
    sector="I",
    on=datetime.date(2026, 1, 15),
)


def test_rsa_recipient_in_paris_19e_sees_adie_first_and_pie_explained(catalogue):
    answers = orient(PROFILE)
    first = answers[0]
    assert first.slug == "adie-microcredit-paris" and first.eligible and first.rank == 1
    assert first.operator == "Association pour le droit à l'initiative économique"
    texts = [c.text for c in first.checks]
    assert "allocataire du RSA à Paris : oui" in texts
    assert f"montant demandé 4{NB}000{NB}€ ≤ maximum 5{NB}000{NB}€" in texts
    assert "s'adresse à votre situation : «\u00a0allocataire du RSA\u00a0»" in first.reasons

    pie = next(a for a in answers if a.slug == "pie-pret-honneur")
    assert not pie.eligible
    assert [(c.code, c.text) for c in pie.failed] == [
        ("amount_min", f"montant demandé 4{NB}000{NB}€ < minimum 5{NB}000{NB}€")
    ]
    assert answers.index(pie) > max(i for i, a in enumerate(answers) if a.eligible)


def test_the_same_scenario_through_the_api(catalogue, client):
    body = {
        "stage": "starting",
        "project": "business",
        "commune": "75119",
        "legal_form": "micro",
        "amount": 4000,
        "situations": ["rsa"],
        "sector": "I",
        "on": "2026-01-15",
    }
    response = client.post("/api/v1/orientation", body, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["commune"] == {"code": "75119", "name": "Paris 19e Arrondissement"}
    assert data["results"][0]["slug"] == "adie-microcredit-paris"
    pie = next(r for r in data["results"] if r["slug"] == "pie-pret-honneur")
    assert pie["eligible"] is False and pie["failed"] == ["amount_min"]
    failed = [c["text"] for c in pie["checks"] if not c["held"]]
    assert failed == [f"montant demandé 4{NB}000{NB}€ < minimum 5{NB}000{NB}€"]
