"""The daily run of the support journeys: the reminders due, then the anonymisation of the
closed cases whose delay has passed. Idempotent: run it as often as you like (the worker's
daily task, `atelier support-daily` from cron, both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from .privacy import cases_anonymise_due
from .reminders import ReminderReport, reminders_send


@dataclass
class DailyReport:
    reminders: ReminderReport = field(default_factory=ReminderReport)
    anonymised: int = 0

    def summary(self) -> str:
        r = self.reminders
        return (
            f"{r.sent} relance(s) envoyée(s) dont {r.escalated} à l'équipe du réseau"
            + (f", {r.skipped} seuil(s) dépassé(s) sans envoi" if r.skipped else "")
            + f" ; {self.anonymised} dossier(s) anonymisé(s)."
        )


def support_daily_run(*, now: datetime | None = None) -> DailyReport:
    now = now or timezone.now()
    report = DailyReport()
    report.reminders = reminders_send(now=now)
    report.anonymised = cases_anonymise_due(now=now)
    return report
