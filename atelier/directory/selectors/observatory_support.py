"""What the observatory's territorial diagnostic lists of the Atlas: the support structures
(business and employment cooperatives, incubators "couveuses", solidarity finance) and the
networks whose member organisations have their head office in a territory.

The territory is given as a list of INSEE commune (or municipal arrondissement) codes of head
offices, which the observatory knows for every level (its `Place` table)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Window

from ..enums import Approval, MembershipStatus, Theme
from ..models import Organisation, OrganisationMembership

SUPPORT_APPROVALS = (Approval.CAE, Approval.COUVEUSE)
SUPPORT_THEMES = (Theme.FINANCE,)
LIST_MAX = 50


@dataclass(frozen=True, slots=True)
class SupportStructure:
    id: int
    name: str
    kind: str  # what makes it a support structure, in French


@dataclass(frozen=True, slots=True)
class NetworkPresence:
    name: str
    members: int  # active members with their head office in the territory


def _bits(values: tuple[int, ...]) -> int:
    mask = 0
    for value in values:
        mask |= 1 << int(value)
    return mask


def _kind(approval_bits: int, theme_bits: int) -> str:
    kinds = [str(a.label) for a in SUPPORT_APPROVALS if approval_bits & (1 << int(a))]
    kinds += [str(t.label) for t in SUPPORT_THEMES if theme_bits & (1 << int(t))]
    return ", ".join(kinds)


def support_structures(
    communes: list[str], limit: int = LIST_MAX
) -> tuple[int, list[SupportStructure]]:
    """(how many, the first `limit` by name) active ESS organisations with their head office in
    `communes` that are a CAE or a couveuse, or whose theme is solidarity finance."""
    approvals, themes = _bits(SUPPORT_APPROVALS), _bits(SUPPORT_THEMES)
    rows = (
        Organisation.objects.in_perimeter()
        .filter(commune_code__in=communes)
        .annotate(sup_a=F("approval_bits").bitand(approvals), sup_t=F("theme_bits").bitand(themes))
        .filter(Q(sup_a__gt=0) | Q(sup_t__gt=0))
        .annotate(total=Window(Count("id")))  # the count in the same scan as the list
        .order_by("name", "id")
        .values_list("id", "name", "approval_bits", "theme_bits", "total")
    )
    found = list(rows[:limit])
    total = found[0][4] if found else 0
    return total, [SupportStructure(i, n, _kind(a, t)) for i, n, a, t, _total in found]


def networks_present(communes: list[str]) -> list[NetworkPresence]:
    """Networks with active members whose head office is in `communes`, most members first.
    Read from the memberships, each checked against its organisation (EXISTS on its key): the
    memberships are far fewer than the organisations of a large territory, which an
    `organisation IN (…)` would read first (a whole region's: about a second at 1 M)."""
    members = Organisation.objects.in_perimeter().filter(
        pk=OuterRef("organisation_id"), commune_code__in=communes
    )
    rows = (
        OrganisationMembership.objects.filter(Exists(members), status=MembershipStatus.ACTIVE)
        .values("network__name")
        .annotate(members=Count("organisation", distinct=True))
        .filter(~Q(members=0))
        .order_by("-members", "network__name")
    )
    return [NetworkPresence(r["network__name"], r["members"]) for r in rows]
