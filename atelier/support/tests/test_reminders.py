"""Reminders: each threshold of SUPPORT_REMINDER_DAYS exactly once, to the advisors first, to
the network's staff at the last one; for cases not taken and for cases without action."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from atelier.support.models import Case, CaseEvent, CaseReminder, StructureAdvisor
from atelier.support.services.reminders import reminders_send
from atelier.support.services.transitions import (
    case_close,
    case_next_action_set,
    case_note_add,
    case_take,
)

from .factories import age, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """reminders_send at `days` after now, the e-mails sent (on commit) collected."""

    def go(days):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            report = reminders_send(now=timezone.now() + timedelta(days=days))
        return report, list(mail.outbox)

    return go


def _recipients(messages):
    return [sorted(m.bcc) for m in messages]


ADVISORS = ["conseil2@example.org", "conseil@example.org"]
STAFF = ["equipe@example.org"]


def test_a_case_not_taken_at_each_threshold_exactly_once(world, run):
    case = open_case()
    assert run(8.9)[0].sent == 0
    report, sent = run(9.1)
    assert report.sent == 1 and report.escalated == 0
    assert _recipients(sent) == [ADVISORS]
    assert case.reference in sent[0].subject and "9 jours" in sent[0].subject
    assert "camille" not in sent[0].body.lower()  # no personal data in the e-mail
    assert run(9.5)[0].sent == 0  # the daily run again: nothing twice
    assert run(20)[0].sent == 0
    report, sent = run(21.2)
    assert report.sent == 1 and _recipients(sent) == [ADVISORS]
    report, sent = run(45.3)
    assert report.sent == 1 and report.escalated == 1
    assert _recipients(sent) == [STAFF]  # escalated to the network's staff
    assert "équipe du réseau" in sent[0].body
    assert run(90)[0].sent == 0
    rows = list(
        CaseReminder.objects.filter(case=case).values_list("kind", "threshold", "escalated")
    )
    assert rows == [("not_taken", 9, False), ("not_taken", 21, False), ("not_taken", 45, True)]
    assert CaseEvent.objects.filter(case=case, kind="reminder").count() == 3


def test_when_the_run_comes_late_only_the_latest_threshold_is_sent(world, run):
    case = open_case()
    report, sent = run(30)
    assert (report.sent, report.skipped) == (1, 1)
    assert len(sent) == 1 and "21 jours" in sent[0].subject
    assert list(
        CaseReminder.objects.filter(case=case)
        .order_by("threshold")
        .values_list("threshold", "sent")
    ) == [(9, False), (21, True)]


def test_a_case_taken_without_action(world, run):
    case = open_case()
    case_take(case_id=case.pk, user=world.advisor)
    report, sent = run(9.1)
    assert report.sent == 1 and _recipients(sent) == [["conseil@example.org"]]  # the taker
    assert CaseReminder.objects.get(case=case).kind == "no_action"
    # Any action by a person starts a new silence: its own thresholds.
    later = timezone.now() + timedelta(days=10)
    note = case_note_add(case_id=case.pk, user=world.advisor, text="Appelé", now=later)
    assert run(18)[0].sent == 0
    report, sent = run(19.2)
    assert report.sent == 1
    assert CaseReminder.objects.filter(case=case, since=note.at, threshold=9).exists()
    # At the last threshold: the staff, and the taker.
    report, sent = run(10 + 45.1)
    assert report.escalated == 1
    assert _recipients(sent) == [["conseil@example.org", "equipe@example.org"]]


def test_a_next_action_date_postpones_the_silence(world, run):
    case = open_case()
    case_take(case_id=case.pk, user=world.advisor)
    day = timezone.localdate() + timedelta(days=20)
    case_next_action_set(case_id=case.pk, user=world.advisor, on=day)
    assert run(27)[0].sent == 0
    assert run(30)[0].sent == 1  # 9 days after the next-action date


def test_no_advisor_reachable_goes_to_the_staff_at_once(world, run):
    StructureAdvisor.objects.all().delete()
    open_case()
    report, sent = run(9.1)
    assert report.escalated == 1 and _recipients(sent) == [STAFF]


def test_an_advisor_who_lost_the_role_gets_nothing(world, run):
    world.advisor2.network_roles.all().delete()
    open_case()
    assert _recipients(run(9.1)[1]) == [["conseil@example.org"]]


def test_closed_and_anonymised_cases_are_not_reminded(world, run):
    closed = open_case()
    case_close(case_id=closed.pk, user=world.staff, outcome="abandoned")
    gone = open_case()
    Case.objects.filter(pk=gone.pk).update(anonymised_at=timezone.now())
    assert run(50)[0].sent == 0


def test_the_schedule_comes_from_the_settings(world, run, settings):
    settings.SUPPORT_REMINDER_DAYS = [3, 5]
    case = open_case()
    assert run(3.1)[0].sent == 1
    report, sent = run(5.1)
    assert report.escalated == 1
    assert list(CaseReminder.objects.filter(case=case).values_list("threshold", flat=True)) == [
        3,
        5,
    ]


def test_a_case_put_back_in_the_queue_starts_a_new_wait(world, run):
    case = age(open_case(), 30)
    assert run(0)[0].sent == 1
    from atelier.support.services.transitions import case_transition

    case_take(case_id=case.pk, user=world.advisor)
    case_transition(case_id=case.pk, user=world.advisor, to_state="new")
    assert run(1)[0].sent == 0
    assert run(9.1)[0].sent == 1
