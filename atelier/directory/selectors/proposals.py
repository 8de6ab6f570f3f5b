"""Reads of change proposals: the moderation queue, one proposal for its moderator, a
person's own proposals and organisations ("Mon espace")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from atelier.accounts.selectors import user_network_ids

from ..enums import MembershipStatus, ProposalStatus
from ..models import ChangeProposal, Organisation, organisation_field
from ..services.access import may_edit_organisation, may_moderate, moderated_organisation_ids


def moderation_queue(user: Any) -> QuerySet[ChangeProposal]:
    """Confirmed proposals awaiting a decision that `user` may take, oldest first."""
    qs = ChangeProposal.objects.filter(status=ProposalStatus.CONFIRMED)
    ids = moderated_organisation_ids(user)
    if ids is not None:
        qs = qs.filter(organisation_id__in=ids)
    return qs.select_related("organisation", "proposer").order_by("confirmed_at", "id")


def recent_decisions(user: Any, limit: int = 20) -> list[ChangeProposal]:
    """The last proposals decided on organisations that `user` moderates."""
    qs = ChangeProposal.objects.filter(status__in=[ProposalStatus.ACCEPTED, ProposalStatus.REFUSED])
    ids = moderated_organisation_ids(user)
    if ids is not None:
        qs = qs.filter(organisation_id__in=ids)
    qs = qs.select_related("organisation", "proposer", "decided_by")
    return list(qs.order_by("-decided_at", "-id")[:limit])


class ProposalNotFound(Exception):
    """No proposal with this id that the user may moderate."""


def proposal_for_moderation(pk: int, user: Any) -> ChangeProposal:
    proposal = (
        ChangeProposal.objects.select_related("organisation", "proposer", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not may_moderate(user, proposal.organisation):
        raise ProposalNotFound(pk)
    return proposal


def user_proposals(user: Any) -> QuerySet[ChangeProposal]:
    """The proposals `user` made (signed in), newest first."""
    return ChangeProposal.objects.filter(proposer=user).select_related("organisation")


@dataclass(frozen=True, slots=True)
class SpaceOrganisation:
    organisation: Organisation
    may_edit: bool


def user_organisations(user: Any, limit: int = 50) -> tuple[list[SpaceOrganisation], int]:
    """The organisations of the networks where `user` holds a role (active members), at most
    `limit` by name, and how many there are."""
    networks = user_network_ids(user)
    if not networks:
        return [], 0
    qs = Organisation.objects.filter(
        memberships__network_id__in=networks, memberships__status=MembershipStatus.ACTIVE
    ).distinct()
    total = qs.count()
    rows = [
        SpaceOrganisation(org, may_edit_organisation(user, org))
        for org in qs.order_by("name", "id")[:limit]
    ]
    return rows, total


def proposal_changes_display(proposal: ChangeProposal) -> list[tuple[str, str, str]]:
    """(field label, current value, proposed value) of each proposed change, for people."""
    org = proposal.organisation
    out = []
    for name, value in proposal.values.items():
        field = organisation_field(name)
        current = getattr(org, field.attname)
        out.append((str(field.verbose_name), _shown(field, current), _shown(field, value)))
    return out


def _shown(field: Any, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return str(value)
