"""Which territory a level and a code name, through atelier.territories' selectors.

Levels: commune (its arrondissements included for Paris, Lyon, Marseille), arrondissement
(a municipal arrondissement), epci, ept, departement, region. A commune code that is an
arrondissement's is answered at the arrondissement level (`canonical`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from atelier.territories.enums import CommuneKind, TerritoryLevel
from atelier.territories.selectors import TerritoryRef, territory_detail

from ..enums import FRANCE_CODE, Level
from .custom import custom_common_parents, custom_label, custom_territory_get


@dataclass(frozen=True, slots=True)
class Territory:
    level: str  # enums.Level value
    code: str
    name: str
    label: str
    parents: tuple[Territory, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.level}:{self.code}"


def france() -> Territory:
    return Territory(Level.FRANCE, FRANCE_CODE, _("France"), _("France"))


def _from_ref(ref: TerritoryRef) -> Territory:
    return Territory(str(ref.level), ref.code, ref.name, ref.label)


def territory_resolve(level: str, code: str) -> Territory | None:
    """The territory, with its parent levels (narrowest first), or None when unknown."""
    if level == Level.CUSTOM:
        return _custom((code or "").strip().lower()[:40])
    code = (code or "").strip().upper()[:12]
    if level in (Level.COMMUNE, Level.ARRONDISSEMENT):
        detail = territory_detail(TerritoryLevel.COMMUNE, code)
        if detail is None:
            return None
        is_arrondissement = detail.kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT
        if level == Level.ARRONDISSEMENT and not is_arrondissement:
            return None
        level = Level.ARRONDISSEMENT if is_arrondissement else Level.COMMUNE
    elif level in (Level.EPCI, Level.EPT, Level.DEPARTEMENT, Level.REGION):
        detail = territory_detail(level, code)
        if detail is None:
            return None
    else:
        return None
    parents = tuple(_from_ref(ref) for ref in detail.parents)
    return Territory(str(level), detail.ref.code, detail.ref.name, detail.ref.label, parents)


def reference_region(territory: Territory) -> Territory | None:
    """The région a territory is indexed to (its own région; the first one for an
    intercommunality across two), None for a région."""
    for parent in territory.parents:
        if parent.level == Level.REGION:
            return parent
    return None


def _custom(code: str) -> Territory | None:
    """A custom territory, with the département and région containing all its communes."""
    found = custom_territory_get(code)
    if found is None:
        return None
    parents = []
    for level, parent_code in custom_common_parents(found):
        parent = territory_resolve(level, parent_code)
        if parent is not None:
            parents.append(Territory(parent.level, parent.code, parent.name, parent.label))
    return Territory(Level.CUSTOM, found.code, found.name, custom_label(found), tuple(parents))
