"""Approvals (agréments: ESUS, SIAE kinds, CAE…) of an organisation, and where each comes from.

`Organisation.approval_bits` stays the one representation that the search index, its facets
and SQL read. `Organisation.approval_sources` says, for each approval it records (key: the
approval's code, `Approval.name.lower()`), where it comes from:

    {"held": true, "source": "members", "on": "2026-12-04",
     "network": "atelier-idf", "network_name": "L'Atelier…", "user": null}

`source` is an `ApprovalSource`: a member-list import (of a network, on a date), a decision of
the staff (by a user, in their network when there is one, on a date), the demo data. `held`
false is a staff decision that the organisation does *not* hold it: like the ESS status's staff
decision, every later import keeps it (and an approval granted by staff keeps its staff
source). Every function here changes the bits and the sources together, in memory, and never
saves: the caller saves the organisation once (one history row). A bit set without an entry
(data written before sources were recorded, synthetic data) has no known source.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from ..enums import Approval, ApprovalSource, MembershipStatus
from ..models import Organisation, OrganisationMembership
from .access import staff_network_ids


def approval_code(approval: Approval | int) -> str:
    return Approval(approval).name.lower()


def _entry(
    *,
    held: bool,
    source: str,
    on: datetime.date | None,
    network: Any = None,
    user: Any = None,
) -> dict[str, Any]:
    return {
        "held": held,
        "source": str(source),
        "on": on.isoformat() if on else None,
        "network": network.slug if network is not None else None,
        "network_name": network.name if network is not None else "",
        "user": user.pk if user is not None else None,
    }


def _holds(organisation: Organisation, approval: Approval) -> bool:
    return bool(organisation.approval_bits & (1 << approval.value))


def _set(organisation: Organisation, approval: Approval, held: bool) -> None:
    if held:
        organisation.approval_bits |= 1 << approval.value
    else:
        organisation.approval_bits &= ~(1 << approval.value)


def _staff_network(user: Any, organisation: Organisation) -> Any:
    """The network in whose name `user` decides for `organisation`: one where they hold the
    staff role and the organisation is an active member (the first by name); None for the
    superuser or a moderator acting for the instance."""
    if organisation.pk is None:
        return None
    ids = staff_network_ids(user)
    if not ids:
        return None
    membership = (
        OrganisationMembership.objects.filter(
            organisation=organisation, network_id__in=ids, status=MembershipStatus.ACTIVE
        )
        .select_related("network")
        .order_by("network__name")
        .first()
    )
    return membership.network if membership is not None else None


def approvals_set_by_staff(
    *,
    organisation: Organisation,
    approvals: Iterable[Approval | int],
    user: Any,
    on: datetime.date | None = None,
) -> list[Approval]:
    """The staff's whole set of approvals for `organisation` (the admin's checkboxes): each
    approval whose holding changes is recorded as a staff decision (granted or withdrawn) by
    `user` on `on` (today), which later imports keep. Unchanged approvals keep their source.
    Returns the approvals that changed; in memory, the caller saves."""
    wanted = {Approval(a) for a in approvals}
    changed = [a for a in Approval if (a in wanted) != _holds(organisation, a)]
    if not changed:
        return []
    on = on or timezone.localdate()
    network = _staff_network(user, organisation)
    sources = dict(organisation.approval_sources or {})
    for approval in changed:
        held = approval in wanted
        sources[approval_code(approval)] = _entry(
            held=held, source=ApprovalSource.STAFF, on=on, network=network, user=user
        )
        _set(organisation, approval, held)
    organisation.approval_sources = sources
    return changed


def approvals_from_member_list(
    *,
    organisation: Organisation,
    approvals: Iterable[Approval | int],
    network: Any = None,
    on: datetime.date | None = None,
) -> list[Approval]:
    """The approvals a member list gives `organisation`: held from now on, from the list of
    `network` (None: a list without a network) imported on `on` (today). A list never removes
    an approval. A staff decision wins: an approval the staff withdrew stays withdrawn (it is
    returned, for the import report), one the staff granted keeps its staff source.
    In memory, the caller saves."""
    on = on or timezone.localdate()
    sources = dict(organisation.approval_sources or {})
    refused = []
    for approval in dict.fromkeys(Approval(a) for a in approvals):
        entry = sources.get(approval_code(approval)) or {}
        if entry.get("source") == ApprovalSource.STAFF:
            if not entry.get("held"):
                refused.append(approval)
            continue
        sources[approval_code(approval)] = _entry(
            held=True, source=ApprovalSource.MEMBER_LIST, on=on, network=network
        )
        _set(organisation, approval, True)
    organisation.approval_sources = sources
    return refused


def approvals_from_demo(*, organisation: Organisation, approvals: Iterable[Approval | int]) -> None:
    """Exactly the approvals of the demo file (the founding documents), with that source."""
    held = [Approval(a) for a in approvals]
    organisation.approval_bits = 0
    for approval in held:
        _set(organisation, approval, True)
    organisation.approval_sources = {
        approval_code(a): _entry(held=True, source=ApprovalSource.DEMO, on=None) for a in held
    }


def approval_sources_consistent(organisation: Organisation) -> bool:
    """Whether every recorded source agrees with the bits (held <=> bit set)."""
    for approval in Approval:
        entry = (organisation.approval_sources or {}).get(approval_code(approval))
        if entry is not None and bool(entry.get("held")) != _holds(organisation, approval):
            return False
    return True
