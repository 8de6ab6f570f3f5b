"""Premières heures: the amount due per beneficiary and month (the pure rule), and the monthly
statement of a structure read from the database (entries, exits, bonus, dated parameters)."""

from datetime import date
from decimal import Decimal

import pytest

from atelier.support.enums import ExitOutcome
from atelier.support.selectors.parameters import ParameterValue
from atelier.support.selectors.ph_statement import structure_statement
from atelier.support.selectors.premieres_heures import (
    PARAMETERS,
    ContractExit,
    ParametersMissing,
    PHParameters,
    euros,
    line_compute,
    ph_parameters_at,
)
from atelier.support.tests.ph_factories import make_structure, parameter_set, person, seed

MARCH = date(2025, 3, 1)


def params(**overrides: str) -> PHParameters:
    """The seed values (forfait 100, tiers 5–22 → 150 and 23–72 → 300, bonus 500)."""
    values = {}
    for spec in PARAMETERS:
        value = Decimal(overrides.get(spec.name, spec.seed_value))
        values[spec.name] = ParameterValue(
            spec.name, value, date(2010, 1, 1), spec.seed_is_example, ""
        )
    return PHParameters(month=MARCH, values=values)


NBSP = "\u00a0"


FLAT = "forfait mensuel 1 h ou plus (100,00 €)"
TIER_1 = "palier 5–22 h (150,00 €)"
TIER_2 = "palier 23–72 h (300,00 €)"
NO_TIER = "moins de 5 h, pas de palier"


@pytest.mark.parametrize(
    ("hours", "flat", "tier", "tier_amount", "explanation"),
    [
        (
            0,
            "0.00",
            0,
            "0.00",
            "0 h travaillée : aucun montant ; moins de 1 h dans le mois, "
            "pas de forfait. Total : 0,00 €.",
        ),
        (1, "100.00", 0, "0.00", f"1 h travaillée : {FLAT} ; {NO_TIER}. Total : 100,00 €."),
        (4, "100.00", 0, "0.00", f"4 h travaillées : {FLAT} ; {NO_TIER}. Total : 100,00 €."),
        (5, "100.00", 1, "150.00", f"5 h travaillées : {FLAT} + {TIER_1}. Total : 250,00 €."),
        (12, "100.00", 1, "150.00", f"12 h travaillées : {FLAT} + {TIER_1}. Total : 250,00 €."),
        (22, "100.00", 1, "150.00", f"22 h travaillées : {FLAT} + {TIER_1}. Total : 250,00 €."),
        (23, "100.00", 2, "300.00", f"23 h travaillées : {FLAT} + {TIER_2}. Total : 400,00 €."),
        (72, "100.00", 2, "300.00", f"72 h travaillées : {FLAT} + {TIER_2}. Total : 400,00 €."),
        (
            73,
            "100.00",
            0,
            "0.00",
            f"73 h travaillées : {FLAT} ; au-delà de 72 h, aucun palier. Total : 100,00 €.",
        ),
    ],
)
def test_the_amount_by_hours_worked(hours, flat, tier, tier_amount, explanation):
    line = line_compute(hours, [], params())
    assert line.flat_amount == Decimal(flat)
    assert line.tier == tier
    assert line.tier_amount == Decimal(tier_amount)
    assert line.bonus_amount == Decimal("0.00")
    assert line.total == Decimal(flat) + Decimal(tier_amount)
    assert line.explanation.replace(NBSP, " ") == explanation
    assert line.uses_examples == (line.total > 0)  # the seed's amounts are examples


def test_reasons_of_each_part():
    line = line_compute(73, [], params())
    assert line.flat_reason == "au moins 1 h travaillée dans le mois"
    assert line.tier_label == "" and line.tier_reason == "au-delà de 72 h, aucun palier"
    assert line.bonus_reason == "aucune sortie dans le mois, pas de prime"
    line = line_compute(0, [], params())
    assert line.tier_reason == "pas de forfait, donc pas de palier"
    line = line_compute(30, [], params())
    assert (
        line.tier_label == "palier 23–72 h" and line.tier_reason == "30 h, dans le palier 23–72 h"
    )


def test_the_bonus_on_exit_to_employment_or_training_only():
    line = line_compute(10, [ContractExit(date(2025, 3, 20), ExitOutcome.EMPLOYMENT)], params())
    assert line.bonus_amount == Decimal("500.00") and line.total == Decimal("750.00")
    assert "prime de sortie le 20/03/2025 (retour à l'emploi) (500,00" in line.explanation
    training = line_compute(0, [ContractExit(date(2025, 3, 2), ExitOutcome.TRAINING)], params())
    assert training.total == Decimal("500.00")  # the bonus needs no hours in the exit month
    assert "entrée en formation" in training.bonus_reason
    other = line_compute(10, [ContractExit(date(2025, 3, 20), ExitOutcome.OTHER)], params())
    assert other.bonus_amount == Decimal("0.00")
    assert "sortie le 20/03/2025 (autre sortie ou sans solution), pas de prime" in other.explanation


def test_thresholds_and_amounts_are_parameters():
    p = params(seuil_forfait="2", palier_1_min="6", palier_1_max="20", palier_2_min="24")
    assert line_compute(1, [], p).total == Decimal("0.00")
    assert line_compute(5, [], p).tier == 0
    between = line_compute(22, [], p)
    assert between.tier == 0
    assert between.tier_reason == "22 h, entre le palier 6–20 h et le palier 24–72 h : aucun palier"
    assert line_compute(24, [], params(palier_2_montant="299.99")).total == Decimal("399.99")
    line = line_compute(3, [], params(forfait_mensuel="1234.5"))
    assert euros(line.total).replace(NBSP, " ") == "1 234,50 €"


@pytest.mark.django_db
def test_the_statement_of_a_month(django_user_model):
    seed()
    structure = make_structure()
    person(structure, "PH-B", date(2025, 1, 6), hours={date(2025, 2, 1): 30, MARCH: 12})
    person(
        structure,
        "PH-A",
        date(2025, 2, 1),
        end=date(2025, 3, 20),
        outcome=ExitOutcome.EMPLOYMENT,
        hours={MARCH: 40},
    )
    person(structure, "PH-C", date(2025, 3, 10), hours={MARCH: 3})
    person(structure, "PH-D", date(2025, 1, 1), end=date(2025, 2, 28), outcome="other")
    person(structure, "PH-E", date(2025, 3, 3))  # no hours entered: 0 h
    statement = structure_statement(structure.pk, date(2025, 3, 17))
    assert statement.month == MARCH and statement.month_label == "mars 2025"
    assert [line.reference for line in statement.lines] == ["PH-A", "PH-B", "PH-C", "PH-E"]
    a, b, c, e = statement.lines
    assert (a.hours, a.amounts.total) == (40, Decimal("900.00"))  # 100 + 300 + 500
    assert a.exits == (ContractExit(date(2025, 3, 20), "employment"),) and a.entries == ()
    assert (b.hours, b.amounts.total) == (12, Decimal("250.00"))
    assert c.entries == (date(2025, 3, 10),) and c.amounts.total == Decimal("100.00")
    assert (e.hours, e.amounts.total) == (0, Decimal("0.00"))
    assert statement.total == Decimal("1250.00")
    assert (statement.flat_total, statement.tier_total, statement.bonus_total) == (
        Decimal("300.00"),
        Decimal("450.00"),
        Decimal("500.00"),
    )
    assert (statement.hours, statement.entries, statement.exits) == (55, 2, 1)
    assert statement.has_examples
    used = {p.name: p for p in statement.parameters}
    assert used["forfait_mensuel"].is_example and not used["palier_1_min"].is_example
    assert used["palier_2_max"].value == Decimal(72) and used["palier_2_max"].start == date(
        2010, 1, 1
    )


@pytest.mark.django_db
def test_two_contracts_in_one_month_make_one_line():
    seed()
    structure = make_structure()
    b = person(
        structure,
        "PH-1",
        date(2025, 1, 1),
        end=date(2025, 3, 9),
        outcome="other",
        hours={MARCH: 4},
    )
    from atelier.support.services.insertion import contract_create, hours_record
    from atelier.support.tests.ph_factories import TODAY

    second = contract_create(user=None, beneficiary=b, start=date(2025, 3, 16), today=TODAY)
    hours_record(user=None, beneficiary=b, month=MARCH, hours=2, contract=second, today=TODAY)
    statement = structure_statement(structure.pk, MARCH)
    (line,) = statement.lines
    assert line.hours == 6 and line.entries == (date(2025, 3, 16),) and len(line.exits) == 1
    assert line.amounts.tier == 1 and line.amounts.total == Decimal("250.00")


@pytest.mark.django_db
def test_a_parameter_changed_on_a_date_leaves_earlier_statements_unchanged():
    seed()
    structure = make_structure()
    person(structure, "PH-1", date(2025, 1, 1), hours={MARCH: 12, date(2025, 4, 1): 12})
    march_before = structure_statement(structure.pk, MARCH)
    parameter_set("palier_1_montant", date(2025, 4, 1), "175.00")
    parameter_set("palier_1_max", date(2025, 4, 1), "10")  # 12 h no longer in tier 1 in April
    parameter_set("palier_2_min", date(2025, 4, 1), "11")
    march_after = structure_statement(structure.pk, MARCH)
    assert march_after == march_before
    assert march_after.total == Decimal("250.00")
    april = structure_statement(structure.pk, date(2025, 4, 1))
    assert april.lines[0].amounts.tier == 2 and april.total == Decimal("400.00")
    parameter_set("palier_2_montant", date(2025, 4, 15), "1.00")  # mid-month: from May on
    assert structure_statement(structure.pk, date(2025, 4, 1)).total == Decimal("400.00")
    used = {p.name: p for p in april.parameters}
    assert used["palier_1_max"].start == date(2025, 4, 1) and not used["palier_1_max"].is_example


@pytest.mark.django_db
def test_a_month_without_parameters_is_a_clear_error():
    with pytest.raises(ParametersMissing, match="pas au catalogue"):
        ph_parameters_at(MARCH)
    seed()
    with pytest.raises(ParametersMissing, match="Aucune valeur en vigueur le 01/12/2009"):
        ph_parameters_at(date(2009, 12, 1))
