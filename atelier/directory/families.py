"""The ESS families as the map draws them: a small integer per family (what the map index and
the map API carry, to keep answers small), a letter (markers can be told apart without colour)
and a CSS class whose colours meet WCAG AA for the letter (directory/static/directory/map.css)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from atelier.territories.enums import EssFamily


@dataclass(frozen=True, slots=True)
class MapFamily:
    index: int
    value: str
    letter: str
    label: Promise  # singular, as the legend names it
    plural: Promise  # "{n} associations" in a cluster's accessible name

    @property
    def css_class(self) -> str:
        return f"atlas-fam-{self.index}"


MAP_FAMILIES: tuple[MapFamily, ...] = (
    MapFamily(0, EssFamily.ASSOCIATION, "A", _("association"), _("associations")),
    MapFamily(1, EssFamily.COOPERATIVE, "C", _("coopérative"), _("coopératives")),
    MapFamily(2, EssFamily.MUTUAL, "M", _("mutuelle"), _("mutuelles")),
    MapFamily(3, EssFamily.FOUNDATION, "F", _("fondation"), _("fondations")),
    MapFamily(4, EssFamily.OTHER, "X", _("autre forme (entreprise sociale, ESUS…)"), _("autres")),
)
FAMILY_COUNT = len(MAP_FAMILIES)
OTHER_INDEX = 4
_INDEX = {f.value: f.index for f in MAP_FAMILIES}


def family_index(value: str | None) -> int:
    """The map index of an `Organisation.ess_family` value (unknown values: "other")."""
    return _INDEX.get(value or "", OTHER_INDEX)


def dominant(counts: tuple[int, ...]) -> int:
    """The family holding most of `counts` (a tie: the first in MAP_FAMILIES order)."""
    if not counts or not any(counts):
        return OTHER_INDEX
    return max(range(len(counts)), key=lambda i: (counts[i], -i))
