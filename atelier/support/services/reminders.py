"""Reminders: a case left untaken, or taken and left without action, alerts by e-mail after
each threshold of SUPPORT_REMINDER_DAYS (9, 21, 45 by default) days of silence — the advisors
first (of the routed structures, or the person who took it), the network's staff at the last
threshold (or earlier when no advisor can be reached).

The silence of a case not taken starts when it entered the queue (opened, or put back); that of
a case taken starts at the last action on it (an entry of its log by a person) or, when later,
at its next-action date. Each (case, kind, threshold, start of silence) is recorded once
(a unique constraint, under the case's row lock): however often the daily run comes, a
reminder is never sent twice. When the run comes late and several thresholds are due, only
the latest is sent (the others are recorded as done)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import CaseEventKind, CaseState, ReminderKind
from ..models import Case, CaseEvent, CaseReminder
from ..selectors.cases import case_access
from . import notify


@dataclass
class ReminderReport:
    sent: int = 0  # reminders e-mailed
    escalated: int = 0  # of which to the staff
    skipped: int = 0  # thresholds passed while the run did not come (recorded, not sent)


def reminder_days() -> list[int]:
    """The thresholds, in days, sorted (SUPPORT_REMINDER_DAYS)."""
    days = sorted({int(d) for d in settings.SUPPORT_REMINDER_DAYS if int(d) > 0})
    if not days:
        raise ValueError("SUPPORT_REMINDER_DAYS ne contient aucun nombre de jours positif.")
    return days


def _start_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def silence_start(case: Case, *, queued_at: datetime | None, acted_at: datetime | None):
    """(kind, start) of the case's current silence."""
    if case.state == CaseState.NEW:
        return ReminderKind.NOT_TAKEN, queued_at or case.created_at
    starts = [t for t in (acted_at, case.taken_at) if t is not None] or [case.created_at]
    if case.next_action_on is not None:
        starts.append(_start_of_day(case.next_action_on))
    return ReminderKind.NO_ACTION, max(starts)


def _open_cases():
    return (
        Case.objects.filter(anonymised_at__isnull=True)
        .exclude(state=CaseState.CLOSED)
        .annotate(
            queued_at=Max("events__at", filter=Q(events__to_state=CaseState.NEW)),
            acted_at=Max("events__at", filter=Q(events__by__isnull=False)),
        )
        .order_by("pk")
    )


def reminders_send(*, now: datetime | None = None) -> ReminderReport:
    """Send the reminders due at `now` (the daily run; idempotent)."""
    now = now or timezone.now()
    days = reminder_days()
    report = ReminderReport()
    for row in _open_cases():
        kind, since = silence_start(row, queued_at=row.queued_at, acted_at=row.acted_at)
        if since > now - timedelta(days=days[0]):
            continue  # the quick test, before any lock
        _remind(row.pk, kind, since, now, days, report)
    return report


@transaction.atomic
def _remind(
    case_id: int,
    kind: str,
    since: datetime,
    now: datetime,
    days: list[int],
    report: ReminderReport,
) -> None:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.state == CaseState.CLOSED or case.anonymised_at is not None:
        return
    elapsed = (now - since).days
    done = set(
        CaseReminder.objects.filter(case=case, kind=kind, since=since).values_list(
            "threshold", flat=True
        )
    )
    due = [d for d in days if d <= elapsed and d not in done]
    if not due:
        return
    top = due[-1]
    for threshold in due[:-1]:
        CaseReminder.objects.create(
            case=case, kind=kind, threshold=threshold, since=since, sent_at=now, sent=False
        )
        report.skipped += 1
    escalated = top == days[-1]
    to = [] if escalated else _advisors(case, kind)
    if not to:
        escalated = True
        to = notify.staff_addresses(case)
        if kind == ReminderKind.NO_ACTION:
            to = sorted(set(to) | set(_advisors(case, kind)))
    CaseReminder.objects.create(
        case=case,
        kind=kind,
        threshold=top,
        since=since,
        sent_at=now,
        recipients=len(to),
        escalated=escalated,
    )
    who = _("l'équipe du réseau") if escalated else _("les conseiller·ères")
    CaseEvent.objects.create(
        case=case,
        at=now,
        kind=CaseEventKind.REMINDER,
        text=_("Relance : %(what)s depuis %(days)d jours, envoyée à %(who)s (%(n)d).")
        % {"what": ReminderKind(kind).label, "days": top, "who": who, "n": len(to)},
    )
    report.sent += 1
    report.escalated += int(escalated)
    context = {
        "case": case,
        "kind": ReminderKind(kind),
        "days": top,
        "escalated": escalated,
        "link": notify.case_url(case),
    }
    subject = f"Relance : dossier {case.reference} — {ReminderKind(kind).label} depuis {top} jours"
    notify.on_commit(
        lambda: notify.send(
            subject=subject, template="support/email/case_reminder.txt", context=context, to=to
        )
    )


def _advisors(case: Case, kind: str) -> list[str]:
    """Who a reminder before the last threshold goes to: for a case taken, the person who took
    it while they still have access to it; otherwise the advisors of its structures."""
    if kind == ReminderKind.NO_ACTION and case.taken_by is not None:
        if case_access(case.taken_by, case) is not None:
            found = notify.user_addresses([case.taken_by])
            if found:
                return found
    return notify.advisor_addresses(case)
