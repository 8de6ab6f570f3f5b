""" "Premières heures": the monthly statement of a structure — one line per beneficiary with a
contract in the month (hours of all their contracts in the month, entries and exits), the
totals, and the parameters used with their start dates and whether they are examples.

Reads only (the access log of who read it is written by the view, through
services.insertion_personal_data). Reproducible: it depends on the rows and on the parameters
in force on the first day of the month, never on the day it is computed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from ..models import Contract, InsertionStructure, MonthlyHours
from .premieres_heures import (
    ZERO,
    ContractExit,
    LineAmounts,
    ParameterUsed,
    first_of_month,
    line_compute,
    month_text,
    next_month,
    ph_parameters_at,
)


@dataclass(frozen=True, slots=True)
class StatementLine:
    beneficiary_id: int
    reference: str
    entries: tuple[date, ...]  # contracts that started in the month
    exits: tuple[ContractExit, ...]  # contracts that ended in the month
    amounts: LineAmounts

    @property
    def hours(self) -> int:
        return self.amounts.hours


@dataclass(frozen=True, slots=True)
class Statement:
    structure_id: int
    structure_name: str
    network_name: str
    month: date  # first day
    lines: tuple[StatementLine, ...]
    parameters: tuple[ParameterUsed, ...]
    hours: int
    flat_total: Decimal
    tier_total: Decimal
    bonus_total: Decimal
    total: Decimal
    entries: int
    exits: int

    @property
    def month_label(self) -> str:
        return month_text(self.month)

    @property
    def month_key(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def has_examples(self) -> bool:
        """Some amount of the parameters in force is an example value (no document gives it)."""
        return any(p.is_example for p in self.parameters)


def structure_statement(structure_id: int, month: date) -> Statement:
    """The statement of the structure for `month` (any day of it). Raises
    InsertionStructure.DoesNotExist, or premieres_heures.ParametersMissing when the month
    has no parameters in force."""
    month = first_of_month(month)
    after = next_month(month)
    structure = InsertionStructure.objects.select_related("organisation", "network").get(
        pk=structure_id
    )
    params = ph_parameters_at(month)
    contracts = (
        Contract.objects.filter(beneficiary__structure_id=structure_id, start__lt=after)
        .filter(Q(end__isnull=True) | Q(end__gte=month))
        .values_list("beneficiary_id", "beneficiary__reference", "start", "end", "outcome")
    )
    references: dict[int, str] = {}
    entries: dict[int, list[date]] = defaultdict(list)
    exits: dict[int, list[ContractExit]] = defaultdict(list)
    for beneficiary_id, reference, start, end, outcome in contracts:
        references[beneficiary_id] = reference
        if start >= month:
            entries[beneficiary_id].append(start)
        if end is not None and end < after:
            exits[beneficiary_id].append(ContractExit(on=end, outcome=outcome))
    worked = dict(
        MonthlyHours.objects.filter(contract__beneficiary__structure_id=structure_id, month=month)
        .values("contract__beneficiary_id")
        .annotate(total=Sum("hours"))
        .values_list("contract__beneficiary_id", "total")
    )
    lines = tuple(
        StatementLine(
            beneficiary_id=beneficiary_id,
            reference=reference,
            entries=tuple(sorted(entries[beneficiary_id])),
            exits=tuple(sorted(exits[beneficiary_id], key=lambda e: e.on)),
            amounts=line_compute(
                int(worked.get(beneficiary_id) or 0), exits[beneficiary_id], params
            ),
        )
        for beneficiary_id, reference in sorted(references.items(), key=lambda r: (r[1], r[0]))
    )
    return Statement(
        structure_id=structure.pk,
        structure_name=structure.organisation.name,
        network_name=structure.network.name,
        month=month,
        lines=lines,
        parameters=params.used(),
        hours=sum(line.hours for line in lines),
        flat_total=sum((line.amounts.flat_amount for line in lines), ZERO),
        tier_total=sum((line.amounts.tier_amount for line in lines), ZERO),
        bonus_total=sum((line.amounts.bonus_amount for line in lines), ZERO),
        total=sum((line.amounts.total for line in lines), ZERO),
        entries=sum(len(line.entries) for line in lines),
        exits=sum(len(line.exits) for line in lines),
    )
