"""Custom territories as the observatory reads them: the territory (its common département and
région as parents, for the comparisons), its communes, and the lists the staff pages show."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from atelier.territories.selectors import commune_places

from ..enums import Level
from ..models import CustomTerritory, Place


def custom_territory_get(code: str) -> CustomTerritory | None:
    return CustomTerritory.objects.select_related("network").filter(code=code).first()


def custom_territory_list(network_ids: set[int] | None = None) -> QuerySet[CustomTerritory]:
    qs = CustomTerritory.objects.select_related("network").order_by("name")
    return qs if network_ids is None else qs.filter(network_id__in=network_ids)


def custom_member_codes(territory: CustomTerritory) -> list[str]:
    return list(territory.members.order_by("code").values_list("code", flat=True))


def custom_members(territory: CustomTerritory) -> list[tuple[str, str]]:
    """(code, name) of its communes, by code."""
    codes = custom_member_codes(territory)
    places = commune_places(codes)
    return [(c, places[c].name if c in places else c) for c in codes]


def custom_members_of(code: str) -> list[tuple[str, str]]:
    territory = custom_territory_get(code)
    return custom_members(territory) if territory is not None else []


def custom_common_parents(territory: CustomTerritory) -> list[tuple[str, str]]:
    """(level, code) of the département and région that contain all its communes, if any."""
    codes = custom_member_codes(territory)
    rows = set(Place.objects.filter(code__in=codes).values_list("departement", "region").distinct())
    parents = []
    departements = {d for d, _r in rows}
    regions = {r for _d, r in rows}
    if len(departements) == 1:
        parents.append((Level.DEPARTEMENT.value, next(iter(departements))))
    if len(regions) == 1:
        parents.append((Level.REGION.value, next(iter(regions))))
    return parents


def custom_label(territory: CustomTerritory) -> str:
    return _("%(name)s (territoire personnalisé)") % {"name": territory.name}
