"""Routing: which support structures a project holder's request goes to. A structure takes it
when every one of its filters matches the answers (an empty filter matches anything): the
territories (a key containing the holder's commune), the NAF section, the legal form, the
stage, the needs (at least one in common) and the headcount band. Every structure that fits
receives it."""

from __future__ import annotations

from collections.abc import Collection

from ..models import SupportStructure
from ..profile import Profile
from .places import commune_territory_keys


def structure_matches(
    structure: SupportStructure, profile: Profile, territory_keys: Collection[str]
) -> bool:
    """Whether `structure` takes the request of `profile`, whose commune lies in
    `territory_keys` (selectors.places.commune_territory_keys)."""
    if structure.territories and not set(structure.territories) & set(territory_keys):
        return False
    if structure.naf_sections and profile.sector not in structure.naf_sections:
        return False
    if structure.legal_forms and str(profile.legal_form) not in structure.legal_forms:
        return False
    if structure.stages and str(profile.stage) not in structure.stages:
        return False
    if structure.needs and not {str(n) for n in profile.needs} & set(structure.needs):
        return False
    return not (
        structure.headcount_bands and profile.headcount_band not in structure.headcount_bands
    )


def structures_for_profile(
    profile: Profile, *, network_id: int | None = None
) -> list[SupportStructure]:
    """The active structures (of the network `network_id`, or of every network) that take the
    request of `profile`, by network then name."""
    keys = commune_territory_keys(profile.commune)
    qs = SupportStructure.objects.filter(is_active=True).select_related("organisation", "network")
    if network_id is not None:
        qs = qs.filter(network_id=network_id)
    found = [s for s in qs if structure_matches(s, profile, keys)]
    return sorted(found, key=lambda s: (s.network.name, s.display_name.lower(), s.pk))


def structure_get(*, organisation_id: int, network_id: int) -> SupportStructure | None:
    """The structure of the organisation in the network, or None."""
    return SupportStructure.objects.filter(
        organisation_id=organisation_id, network_id=network_id
    ).first()
