"""Matching a member with an existing organisation, and writing it with its membership."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from ...enums import GeoPrecision, MembershipStatus, Source
from ...geo import lonlat_to_world
from ...models import Establishment, Organisation, OrganisationMembership
from ..approvals import approvals_from_member_list
from ..locks import locked_values, locked_values_keep
from ..organisations import organisation_refresh_derived
from .reading import norm
from .validation import Resolver

if TYPE_CHECKING:
    from atelier.accounts.models import Network


class SameName:
    """Organisations by normalised name (directory.text fold, punctuation ignored), per commune
    (a city with its arrondissements), each commune read once per import."""

    def __init__(self, r: Resolver) -> None:
        self.r = r
        self.by_city: dict[str, dict[str, list[tuple[int, str]]]] = {}

    def ids(self, name: str, commune: str, *, without_siren: bool) -> list[int]:
        city = self.r.parent.get(commune, commune)
        index = self.by_city.get(city)
        if index is None:
            index = {}
            rows = (
                Organisation.objects.filter(commune_code__in=self.r.family(city))
                .order_by("id")
                .values_list("id", "name", "siren")
            )
            for pk, org_name, siren in rows.iterator(chunk_size=5000):
                index.setdefault(norm(org_name), []).append((pk, siren or ""))
            self.by_city[city] = index
        return [pk for pk, siren in index.get(norm(name), []) if not (without_siren and siren)]


def organisation_match(
    values: dict[str, Any], same_name: SameName
) -> tuple[Organisation | None, list[int]]:
    """(organisation, []) for the one organisation this member is, (None, ids) when several
    organisations could be it, (None, []) for a new one. By SIRET, else SIREN, else the same
    normalised name in the same commune (Paris, Lyon and Marseille with their arrondissements),
    among organisations without another SIREN."""
    if values["siret"]:
        est = Establishment.objects.filter(siret=values["siret"]).select_related("organisation")
        if (found := est.first()) is not None:
            return found.organisation, []
    if values["siren"]:
        if (org := Organisation.objects.filter(siren=values["siren"]).first()) is not None:
            return org, []
    ids = same_name.ids(values["name"], values["commune"], without_siren=bool(values["siren"]))
    if len(ids) == 1:
        return Organisation.objects.get(pk=ids[0]), []
    return None, ids


def _establishment_at(org: Organisation, values: dict[str, Any], r: Resolver) -> None:
    """Create or complete the member's establishment, placed at least at its commune: the one
    with the row's SIRET, else one in the same commune (without SIRET when the row has one; an
    arrondissement is kept when the row only names the city)."""
    code = values["commune"]
    est = None
    if values["siret"]:
        est = Establishment.objects.filter(siret=values["siret"]).first()
    if est is None:
        near_qs = org.establishments.filter(commune_id__in=r.family(code))
        if values["siret"]:  # another site, unless one here has no SIRET yet
            near_qs = near_qs.filter(Q(siret__isnull=True) | Q(siret=""))
        near = list(near_qs.order_by("id"))
        est = next((e for e in near if e.commune_id == code), near[0] if near else None)
    if est is None:
        est = Establishment(
            organisation=org,
            siret=values["siret"] or None,
            is_head_office=not org.establishments.exists(),
        )
    if est.commune_id is None or not (code in r.cities and est.commune_id in r.family(code)):
        est.commune_id = code
    place = r.places[est.commune_id]
    if est.latitude is None or est.geo_precision != GeoPrecision.ADDRESS:
        est.latitude, est.longitude = place.latitude, place.longitude
        est.geo_precision = GeoPrecision.COMMUNE
        est.mx, est.my = lonlat_to_world(place.longitude, place.latitude)
    if values["street"]:
        est.street = values["street"]
    if values["postcode"]:
        est.postcode = values["postcode"]
    if values["siret"] and not est.siret:
        est.siret = values["siret"]
    est.save()


LOCKED_KEPT = "champ corrigé à la main (protégé) : la valeur de l'Atlas est conservée"
APPROVAL_WITHDRAWN = "agrément retiré par l'équipe : sa décision est conservée"


@dataclass(frozen=True)
class NotWritten:
    """A value of a row that the import did not write (a decision of a person wins)."""

    field: str  # the member-list field (FIELDS)
    value: str  # the list's value
    reason: str


@dataclass
class RowWritten:
    created: bool
    membership: bool  # written in the import's network
    kept: list[NotWritten] = field(default_factory=list)


# Organisation attribute -> the member-list field that gives it (what a row may overwrite).
ROW_ATTRIBUTES = {
    "name": "name",
    "acronym": "acronym",
    "website": "website",
    "legal_category_id": "legal_category",
}


def member_values_apply(
    org: Organisation, values: dict[str, Any], *, created: bool, network: Network | None = None
) -> list[NotWritten]:
    """Set on `org` (in memory) what the row gives, except the fields a person corrected
    (services.locks: the same rule as the SIRENE import's) and the approvals the staff
    withdrew (services.approvals); returns the values the row could not write."""
    kept = {} if created else locked_values(org)
    for fieldname, key in (("acronym", "acronym"), ("website", "website")):
        if values[key]:
            setattr(org, fieldname, values[key])
    if created or not org.siren:
        org.siren = values["siren"] or org.siren or None
    if values["legal_category"]:
        org.legal_category_id = values["legal_category"]
    org.theme_bits |= values["theme_bits"]
    org.staff_approved = True
    if created:
        org.name = values["name"]
    not_written = []
    for attr in locked_values_keep(org, kept):
        key = ROW_ATTRIBUTES.get(attr, attr)
        not_written.append(NotWritten(key, str(values.get(key) or ""), LOCKED_KEPT))
    refused = approvals_from_member_list(
        organisation=org, approvals=values.get("approvals") or [], network=network
    )
    not_written += [NotWritten("approvals", a.name.lower(), APPROVAL_WITHDRAWN) for a in refused]
    return not_written


def write_row(
    values: dict[str, Any], org: Organisation | None, network: Network | None, r: Resolver
) -> RowWritten:
    """Write one validated row: the organisation (its locked fields kept), its establishment,
    its membership in `network`."""
    created = org is None
    if org is None:
        org = Organisation(source=Source.MEMBERS, name=values["name"])
    kept = member_values_apply(org, values, created=created, network=network)
    org.save()
    _establishment_at(org, values, r)
    membership = False
    if network is not None:
        defaults: dict[str, Any] = {"status": MembershipStatus.ACTIVE}
        for key in ("joined_on", "contact_name", "phone", "email"):
            if values[key]:
                target = {"phone": "contact_phone", "email": "contact_email"}.get(key, key)
                defaults[target] = values[key]
        OrganisationMembership.objects.update_or_create(
            organisation=org, network=network, defaults=defaults
        )
        membership = True
    # After the membership: an active one is what recognises the organisation (its ESS source).
    organisation_refresh_derived(organisation=org)
    return RowWritten(created=created, membership=membership, kept=kept)
