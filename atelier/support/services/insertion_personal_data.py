""" "Premières heures": the beneficiaries' personal data — who read it (access log), what is
held about a person (export) and its erasure (RGPD articles 15 and 17).

A beneficiary is a pseudonymous reference with contracts (entry, exit, outcome) and hours per
month: nothing else is held. Every page, statement or export showing beneficiaries writes one
`core.AccessLog` entry per beneficiary shown (`beneficiaries_access_log`).

Erasure removes what links the rows to the person — the reference the structure chose, which
its own files can map to a name — and stops any further entry; the contracts and hours stay,
attached to "effacé-<n>", because they justify the public money the structure received (the
statements of past months must stay reproducible: RGPD article 17(3)(b), a legal obligation).
Deleting the beneficiary outright (the admin's delete) removes the rows as well."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from atelier.core.services import access_log_record
from atelier.directory.services.exports import csv_cell

from ..models import Beneficiary, Contract

EXPORT_COLUMNS = (
    "beneficiaire",
    "reference",
    "structure",
    "reseau",
    "enregistrement",
    "entree",
    "sortie",
    "issue",
    "mois",
    "heures",
    "saisi_le",
)
ERASED_PREFIX = "effacé-"


def beneficiaries_access_log(
    *, user: Any, beneficiaries: Iterable[Beneficiary | int], action: str, detail: str
) -> int:
    """One access-log entry per beneficiary (object or id) `user` was shown. Returns how many."""
    count = 0
    for item in beneficiaries:
        obj = item if isinstance(item, Beneficiary) else Beneficiary(pk=item)
        access_log_record(user=user, action=action, obj=obj, detail=detail)
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class BeneficiaryRecord:
    """One line of the export: the beneficiary itself, one of its contracts, or the hours of
    one month."""

    beneficiary_id: int
    reference: str
    structure: str
    network: str
    kind: str  # "bénéficiaire", "contrat", "heures"
    start: str = ""
    end: str = ""
    outcome: str = ""
    month: str = ""
    hours: str = ""
    recorded: str = ""

    def row(self) -> list[str]:
        return [
            str(self.beneficiary_id),
            self.reference,
            self.structure,
            self.network,
            self.kind,
            self.start,
            self.end,
            self.outcome,
            self.month,
            self.hours,
            self.recorded,
        ]


def beneficiary_export(
    *, user: Any, beneficiaries: QuerySet[Beneficiary], reason: str
) -> list[BeneficiaryRecord]:
    """Everything held about `beneficiaries`: the reference, each contract, each month's
    hours. Logs one export per beneficiary."""
    records: list[BeneficiaryRecord] = []
    qs = beneficiaries.select_related("structure__organisation", "structure__network")
    for b in qs.order_by("pk"):
        person = BeneficiaryRecord(
            beneficiary_id=b.pk,
            reference=b.reference,
            structure=b.structure.organisation.name,
            network=b.structure.network.name,
            kind="bénéficiaire",
            recorded=_when(b.created_at),
        )
        records.append(person)
        contracts = Contract.objects.filter(beneficiary=b).prefetch_related("hours")
        for c in contracts.order_by("start"):
            records.append(
                replace(
                    person,
                    kind="contrat",
                    start=c.start.isoformat(),
                    end=c.end.isoformat() if c.end else "",
                    outcome=c.get_outcome_display() if c.outcome else "",
                    recorded=_when(c.updated_at),
                )
            )
            for h in sorted(c.hours.all(), key=lambda h: h.month):
                records.append(
                    replace(
                        person,
                        kind="heures",
                        start=c.start.isoformat(),
                        month=f"{h.month:%Y-%m}",
                        hours=str(h.hours),
                        recorded=_when(h.updated_at),
                    )
                )
        access_log_record(user=user, action="export", obj=b, detail=reason)
    return records


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def beneficiary_export_csv(records: list[BeneficiaryRecord]) -> str:
    """The export as CSV (`;`, as the project's other CSVs), one line per record."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in records:
        writer.writerow([csv_cell(v) for v in r.row()])
    return out.getvalue()


@transaction.atomic
def beneficiary_erase(*, user: Any, beneficiaries: QuerySet[Beneficiary], reason: str) -> int:
    """Replace the reference of `beneficiaries` by "effacé-<id>" and refuse any further entry
    (see the module docstring for what stays). Returns how many were erased (an erased one
    again is not counted); each is logged."""
    erased = 0
    now = timezone.now()
    for b in beneficiaries.select_for_update().order_by("pk"):
        if b.erased_at is not None:
            continue
        Beneficiary.objects.filter(pk=b.pk).update(
            reference=f"{ERASED_PREFIX}{b.pk}", erased_at=now, updated_at=now
        )
        access_log_record(user=user, action="erase", obj=b, detail=reason)
        erased += 1
    return erased
