"""Personal data of the directory: the contact of a network membership (name, e-mail, phone)
and the network's internal notes about it. Private to that network's staff (admin), every
reading access-logged (core.services.access_log_record).

A person may ask what the directory holds about them (export) and to have it removed (erasure,
RGPD articles 15 and 17). Both work on a set of memberships: those a staff user selected in the
admin (only their own network's), or those whose contact e-mail is or was the person's
(`atelier personal-data`). The change history (django-simple-history) keeps former values: the
export includes them, the erasure blanks them there too. Each membership handled is logged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from atelier.core.services import access_log_record

from ..models import OrganisationMembership
from .exports import csv_cell

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
EXPORT_COLUMNS = (
    "adhesion",
    "organisation",
    "reseau",
    "source",
    "date",
    "auteur",
    "contact",
    "courriel",
    "telephone",
    "notes",
)


@dataclass(frozen=True)
class ContactRecord:
    """One state of a membership's personal data: the current one, or a former one kept by
    the change history (with the date of that change and who made it)."""

    membership_id: int
    organisation: str
    network: str
    source: str  # "actuel" or "historique"
    date: str
    author: str
    contact_name: str
    contact_email: str
    contact_phone: str
    notes: str

    def row(self) -> list[str]:
        return [
            str(self.membership_id),
            self.organisation,
            self.network,
            self.source,
            self.date,
            self.author,
            self.contact_name,
            self.contact_email,
            self.contact_phone,
            self.notes,
        ]


def memberships_of_contact(email: str) -> QuerySet[OrganisationMembership]:
    """Memberships whose contact e-mail is, or once was, `email` (case-insensitive)."""
    email = email.strip()
    if not email:
        return OrganisationMembership.objects.none()
    former = OrganisationMembership.history.filter(contact_email__iexact=email).values("id")
    return OrganisationMembership.objects.filter(
        Q(contact_email__iexact=email) | Q(pk__in=former)
    ).select_related("organisation", "network")


def _held(values: dict[str, Any]) -> bool:
    return any(values.get(f) for f in (*CONTACT_FIELDS, "notes"))


def contact_data_export(
    *, user: Any, memberships: QuerySet[OrganisationMembership], reason: str
) -> list[ContactRecord]:
    """What the directory holds in `memberships`: current values, then former values from
    the history that differ from them. Logs one export per membership holding any."""
    records: list[ContactRecord] = []
    for m in memberships.select_related("organisation", "network").order_by("pk"):
        current = {f: getattr(m, f) for f in (*CONTACT_FIELDS, "notes")}
        mine: list[ContactRecord] = []
        if _held(current):
            mine.append(_record(m, "actuel", m.updated_at, "", current))
        seen = {tuple(current.values())}
        for h in m.history.select_related("history_user").order_by("-history_date"):
            values = {f: getattr(h, f) for f in (*CONTACT_FIELDS, "notes")}
            key = tuple(values.values())
            if key in seen or not _held(values):
                continue
            seen.add(key)
            author = h.history_user.get_username() if h.history_user else ""
            mine.append(_record(m, "historique", h.history_date, author, values))
        if mine:
            access_log_record(user=user, action="export", obj=m, detail=reason)
        records.extend(mine)
    return records


def _record(
    m: OrganisationMembership, source: str, when: datetime | None, author: str, values: dict
) -> ContactRecord:
    return ContactRecord(
        membership_id=m.pk,
        organisation=m.organisation.name,
        network=m.network.name,
        source=source,
        date=when.isoformat(timespec="seconds") if when else "",
        author=author,
        **values,
    )


def contact_data_csv(records: list[ContactRecord]) -> str:
    """The export as CSV (`;`, for spreadsheets set to French), one line per state."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in records:
        writer.writerow([csv_cell(v) for v in r.row()])
    return out.getvalue()


@transaction.atomic
def contact_data_erase(
    *, user: Any, memberships: QuerySet[OrganisationMembership], reason: str
) -> int:
    """Blank the contact fields of `memberships`, now and in their change history (the
    network's internal notes are kept: they are about the organisation). The membership itself
    stays. Returns how many memberships held a contact; each is logged."""
    erased = 0
    blank = dict.fromkeys(CONTACT_FIELDS, "")
    for m in memberships.order_by("pk"):
        past = m.history.exclude(**blank)
        if not any(getattr(m, f) for f in CONTACT_FIELDS) and not past.exists():
            continue
        # A plain update: saving the model would record one more history row.
        OrganisationMembership.objects.filter(pk=m.pk).update(**blank, updated_at=timezone.now())
        past.update(**blank)
        access_log_record(user=user, action="erase", obj=m, detail=reason)
        erased += 1
    return erased
