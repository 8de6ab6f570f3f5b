"""Who may edit an organisation and who may moderate the changes proposed to it (issue 8).

Organisations are common ground shared by every network of the instance:

- the superuser, and the staff of a network the organisation is an active member of, **edit**
  it (in the admin or through `services.organisations.organisation_update`);
- everyone else — another network's staff, members, advisors, visitors — **proposes** a
  change (`services.proposals`);
- a proposal is accepted or refused by those who may edit the organisation, or by an instance
  moderator: a user holding the permission `directory.moderate_changeproposal` (the group
  "Modérateurs" of the demo holds it).
"""

from __future__ import annotations

from typing import Any

from atelier.accounts.enums import Role
from atelier.accounts.selectors import user_network_ids

from ..enums import MembershipStatus
from ..models import Organisation, OrganisationMembership

MODERATE_PERMISSION = "directory.moderate_changeproposal"


def _staff_network_ids(user: Any) -> set[int]:
    """Networks where `user` holds the staff role (remembered on the user object)."""
    cached = getattr(user, "_atelier_staff_network_ids", None)
    if cached is None:
        cached = user_network_ids(user, roles=[Role.STAFF])
        try:
            user._atelier_staff_network_ids = cached
        except AttributeError:  # AnonymousUser and other frozen objects
            pass
    return cached


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def staff_network_ids(user: Any) -> set[int]:
    """Networks where `user` holds the staff role (none for a visitor or an inactive user)."""
    return set(_staff_network_ids(user)) if _signed_in(user) else set()


def organisation_network_ids(organisation: Organisation) -> set[int]:
    """Networks the organisation is an active member of."""
    return set(
        OrganisationMembership.objects.filter(
            organisation=organisation, status=MembershipStatus.ACTIVE
        ).values_list("network_id", flat=True)
    )


def may_edit_organisation(user: Any, organisation: Organisation) -> bool:
    """The superuser, or the staff of a network `organisation` is an active member of."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    staff = _staff_network_ids(user)
    if not staff or organisation.pk is None:
        return False
    return bool(staff & organisation_network_ids(organisation))


def is_moderator(user: Any) -> bool:
    """An instance moderator (or the superuser): moderates the proposals of every organisation."""
    return _signed_in(user) and (user.is_superuser or user.has_perm(MODERATE_PERMISSION))


def may_moderate(user: Any, organisation: Organisation) -> bool:
    """Whether `user` may accept or refuse a change proposed to `organisation`."""
    return is_moderator(user) or may_edit_organisation(user, organisation)


def moderates_anything(user: Any) -> bool:
    """Whether `user` has a moderation queue at all."""
    return is_moderator(user) or (_signed_in(user) and bool(_staff_network_ids(user)))


def moderated_organisation_ids(user: Any) -> Any:
    """Ids (a subquery) of the organisations whose proposals `user` moderates; None for all."""
    if is_moderator(user):
        return None
    staff = _staff_network_ids(user) if _signed_in(user) else set()
    return OrganisationMembership.objects.filter(
        network_id__in=staff, status=MembershipStatus.ACTIVE
    ).values("organisation_id")
