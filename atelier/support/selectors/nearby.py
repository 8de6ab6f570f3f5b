"""The support structures shown with the orientation's results: those that would take the
holder's request (routing filters), the nearest first, each with why it fits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from atelier.directory.selectors.around import haversine_km
from atelier.territories.selectors import CommunePlace, commune_place, territory_labels

from ..enums import LegalForm, Need, Stage
from ..models import SupportStructure
from ..profile import Profile
from .routing import structures_for_profile

MAX_SHOWN = 6


@dataclass(frozen=True)
class NearbyStructure:
    name: str
    organisation_id: int
    network: str
    distance_km: float | None  # from the commune's centre to its nearest open establishment
    address: str
    reasons: tuple[str, ...]  # why it takes the request, in words


def _reasons(structure: SupportStructure) -> tuple[str, ...]:
    reasons = []
    if structure.territories:
        labels = []
        for key in structure.territories:
            level, _sep, code = key.partition(":")
            labels.append(territory_labels(level, [code]).get(code, key))
        reasons.append(_("intervient sur %(places)s") % {"places": ", ".join(labels)})
    else:
        reasons.append(_("intervient partout"))
    if structure.stages:
        stages = ", ".join(str(Stage(s).label) for s in structure.stages)
        reasons.append(_("accompagne les projets à l'étape : %(stages)s") % {"stages": stages})
    if structure.needs:
        needs = ", ".join(str(Need(n).label) for n in structure.needs)
        reasons.append(_("pour : %(needs)s") % {"needs": needs})
    if structure.legal_forms:
        forms = ", ".join(str(LegalForm(f).label) for f in structure.legal_forms)
        reasons.append(_("formes juridiques : %(forms)s") % {"forms": forms})
    return tuple(reasons)


def _nearest(organisation: Any, place: CommunePlace) -> tuple[float, str] | None:
    """(km, address) of the organisation's open placed establishment nearest the commune's
    centre, or None."""
    best: tuple[float, str] | None = None
    for est in organisation.establishments.all():
        if not est.is_open or est.latitude is None or est.longitude is None:
            continue
        km = haversine_km(place.latitude, place.longitude, est.latitude, est.longitude)
        if best is None or km < best[0]:
            best = (km, ", ".join(est.address_lines))
    return best


def structures_nearby(profile: Profile, *, limit: int = MAX_SHOWN) -> list[NearbyStructure]:
    """The active structures that take `profile`'s request, the nearest first (those whose
    establishments are not placed last), at most `limit`."""
    place = commune_place(profile.commune)
    structures = structures_for_profile(profile)
    if place is not None:  # their establishments in one query, not one per structure
        prefetch_related_objects(structures, "organisation__establishments__commune")
    found = []
    for structure in structures:
        organisation = structure.organisation
        best = _nearest(organisation, place) if place is not None else None
        found.append(
            NearbyStructure(
                name=structure.display_name,
                organisation_id=organisation.pk,
                network=structure.network.name,
                distance_km=round(best[0], 1) if best else None,
                address=best[1] if best else "",
                reasons=_reasons(structure),
            )
        )
    found.sort(key=lambda s: (s.distance_km is None, s.distance_km or 0.0, s.name.lower()))
    return found[:limit]
