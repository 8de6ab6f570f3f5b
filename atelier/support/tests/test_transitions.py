"""The life of a case: the transitions table, who may do what, every change logged with who,
when, from and to, and a second take that fails cleanly."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from atelier.support.enums import CaseOutcome, CaseState
from atelier.support.models import Case, CaseEvent
from atelier.support.selectors.cases import CaseNotFound
from atelier.support.services.transitions import (
    TRANSITIONS,
    CaseActionError,
    case_close,
    case_next_action_set,
    case_note_add,
    case_reopen,
    case_route_add,
    case_take,
    case_transition,
)

from .factories import SupportStructureFactory, open_case
from .scheme_factories import SchemeFactory

pytestmark = pytest.mark.django_db


def _transitions(case):
    return list(
        CaseEvent.objects.filter(case=case, kind="transition")
        .order_by("at", "pk")
        .values_list("by__username", "from_state", "to_state")
    )


def test_the_table():
    assert TRANSITIONS["new"] == {"taken", "closed"}
    assert TRANSITIONS["taken"] == {"in_progress", "new", "closed"}
    assert TRANSITIONS["in_progress"] == {"closed"}
    assert TRANSITIONS["closed"] == {"in_progress"}


def test_a_whole_journey_is_logged(world):
    case = open_case()
    moment = timezone.now()
    case_take(case_id=case.pk, user=world.advisor, now=moment)
    case_transition(case_id=case.pk, user=world.advisor, to_state="in_progress", text="RDV fixé")
    scheme = SchemeFactory(name="Prêt d'honneur Paris")
    case_close(
        case_id=case.pk,
        user=world.advisor,
        outcome=CaseOutcome.FINANCED,
        scheme_id=scheme.pk,
        amount="8 000,50",
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.outcome == "financed"
    assert case.financed_scheme == scheme and case.financed_amount == Decimal("8000.50")
    assert case.taken_by == world.advisor and case.taken_at == moment
    assert case.closed_at is not None
    assert _transitions(case) == [
        ("conseil", "new", "taken"),
        ("conseil", "taken", "in_progress"),
        ("conseil", "in_progress", "closed"),
    ]
    last = case.events.filter(kind="transition").last()
    assert "Prêt d'honneur Paris" in last.text and "8" in last.text
    case_reopen(case_id=case.pk, user=world.staff, text="Nouvelle étape")
    case.refresh_from_db()
    assert case.state == "in_progress" and case.outcome == "" and case.financed_amount is None
    assert _transitions(case)[-1] == ("equipe", "closed", "in_progress")


def test_a_second_take_fails_cleanly(world):
    case = open_case()
    stale = Case.objects.get(pk=case.pk)  # what a second advisor's page showed
    case_take(case_id=case.pk, user=world.advisor)
    assert stale.state == "new"
    with pytest.raises(CaseActionError, match="déjà « pris en charge » .*conseil"):
        case_take(case_id=stale.pk, user=world.advisor2)
    case.refresh_from_db()
    assert case.taken_by == world.advisor
    assert len(_transitions(case)) == 1


def test_who_may_take(world):
    case = open_case()
    for outsider in (world.advisor_plaine, world.member, world.nobody, world.staff_other):
        with pytest.raises(CaseNotFound):
            case_take(case_id=case.pk, user=outsider)
    case_take(case_id=case.pk, user=world.staff)  # the staff may take too
    assert Case.objects.get(pk=case.pk).taken_by == world.staff


def test_only_the_taker_or_the_staff_change_the_state(world):
    case = open_case()
    case_take(case_id=case.pk, user=world.advisor)
    with pytest.raises(CaseActionError, match="Seul·e la personne"):
        case_transition(case_id=case.pk, user=world.advisor2, to_state="in_progress")
    with pytest.raises(CaseActionError, match="le clôt"):
        case_close(case_id=case.pk, user=world.advisor2, outcome="abandoned")
    case_transition(case_id=case.pk, user=world.staff, to_state="in_progress")
    case_close(case_id=case.pk, user=world.advisor, outcome="unreachable")  # the taker
    with pytest.raises(CaseActionError, match="Seule l'équipe"):
        case_reopen(case_id=case.pk, user=world.advisor)
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_transitions_outside_the_table_are_refused(world):
    case = open_case()
    with pytest.raises(CaseActionError, match="ne peut pas passer"):
        case_transition(case_id=case.pk, user=world.staff, to_state="in_progress")
    case_take(case_id=case.pk, user=world.advisor)
    case_transition(case_id=case.pk, user=world.advisor, to_state="in_progress")
    with pytest.raises(CaseActionError, match="ne peut pas passer"):
        case_transition(case_id=case.pk, user=world.advisor, to_state="new")
    with pytest.raises(CaseActionError, match="inconnu"):
        case_transition(case_id=case.pk, user=world.advisor, to_state="closed")
    with pytest.raises(CaseActionError, match="ne peut pas passer"):
        case_reopen(case_id=case.pk, user=world.staff)
    assert Case.objects.get(pk=case.pk).state == "in_progress"


def test_putting_back_in_the_queue_frees_the_case(world):
    case = open_case()
    case_take(case_id=case.pk, user=world.advisor)
    case_transition(case_id=case.pk, user=world.advisor, to_state="new", text="Pas pour nous")
    case.refresh_from_db()
    assert case.state == "new" and case.taken_by is None and case.taken_at is None
    case_take(case_id=case.pk, user=world.advisor2)
    assert _transitions(case)[-2:] == [("conseil", "taken", "new"), ("conseil2", "new", "taken")]


def test_closing_needs_an_outcome_and_financing_its_scheme_and_amount(world):
    case = open_case()
    with pytest.raises(CaseActionError, match="issue"):
        case_close(case_id=case.pk, user=world.staff, outcome="")
    with pytest.raises(CaseActionError, match="dispositif et le montant"):
        case_close(case_id=case.pk, user=world.staff, outcome="financed", amount="1000")
    scheme = SchemeFactory()
    for amount in ("0", "-5", "abc", "1e12"):
        with pytest.raises(CaseActionError, match="montant"):
            case_close(
                case_id=case.pk, user=world.staff, outcome="financed", scheme_id=scheme.pk,
                amount=amount,
            )  # fmt: skip
    case_close(
        case_id=case.pk, user=world.staff, outcome="redirected", scheme_id=scheme.pk, amount="5"
    )
    case.refresh_from_db()
    assert case.outcome == "redirected" and case.financed_scheme is None
    assert case.financed_amount is None
    assert _transitions(case) == [("equipe", "new", "closed")]


def test_notes_and_next_action(world):
    case = open_case()
    note = case_note_add(case_id=case.pk, user=world.advisor2, text="  Appel sans réponse ")
    assert note.text == "Appel sans réponse" and note.by == world.advisor2 and note.kind == "note"
    with pytest.raises(CaseActionError, match="vide"):
        case_note_add(case_id=case.pk, user=world.advisor, text=" ")
    with pytest.raises(CaseNotFound):
        case_note_add(case_id=case.pk, user=world.advisor_plaine, text="x")
    day = date.today() + timedelta(days=7)
    case_next_action_set(case_id=case.pk, user=world.advisor, on=day, text="Rappeler")
    assert Case.objects.get(pk=case.pk).next_action_on == day
    event = case.events.filter(kind="next_action").get()
    assert "Rappeler" in event.text and event.by == world.advisor
    with pytest.raises(CaseActionError, match="passé"):
        case_next_action_set(case_id=case.pk, user=world.advisor, on=date(2000, 1, 1))
    case_next_action_set(case_id=case.pk, user=world.advisor, on=None)
    assert Case.objects.get(pk=case.pk).next_action_on is None


def test_the_staff_route_to_one_more_structure(world):
    case = open_case()
    with pytest.raises(CaseActionError, match="Seule l'équipe"):
        case_route_add(case_id=case.pk, user=world.advisor, structure_id=world.plaine.pk)
    with pytest.raises(CaseActionError, match="déjà destinataire"):
        case_route_add(case_id=case.pk, user=world.staff, structure_id=world.paris.pk)
    foreign = SupportStructureFactory(network=world.other)
    with pytest.raises(CaseActionError, match="Structure inconnue"):
        case_route_add(case_id=case.pk, user=world.staff, structure_id=foreign.pk)
    case_route_add(case_id=case.pk, user=world.staff, structure_id=world.plaine.pk)
    assert case.routings.filter(structure=world.plaine, routed_by=world.staff).exists()
    case_take(case_id=case.pk, user=world.advisor_plaine)  # now theirs too


def test_an_anonymised_case_does_not_change(world):
    case = open_case()
    Case.objects.filter(pk=case.pk).update(anonymised_at=timezone.now())
    with pytest.raises(CaseActionError, match="anonymisé"):
        case_take(case_id=case.pk, user=world.advisor)
