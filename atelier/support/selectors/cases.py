"""Who sees which case, and the reads of a case.

- An **advisor** sees the cases routed to a structure they are linked to (StructureAdvisor)
  while they hold the advisor role in that structure's network.
- The **staff** of a network see every case of the network and every case routed to one of
  the network's structures.
- A **superuser** sees every case.
- The **project holder** sees only their case, through its private link (`case_by_token`).

Anything else is "not found" (never "forbidden": that would confirm the case exists)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from atelier.accounts.enums import Role
from atelier.accounts.selectors import user_network_ids

from ..enums import CaseEventKind, CaseState
from ..models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseReminder,
    StructureAdvisor,
    SupportStructure,
)


class CaseNotFound(Exception):
    """No such case, or not one the user may see."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def advisor_structure_ids(user: Any) -> set[int]:
    """The structures `user` advises for: linked to them, in a network where they hold the
    advisor role."""
    networks = user_network_ids(user, roles=[Role.ADVISOR])
    if not networks:
        return set()
    return set(
        StructureAdvisor.objects.filter(user=user, structure__network_id__in=networks).values_list(
            "structure_id", flat=True
        )
    )


def staff_network_ids(user: Any) -> set[int]:
    return user_network_ids(user, roles=[Role.STAFF])


def _staff_condition(staff: set[int]) -> Q:
    return Q(network_id__in=staff) | Q(
        pk__in=Case.objects.filter(routings__structure__network_id__in=staff).values("pk")
    )


def cases_staffed_by(user: Any) -> QuerySet[Case]:
    """The cases `user` handles as staff: those of their networks and those routed to their
    networks' structures (every case for a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    staff = staff_network_ids(user)
    return Case.objects.filter(_staff_condition(staff)) if staff else Case.objects.none()


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Every case `user` may see (none for anonymous users and plain members)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    staff = staff_network_ids(user)
    structures = advisor_structure_ids(user)
    if not staff and not structures:
        return Case.objects.none()
    condition = Q(pk__in=[])
    if staff:
        condition |= _staff_condition(staff)
    if structures:
        condition |= Q(
            pk__in=Case.objects.filter(routings__structure_id__in=structures).values("pk")
        )
    return Case.objects.filter(condition)


@dataclass(frozen=True)
class CaseAccess:
    """What `user` may do on one case they see."""

    staff: bool  # staff of the case's network or of a routed structure's network, or superuser
    advisor: bool  # advisor of a structure the case is routed to
    taker: bool  # the person who took the case

    @property
    def may_take(self) -> bool:
        return self.advisor or self.staff

    @property
    def may_change_state(self) -> bool:
        """Transitions other than taking it: the person who took it, or the staff."""
        return self.taker or self.staff

    @property
    def may_reopen(self) -> bool:
        return self.staff

    @property
    def may_annotate(self) -> bool:
        """Notes, attachments and the next-action date."""
        return self.advisor or self.staff or self.taker

    @property
    def may_route(self) -> bool:
        return self.staff


def case_access(user: Any, case: Case) -> CaseAccess | None:
    """What `user` may do on `case`, or None when they may not see it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return CaseAccess(staff=True, advisor=False, taker=case.taken_by_id == user.pk)
    routed = list(case.routings.values_list("structure_id", "structure__network_id"))
    staff_networks = staff_network_ids(user)
    staff = case.network_id in staff_networks or any(n in staff_networks for _, n in routed)
    advised = advisor_structure_ids(user)
    advisor = any(s in advised for s, _ in routed)
    if not staff and not advisor:
        return None
    # Someone who took the case keeps acting on it only while they still see it.
    return CaseAccess(staff=staff, advisor=advisor, taker=case.taken_by_id == user.pk)


def case_for_user(pk: int, user: Any, *, lock: bool = False) -> tuple[Case, CaseAccess]:
    """The case `pk` with what `user` may do on it. Raises CaseNotFound."""
    qs = Case.objects.select_related("network", "taken_by", "financed_scheme")
    if lock:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=pk).first()
    if case is None:
        raise CaseNotFound
    access = case_access(user, case)
    if access is None:
        raise CaseNotFound
    return case, access


def case_by_token(token: str) -> Case | None:
    """The case whose private follow-up link carries `token` (None when unknown, or once the
    case is anonymised)."""
    if not token or len(token) > 200:
        return None
    return (
        Case.objects.select_related("network", "financed_scheme")
        .filter(holder_token_hash=token_hash(token), anonymised_at__isnull=True)
        .first()
    )


def case_events(case: Case) -> list[CaseEvent]:
    """The case's whole log, oldest first (for advisors and staff)."""
    return list(case.events.select_related("by").order_by("at", "pk"))


def case_holder_events(case: Case) -> list[CaseEvent]:
    """What the holder sees of the log: the request and its changes of state (no note, no
    advisor's name)."""
    kinds = [CaseEventKind.OPENED, CaseEventKind.TRANSITION]
    return list(case.events.filter(kind__in=kinds).order_by("at", "pk"))


def case_structures(case: Case) -> list[SupportStructure]:
    return [
        r.structure
        for r in case.routings.select_related("structure__organisation", "structure__network")
    ]


def structures_for_manual_routing(case: Case, user: Any) -> list[SupportStructure]:
    """The active structures a staff user may add the case to (their networks' ones, every one
    for a superuser), not yet routed."""
    qs = SupportStructure.objects.filter(is_active=True).exclude(routings__case=case)
    if not user.is_superuser:
        qs = qs.filter(network_id__in=staff_network_ids(user))
    return list(qs.select_related("organisation", "network").order_by("network__name", "label"))


def structures_visible_to(user: Any) -> list[SupportStructure]:
    """The structures whose cases `user` sees (for the list's filter)."""
    qs = SupportStructure.objects.select_related("organisation", "network")
    if not user.is_superuser:
        qs = qs.filter(
            Q(network_id__in=staff_network_ids(user)) | Q(pk__in=advisor_structure_ids(user))
        )
    return sorted(qs, key=lambda s: (s.network.name, s.display_name.lower()))


def case_list(
    user: Any, *, state: str = "", structure_id: int | None = None, mine: bool = False
) -> QuerySet[Case]:
    """The cases `user` sees, newest first, filtered by state, structure, or taken by them."""
    qs = cases_visible_to(user).select_related("network", "taken_by")
    if state in CaseState.values:
        qs = qs.filter(state=state)
    elif state == "open":
        qs = qs.exclude(state=CaseState.CLOSED)
    if structure_id is not None:
        qs = qs.filter(routings__structure_id=structure_id)
    if mine:
        qs = qs.filter(taken_by=user)
    return qs.distinct().order_by("-created_at", "-pk")


def case_attachments(case: Case) -> list[CaseAttachment]:
    return list(case.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"))


def case_attachment(case: Case, attachment_id: int) -> CaseAttachment | None:
    return case.attachments.filter(pk=attachment_id).first()


def case_reminders(case: Case) -> list[CaseReminder]:
    return list(case.reminders.order_by("sent_at", "pk"))
