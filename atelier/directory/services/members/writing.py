"""Matching a member with an existing organisation, and writing it with its membership."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atelier.territories.selectors import (
    CommunePlace,
)

from ...enums import GeoPrecision, MembershipStatus, Source
from ...geo import lonlat_to_world
from ...models import Establishment, Organisation, OrganisationMembership
from ..organisations import organisation_refresh_derived
from .reading import norm
from .validation import Resolver

if TYPE_CHECKING:
    from atelier.accounts.models import Network


def organisation_match(values: dict[str, Any]) -> Organisation | None:
    """By SIRET, else SIREN, else exact normalised name in the same commune."""
    if values["siret"]:
        est = Establishment.objects.filter(siret=values["siret"]).select_related("organisation")
        if (found := est.first()) is not None:
            return found.organisation
    if values["siren"]:
        if (org := Organisation.objects.filter(siren=values["siren"]).first()) is not None:
            return org
    wanted = norm(values["name"])
    for org in Organisation.objects.filter(commune_code=values["commune"]).only("id", "name"):
        if norm(org.name) == wanted:
            return Organisation.objects.get(pk=org.pk)
    return None


def _establishment_at(org: Organisation, values: dict[str, Any], place: CommunePlace) -> None:
    """Create or complete the member's establishment, placed at least at its commune."""
    est = None
    if values["siret"]:
        est = Establishment.objects.filter(siret=values["siret"]).first()
    if est is None:
        est = org.establishments.filter(commune_id=values["commune"]).first()
    if est is None:
        est = Establishment(
            organisation=org,
            siret=values["siret"] or None,
            is_head_office=not org.establishments.exists(),
        )
    if est.latitude is None or est.geo_precision != GeoPrecision.ADDRESS:
        est.latitude, est.longitude = place.latitude, place.longitude
        est.geo_precision = GeoPrecision.COMMUNE
        est.mx, est.my = lonlat_to_world(place.longitude, place.latitude)
    est.commune_id = values["commune"]
    if values["street"]:
        est.street = values["street"]
    if values["postcode"]:
        est.postcode = values["postcode"]
    if values["siret"] and not est.siret:
        est.siret = values["siret"]
    est.save()


def write_row(
    values: dict[str, Any], org: Organisation | None, network: Network | None, r: Resolver
) -> tuple[bool, bool]:
    """Write one validated row; returns (created, membership written)."""
    created = org is None
    if org is None:
        org = Organisation(source=Source.MEMBERS, name=values["name"])
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
    org.save()
    _establishment_at(org, values, r.places[values["commune"]])
    organisation_refresh_derived(organisation=org)
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
    return created, membership
