"""The approvals of an organisation with where each comes from, for its page, the API and the
admin (the record: services.approvals). Read from the organisation's row: no query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from atelier.accounts.selectors import usernames

from ..enums import Approval, ApprovalSource
from ..models import Organisation


@dataclass(frozen=True, slots=True)
class ApprovalSourceInfo:
    code: str  # an ApprovalSource value, '' when no source is recorded
    label: str
    network_slug: str | None
    network_name: str | None
    on: datetime.date | None
    text: str  # the sentence shown to people


@dataclass(frozen=True, slots=True)
class ApprovalInfo:
    code: str  # "esus", "siae_ei"…
    label: str
    source: ApprovalSourceInfo


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _sentence(code: str, network: str | None, on: datetime.date | None) -> str:
    day = date_format(on, "j F Y") if on else ""
    if code == ApprovalSource.MEMBER_LIST:
        if network and day:
            return _("Liste d'adhérents de « %(network)s », importée le %(date)s") % {
                "network": network,
                "date": day,
            }
        if network:
            return _("Liste d'adhérents de « %(network)s »") % {"network": network}
        return _("Liste d'adhérents importée le %(date)s") % {"date": day} if day else ""
    if code == ApprovalSource.STAFF:
        if network and day:
            return _("Décision de l'équipe de « %(network)s », le %(date)s") % {
                "network": network,
                "date": day,
            }
        return _("Décision de l'équipe, le %(date)s") % {"date": day} if day else ""
    if code == ApprovalSource.DEMO:
        return _("Données de démonstration (documents fondateurs)")
    return _("Source non enregistrée (agrément saisi avant le suivi des sources)")


def _source(entry: dict[str, Any] | None) -> ApprovalSourceInfo:
    entry = entry or {}
    code = entry.get("source") or ""
    if code not in ApprovalSource.values:
        code = ""
    network = entry.get("network_name") or None
    on = _date(entry.get("on"))
    text = _sentence(code, network, on) or str(ApprovalSource(code).label).capitalize()
    return ApprovalSourceInfo(
        code=code,
        label=str(ApprovalSource(code).label) if code else _("source non enregistrée"),
        network_slug=entry.get("network") or None,
        network_name=network,
        on=on,
        text=text,
    )


def approval_infos(org: Organisation) -> list[ApprovalInfo]:
    """The approvals `org` holds (its bits, in the enum's order), each with its source."""
    sources = org.approval_sources or {}
    return [
        ApprovalInfo(
            code=a.name.lower(),
            label=str(a.label),
            source=_source(sources.get(a.name.lower())),
        )
        for a in org.approvals
    ]


def approval_source_lines(org: Organisation, *, with_people: bool = False) -> list[str]:
    """One line per recorded approval, held or withdrawn by staff, for the admin; with the
    account that decided (`with_people`: staff only, never on public pages)."""
    sources = org.approval_sources or {}
    users: dict[int, str] = {}
    ids = [int(e["user"]) for e in sources.values() if isinstance(e, dict) and e.get("user")]
    if with_people and ids:
        users = usernames(ids)
    lines = []
    for approval in Approval:
        entry = sources.get(approval.name.lower())
        if not isinstance(entry, dict):
            if org.approval_bits & (1 << approval.value):
                lines.append(f"{approval.label} : {_source(None).text}")
            continue
        state = _("détenu") if entry.get("held") else _("retiré")
        line = f"{approval.label} ({state}) : {_source(entry).text}"
        if with_people and entry.get("user"):
            who = users.get(entry["user"], _("compte supprimé"))
            line += " — " + _("par %(user)s") % {"user": who}
        lines.append(line)
    return lines
