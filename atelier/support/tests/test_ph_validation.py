"""Premières heures: what the services refuse, with which French message, and that nothing
is half-written (the database constraints behind them too)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from atelier.support.models import Beneficiary, Contract, MonthlyHours
from atelier.support.services.insertion import (
    beneficiary_create,
    contract_create,
    contract_update,
    hours_record,
)
from atelier.support.tests.ph_factories import TODAY, make_structure, person

pytestmark = pytest.mark.django_db
MARCH = date(2025, 3, 1)


def message(exc_info, field):
    return " ".join(exc_info.value.message_dict[field])


@pytest.fixture
def structure():
    return make_structure()


def test_hours_outside_0_744_are_refused(structure):
    b = person(structure, "PH-1", date(2025, 1, 1))
    for bad in (745, -1, 10_000):
        with pytest.raises(ValidationError) as exc:
            hours_record(user=None, beneficiary=b, month=MARCH, hours=bad, today=TODAY)
        assert "compris entre 0 et 744 (31 jours × 24 h)" in message(exc, "hours")
    for good in (0, 744):
        hours_record(user=None, beneficiary=b, month=MARCH, hours=good, today=TODAY)
    assert MonthlyHours.objects.get().hours == 744  # one row per contract and month, corrected


def test_the_total_of_a_month_over_two_contracts_stays_within_744(structure):
    b = person(structure, "PH-1", date(2025, 1, 1), end=date(2025, 3, 10), outcome="other")
    hours_record(user=None, beneficiary=b, month=MARCH, hours=700, today=TODAY)
    second = contract_create(user=None, beneficiary=b, start=date(2025, 3, 11), today=TODAY)
    with pytest.raises(ValidationError) as exc:
        hours_record(user=None, beneficiary=b, month=MARCH, hours=50, contract=second, today=TODAY)
    assert "Avec les 700 h déjà saisies pour mars 2025 sur un autre contrat" in message(
        exc, "hours"
    )
    with pytest.raises(ValidationError) as exc:
        hours_record(user=None, beneficiary=b, month=MARCH, hours=5, today=TODAY)
    assert "Deux contrats couvrent mars 2025" in message(exc, "contract")


def test_hours_outside_the_contract_months_are_refused(structure):
    b = person(structure, "PH-1", date(2025, 2, 10), end=date(2025, 4, 2), outcome="training")
    with pytest.raises(ValidationError) as exc:
        hours_record(user=None, beneficiary=b, month=date(2025, 1, 1), hours=3, today=TODAY)
    assert "PH-1 n'a pas de contrat en janvier 2025" in message(exc, "month")
    with pytest.raises(ValidationError) as exc:
        hours_record(user=None, beneficiary=b, month=date(2025, 5, 1), hours=3, today=TODAY)
    assert "mai 2025" in message(exc, "month")
    contract = b.contracts.get()
    with pytest.raises(ValidationError) as exc:
        hours_record(
            user=None,
            beneficiary=b,
            month=date(2025, 5, 1),
            hours=3,
            contract=contract,
            today=TODAY,
        )
    assert "mai 2025 est hors du contrat (du 10/02/2025 au 02/04/2025)" in message(exc, "month")
    # The months of entry and exit are months of the contract, whatever the day.
    hours_record(user=None, beneficiary=b, month=date(2025, 2, 1), hours=3, today=TODAY)
    hours_record(user=None, beneficiary=b, month=date(2025, 4, 1), hours=3, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        hours_record(user=None, beneficiary=b, month=date(2025, 7, 1), hours=3, today=TODAY)
    assert "juillet 2025 n'a pas commencé" in message(exc, "month")
    assert MonthlyHours.objects.count() == 2


def test_an_exit_before_the_entry_is_refused(structure):
    b = beneficiary_create(structure=structure, reference="PH-1")
    with pytest.raises(ValidationError) as exc:
        contract_create(
            user=None,
            beneficiary=b,
            start=date(2025, 3, 10),
            end=date(2025, 3, 2),
            outcome="employment",
            today=TODAY,
        )
    assert message(exc, "end") == (
        "La date de sortie (02/03/2025) précède la date d'entrée (10/03/2025)."
    )
    assert not Contract.objects.exists()


def test_an_exit_needs_its_outcome_and_only_an_exit_has_one(structure):
    b = beneficiary_create(structure=structure, reference="PH-1")
    with pytest.raises(ValidationError) as exc:
        contract_create(user=None, beneficiary=b, start=MARCH, end=date(2025, 3, 30), today=TODAY)
    assert "Précisez l'issue de la sortie" in message(exc, "outcome")
    with pytest.raises(ValidationError) as exc:
        contract_create(user=None, beneficiary=b, start=MARCH, outcome="employment", today=TODAY)
    assert "L'issue se renseigne avec la date de sortie." in message(exc, "outcome")
    with pytest.raises(ValidationError) as exc:
        contract_create(
            user=None,
            beneficiary=b,
            start=MARCH,
            end=date(2025, 7, 1),
            outcome="other",
            today=TODAY,
        )
    assert "est dans le futur" in message(exc, "end")


def test_contracts_of_a_beneficiary_do_not_overlap(structure):
    b = person(structure, "PH-1", date(2025, 1, 1), end=date(2025, 3, 31), outcome="other")
    for start, end in [
        (date(2025, 3, 31), None),  # starts on the exit day
        (date(2024, 12, 1), date(2025, 1, 1)),  # ends on the entry day
        (date(2025, 2, 1), date(2025, 2, 15)),  # inside
        (date(2024, 6, 1), None),  # open, from before
    ]:
        with pytest.raises(ValidationError) as exc:
            contract_create(
                user=None,
                beneficiary=b,
                start=start,
                end=end,
                outcome="other" if end else "",
                today=TODAY,
            )
        assert message(exc, "start") == (
            "Ce contrat chevaucherait celui de PH-1 du 01/01/2025 au 31/03/2025 : les contrats "
            "d'une même personne se suivent sans se chevaucher."
        )
    contract_create(user=None, beneficiary=b, start=date(2025, 4, 1), today=TODAY)
    assert b.contracts.count() == 2
    # Another person's contracts are no obstacle.
    person(structure, "PH-2", date(2025, 1, 1))


def test_a_contract_change_keeps_its_hours_inside(structure):
    b = person(structure, "PH-1", date(2025, 1, 1), hours={MARCH: 10})
    contract = b.contracts.get()
    with pytest.raises(ValidationError) as exc:
        contract_update(
            user=None,
            contract=contract,
            start=contract.start,
            end=date(2025, 2, 20),
            outcome="employment",
            today=TODAY,
        )
    assert "Des heures sont saisies pour mars 2025" in message(exc, "end")
    contract.refresh_from_db()
    assert contract.end is None and contract.outcome == ""
    contract_update(
        user=None,
        contract=contract,
        start=contract.start,
        end=date(2025, 3, 20),
        outcome="employment",
        today=TODAY,
    )
    contract.refresh_from_db()
    assert (contract.end, contract.outcome) == (date(2025, 3, 20), "employment")


def test_a_reference_is_pseudonymous_and_unique_in_its_structure(structure):
    beneficiary_create(structure=structure, reference="PH-1")
    for bad, expected in [
        ("  ", "Donnez une référence"),
        ("ph-1", "déjà prise"),
        ("jean.dupont@example.org", "pseudonyme"),
        ("1 84 12 75 123 456 78".replace(" ", ""), "pseudonyme"),
        ("x" * 41, "40 caractères"),
    ]:
        with pytest.raises(ValidationError) as exc:
            beneficiary_create(structure=structure, reference=bad)
        assert expected in message(exc, "reference")
    other = make_structure(network_slug="autre", name="Chantier Beta")
    beneficiary_create(structure=other, reference="PH-1")
    assert Beneficiary.objects.count() == 2


def test_the_database_refuses_what_the_services_refuse(structure):
    b = person(structure, "PH-1", date(2025, 1, 1), hours={MARCH: 10})
    contract = b.contracts.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyHours.objects.filter(pk=contract.hours.get().pk).update(hours=745)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyHours.objects.create(contract=contract, month=MARCH, hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(end=date(2024, 12, 1), outcome="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(end=date(2025, 5, 1))  # no outcome
