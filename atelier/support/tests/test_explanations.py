"""Every condition says what it compared, in French: amounts written the French way with
no-break spaces ("40 000 €"), the values of the profile and of the scheme."""

import datetime
from decimal import Decimal

import pytest

from atelier.support.rules.nodes import Bound, Choice, Opening, Overlap, Param, ParamValue
from atelier.support.rules.pie import pie_honour_loan
from atelier.support.rules.texts import euros

from .catalogue_file import CONTEXT, facts

NB = "\u00a0"
START = datetime.date(2021, 11, 4)


def _bound(kind: str, value: int, *, example: bool = False, label: str = "") -> Bound:
    node = Bound("amount_" + kind[:3], kind, Param("p"), label)
    return node.bind({"p": ParamValue("p", Decimal(value), START, example)}, START)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, f"0{NB}€"),
        (950, f"950{NB}€"),
        (5000, f"5{NB}000{NB}€"),
        (40000, f"40{NB}000{NB}€"),
        (1234567, f"1{NB}234{NB}567{NB}€"),
        (Decimal("12.50"), f"12,50{NB}€"),
        (Decimal("30000.00"), f"30{NB}000{NB}€"),
    ],
)
def test_amounts_are_written_the_french_way(value, text):
    assert euros(value) == text


def test_amount_above_the_maximum():
    node = _bound("maximum", 30000)
    f = facts(amount=40000)
    assert not node.test(f)
    assert (
        node.text(f, False, CONTEXT) == f"montant demandé 40{NB}000{NB}€ > maximum 30{NB}000{NB}€"
    )


def test_amount_under_the_minimum():
    node = _bound("minimum", 5000)
    f = facts(amount=4000)
    assert node.text(f, node.test(f), CONTEXT) == (
        f"montant demandé 4{NB}000{NB}€ < minimum 5{NB}000{NB}€"
    )


def test_amount_within_and_not_said():
    node = _bound("maximum", 5000)
    within, unsaid = facts(amount=5000), facts()
    assert node.text(within, node.test(within), CONTEXT) == (
        f"montant demandé 5{NB}000{NB}€ ≤ maximum 5{NB}000{NB}€"
    )
    assert node.test(unsaid)
    assert node.text(unsaid, True, CONTEXT) == f"montant non précisé : maximum 5{NB}000{NB}€"


def test_an_example_value_says_so():
    node = _bound("maximum", 12000, example=True)
    f = facts(amount=6000)
    assert node.text(f, True, CONTEXT) == (
        f"montant demandé 6{NB}000{NB}€ ≤ maximum 12{NB}000{NB}€ "
        "(valeur d'exemple, à fixer par l'opérateur)"
    )
    assert "valeur d'exemple" in node.describe(CONTEXT)


def test_the_takeover_maximum_names_itself():
    (node,) = pie_honour_loan(None)
    values = {
        "montant_maximum": ParamValue("montant_maximum", Decimal(30000), START),
        "montant_maximum_reprise": ParamValue("montant_maximum_reprise", Decimal(60000), START),
    }
    bound = node.bind(values, START)
    creation, takeover = facts(amount=40000), facts(amount=40000, stage="takeover")
    assert bound.text(creation, bound.test(creation), CONTEXT) == (
        f"montant demandé 40{NB}000{NB}€ > maximum 30{NB}000{NB}€"
    )
    assert bound.text(takeover, bound.test(takeover), CONTEXT) == (
        f"montant demandé 40{NB}000{NB}€ ≤ maximum pour une reprise 60{NB}000{NB}€"
    )
    assert bound.describe(CONTEXT) == (
        f"Montant demandé d'au plus 30{NB}000{NB}€ ; pour une reprise : "
        f"Montant demandé d'au plus 60{NB}000{NB}€ (maximum pour une reprise)"
    )


def test_a_missing_parameter_removes_its_condition_for_that_day():
    assert Bound("amount_max", "maximum", Param("montant_maximum")).bind({}, START) is None


def test_choices_name_the_value_and_what_is_accepted():
    node = Choice("stage", "stage", frozenset({"starting", "takeover"}))
    f = facts(stage="idea")
    assert node.text(f, node.test(f), CONTEXT) == (
        f"étape du projet «{NB}j'ai une idée{NB}» : non acceptée (ce dispositif accepte : "
        f"«{NB}je crée mon activité{NB}», «{NB}je reprends une entreprise{NB}»)"
    )


def test_the_perimeter_names_the_commune_and_the_territory():
    node = Overlap("perimeter", "territory", frozenset({"departement:75"}))
    inside, outside = facts(commune="75119"), facts(commune="93066")
    assert node.text(inside, node.test(inside), CONTEXT) == (
        "Paris 19e Arrondissement : dans le périmètre du dispositif (Paris (75))"
    )
    assert node.text(outside, node.test(outside), CONTEXT) == (
        "Saint-Denis : hors du périmètre du dispositif (Paris (75))"
    )


def test_opening_dates_are_french_dates():
    node = Opening("opening", datetime.date(2026, 3, 1), datetime.date(2026, 6, 30))
    early = node.bind({}, datetime.date(2026, 2, 1))
    assert not early.test(facts())
    assert early.text(facts(), False, CONTEXT) == (
        "ouvert à partir du 1 mars 2026 (date d'évaluation : 1 février 2026)"
    )
