"""Personal data of the cases (RGPD): the holder's contact, the notes and attachments about them.

- **Anonymisation** of closed cases SUPPORT_ANONYMISE_AFTER_DAYS after they were closed (the
  daily run): the contact is blanked, the follow-up link stops working, the texts of the log
  are erased (notes, comments) and the attachments deleted. What the statistics read stays:
  the answers to the questionnaire (no personal data), the commune, the states and their dates,
  the outcome, the scheme and the amount.
- **Export** (article 15) and **erasure** (article 17) on request, for the cases whose contact
  e-mail is the person's: the command `atelier support-personal-data` and the admin's actions.
  Erasing an open case withdraws it (closed, abandoned) before anonymising it.

Every case read, exported, anonymised or erased by a person is access-logged."""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from atelier.core.services import access_log_record
from atelier.directory.services.exports import csv_cell

from ..enums import CaseEventKind, CaseOutcome, CaseState
from ..models import Case, CaseAttachment, CaseEvent
from ..selectors.cases import token_hash

# Entries of the log whose text the system wrote (structure names, reminders): kept.
_SYSTEM_TEXTS = (CaseEventKind.OPENED, CaseEventKind.ROUTING, CaseEventKind.REMINDER)
CSV_COLUMNS = (
    "reference",
    "reseau",
    "ouvert_le",
    "etat",
    "issue",
    "prenom_ou_pseudonyme",
    "courriel",
    "telephone",
    "contact_prefere",
    "accord_le",
    "accord_version",
    "commune",
    "reponses",
    "dispositifs_proposes",
    "structures",
    "journal",
    "pieces_jointes",
)


def cases_of_person(email: str) -> QuerySet[Case]:
    """The cases whose contact e-mail is `email` (case-insensitive; none for a blank one)."""
    email = email.strip()
    if not email:
        return Case.objects.none()
    return Case.objects.filter(email__iexact=email).select_related("network")


def _erase(case: Case, now: datetime) -> None:
    """Blank the personal data of `case` (the caller holds the row)."""
    for attachment in CaseAttachment.objects.filter(case=case):
        attachment.file.delete(save=False)
        attachment.delete()
    CaseEvent.objects.filter(case=case).exclude(kind__in=_SYSTEM_TEXTS).update(text="")
    Case.objects.filter(pk=case.pk).update(
        first_name="",
        email="",
        phone="",
        contact_way="",
        holder_token_hash=token_hash(secrets.token_urlsafe(32)),  # the old link is dead
        anonymised_at=now,
        updated_at=now,
    )


def cases_due_for_anonymisation(now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    limit = now - timedelta(days=settings.SUPPORT_ANONYMISE_AFTER_DAYS)
    return Case.objects.filter(
        state=CaseState.CLOSED, closed_at__lte=limit, anonymised_at__isnull=True
    )


def cases_anonymise_due(*, now: datetime | None = None) -> int:
    """Anonymise the closed cases whose delay has passed (the daily run). Returns how many."""
    now = now or timezone.now()
    done = 0
    for pk in cases_due_for_anonymisation(now).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            case = (
                cases_due_for_anonymisation(now).select_for_update().filter(pk=pk).first()
            )  # still due once locked (not reopened meanwhile)
            if case is None:
                continue
            _erase(case, now)
            access_log_record(
                user=None,
                action="anonymise",
                obj=case,
                detail=f"anonymisation {settings.SUPPORT_ANONYMISE_AFTER_DAYS} jours après clôture",
            )
            done += 1
    return done


def _record(case: Case) -> dict[str, Any]:
    events = case.events.select_related("by").order_by("at", "pk")
    return {
        "reference": case.reference,
        "reseau": case.network.name,
        "ouvert_le": case.created_at.isoformat(timespec="seconds"),
        "etat": str(CaseState(case.state).label),
        "issue": str(CaseOutcome(case.outcome).label) if case.outcome else "",
        "prenom_ou_pseudonyme": case.first_name,
        "courriel": case.email,
        "telephone": case.phone,
        "contact_prefere": case.contact_way,
        "accord_le": case.consent_at.isoformat(timespec="seconds"),
        "accord_version": case.consent_version,
        "commune": case.commune,
        "reponses": case.profile,
        "dispositifs_proposes": case.schemes_shown,
        "structures": [
            r.structure.display_name
            for r in case.routings.select_related("structure__organisation")
        ],
        "journal": [
            {
                "date": e.at.isoformat(timespec="seconds"),
                "nature": str(CaseEventKind(e.kind).label),
                "de": e.from_state,
                "vers": e.to_state,
                "texte": e.text,
            }
            for e in events
        ],
        "pieces_jointes": [a.name for a in case.attachments.all()],
    }


def case_data_export(*, user: Any, cases: QuerySet[Case], reason: str) -> list[dict[str, Any]]:
    """Everything held about the person in `cases` (one record per case). Each is logged."""
    records = []
    for case in cases.select_related("network").order_by("pk"):
        records.append(_record(case))
        access_log_record(user=user, action="export", obj=case, detail=reason)
    return records


def case_data_json(records: list[dict[str, Any]]) -> str:
    return json.dumps({"dossiers": records}, ensure_ascii=False, indent=2) + "\n"


def case_data_csv(records: list[dict[str, Any]]) -> str:
    """The export as CSV (`;`), one line per case; the log as one cell, an entry a line."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        row = dict(r)
        row["reponses"] = json.dumps(r["reponses"], ensure_ascii=False)
        row["dispositifs_proposes"] = ", ".join(r["dispositifs_proposes"])
        row["structures"] = ", ".join(r["structures"])
        row["journal"] = "\n".join(
            f"{e['date']} {e['nature']}" + (f" : {e['texte']}" if e["texte"] else "")
            for e in r["journal"]
        )
        row["pieces_jointes"] = ", ".join(r["pieces_jointes"])
        writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


@transaction.atomic
def case_data_erase(*, user: Any, cases: QuerySet[Case], reason: str) -> int:
    """Erase the personal data of `cases` at the person's request: an open case is withdrawn
    first (closed, abandoned). Returns how many cases were erased; each is logged."""
    now = timezone.now()
    erased = 0
    by = user if getattr(user, "is_authenticated", False) else None
    for case in cases.select_related(None).select_for_update().order_by("pk"):
        if case.anonymised_at is not None:
            continue
        if case.state != CaseState.CLOSED:
            CaseEvent.objects.create(
                case=case,
                at=now,
                by=by,
                kind=CaseEventKind.TRANSITION,
                from_state=case.state,
                to_state=CaseState.CLOSED,
            )
            Case.objects.filter(pk=case.pk).update(
                state=CaseState.CLOSED,
                outcome=CaseOutcome.ABANDONED,
                closed_at=now,
                next_action_on=None,
            )
        CaseEvent.objects.create(case=case, at=now, by=by, kind=CaseEventKind.ERASURE)
        _erase(case, now)
        access_log_record(user=user, action="erase", obj=case, detail=reason)
        erased += 1
    return erased


def case_erase_by_holder(*, case: Case, user: Any) -> int:
    """The holder withdraws their request through its private link and erases their data."""
    return case_data_erase(
        user=user,
        cases=Case.objects.filter(pk=case.pk),
        reason="effacement demandé par la personne (lien de suivi)",
    )
