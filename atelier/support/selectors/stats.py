"""Outcome statistics of the cases a staff user handles: by territory (département, commune), by
scheme (financed, and shown as eligible), by outcome, with the delays new → taken and
new → closed (medians, in days). Read from what anonymisation keeps: they stay the same once
the cases are anonymised."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.directory.services.exports import csv_cell
from atelier.territories.selectors import territory_labels

from ..enums import CaseOutcome, CaseState
from ..models import Scheme
from .cases import cases_staffed_by

CSV_COLUMNS = (
    "dimension",
    "code",
    "libelle",
    "dossiers",
    "clos",
    "finances",
    "montant_finance_euros",
    "delai_prise_en_charge_median_jours",
    "delai_cloture_median_jours",
)


@dataclass
class StatRow:
    """One group of cases (a territory, a scheme, an outcome…)."""

    code: str
    label: str
    cases: int = 0
    closed: int = 0
    financed: int = 0
    amount: Decimal = Decimal("0")
    take_days: list[float] = field(default_factory=list)
    close_days: list[float] = field(default_factory=list)

    @property
    def take_median(self) -> float | None:
        return round(statistics.median(self.take_days), 1) if self.take_days else None

    @property
    def close_median(self) -> float | None:
        return round(statistics.median(self.close_days), 1) if self.close_days else None


@dataclass
class CaseStats:
    total: StatRow
    by_state: list[StatRow]
    by_outcome: list[StatRow]
    by_departement: list[StatRow]
    by_commune: list[StatRow]
    by_financed_scheme: list[StatRow]
    by_shown_scheme: list[StatRow]

    def sections(self) -> list[tuple[str, str, list[StatRow]]]:
        """(dimension, title, rows) in the page's and the CSV's order."""
        return [
            ("total", _("Ensemble"), [self.total]),
            ("etat", _("Par état"), self.by_state),
            ("issue", _("Par issue"), self.by_outcome),
            ("departement", _("Par département"), self.by_departement),
            ("commune", _("Par commune"), self.by_commune),
            (
                "dispositif_finance",
                _("Par dispositif de financement obtenu"),
                self.by_financed_scheme,
            ),  # fmt: skip
            ("dispositif_propose", _("Par dispositif proposé au porteur"), self.by_shown_scheme),
        ]


def _days(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max((end - start).total_seconds(), 0) / 86400


def _add(row: StatRow, case: dict[str, Any]) -> None:
    row.cases += 1
    if case["state"] == CaseState.CLOSED:
        row.closed += 1
    if case["outcome"] == CaseOutcome.FINANCED:
        row.financed += 1
        row.amount += case["financed_amount"] or Decimal("0")
    taken = _days(case["created_at"], case["taken_at"])
    if taken is not None:
        row.take_days.append(taken)
    if case["state"] == CaseState.CLOSED:
        closed = _days(case["created_at"], case["closed_at"])
        if closed is not None:
            row.close_days.append(closed)


def _group(
    cases: list[dict[str, Any]],
    keys: Callable[[dict[str, Any]], Iterable[str]],
    labels: dict[str, str],
) -> list[StatRow]:
    rows: dict[str, StatRow] = {}
    for case in cases:
        for key in keys(case):
            row = rows.setdefault(key, StatRow(code=key, label=labels.get(key, key)))
            _add(row, case)
    return sorted(rows.values(), key=lambda r: (-r.cases, r.label))


def _labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _bounds(start: date | None, end: date | None) -> dict[str, datetime]:
    found = {}
    if start:
        found["created_at__gte"] = timezone.make_aware(datetime.combine(start, time.min))
    if end:
        found["created_at__lt"] = timezone.make_aware(
            datetime.combine(end + timedelta(days=1), time.min)
        )
    return found


def case_stats(user: Any, *, start: date | None = None, end: date | None = None) -> CaseStats:
    """The statistics of the cases `user` handles as staff (selectors.cases.cases_staffed_by),
    opened between `start` and `end` (included)."""
    cases: list[dict[str, Any]] = [
        dict(row)
        for row in cases_staffed_by(user)
        .filter(**_bounds(start, end))
        .values(
            "state",
            "outcome",
            "financed_amount",
            "financed_scheme_id",
            "schemes_shown",
            "departement",
            "commune",
            "created_at",
            "taken_at",
            "closed_at",
        )
    ]
    total = StatRow(code="", label=_("Tous les dossiers"))
    for case in cases:
        _add(total, case)
    scheme_ids = {c["financed_scheme_id"] for c in cases if c["financed_scheme_id"]}
    slugs = {s for c in cases for s in (c["schemes_shown"] or [])}
    schemes = Scheme.objects.filter(pk__in=scheme_ids) | Scheme.objects.filter(slug__in=slugs)
    slug_of = {s.pk: s.slug for s in schemes}
    scheme_names = {s.slug: s.name for s in schemes}
    departements = territory_labels("departement", [c["departement"] for c in cases])
    communes = territory_labels("commune", [c["commune"] for c in cases])
    return CaseStats(
        total=total,
        by_state=_group(cases, lambda c: [c["state"]], _labels(CaseState.choices)),
        by_outcome=_group(
            cases, lambda c: [c["outcome"]] if c["outcome"] else [], _labels(CaseOutcome.choices)
        ),
        by_departement=_group(cases, lambda c: [c["departement"]], departements),
        by_commune=_group(cases, lambda c: [c["commune"]], communes),
        by_financed_scheme=_group(
            cases,
            lambda c: [slug_of[c["financed_scheme_id"]]] if c["financed_scheme_id"] else [],
            scheme_names,
        ),
        by_shown_scheme=_group(cases, lambda c: c["schemes_shown"] or [], scheme_names),
    )


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def case_stats_csv(stats: CaseStats) -> str:
    """The statistics as one CSV table (`;`): a line per group, its dimension first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for dimension, _title, rows in stats.sections():
        for r in rows:
            writer.writerow(
                [
                    dimension,
                    csv_cell(r.code),
                    csv_cell(r.label),
                    r.cases,
                    r.closed,
                    r.financed,
                    f"{r.amount:.2f}",
                    _number(r.take_median),
                    _number(r.close_median),
                ]
            )
    return out.getvalue()
