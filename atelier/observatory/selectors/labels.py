"""Labels of the breakdown values, for people."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from atelier.directory.enums import HeadcountBand, Theme
from atelier.territories.enums import EssFamily
from atelier.territories.selectors import legal_category_labels, naf_section_labels

from ..enums import BAND_ORDER, Dimension
from ..services.rebuild import NO_THEME

FAMILY_ORDER = [f.value for f in EssFamily]


def value_labels(dimension: str, values: Iterable[str]) -> dict[str, str]:
    values = list(values)
    if dimension == Dimension.FAMILY:
        return {v: str(EssFamily(v).label) if v in FAMILY_ORDER else v for v in values}
    if dimension == Dimension.LEGAL:
        known = legal_category_labels([v for v in values if v])
        return {v: f"{v} {known[v]}" if v in known else (v or _("non renseignée")) for v in values}
    if dimension == Dimension.NAF:
        known = naf_section_labels([v for v in values if v])
        return {v: f"{v} — {known[v]}" if v in known else (v or _("non renseigné")) for v in values}
    if dimension == Dimension.BAND:
        bands = {b.value: str(b.label) for b in HeadcountBand}
        return {v: f"{v} — {bands[v]}" if v in bands else v for v in values}
    if dimension == Dimension.THEME:
        themes = {str(t.value): str(t.label) for t in Theme}
        themes[NO_THEME] = _("sans thème renseigné")
        return {v: themes.get(v, v) for v in values}
    return {v: v for v in values}


def value_order(dimension: str, value: str) -> tuple:
    """Sort key of a value inside its breakdown (bands and families in their own order)."""
    if dimension == Dimension.BAND:
        return (BAND_ORDER.index(value) if value in BAND_ORDER else 99, value)
    if dimension == Dimension.FAMILY:
        return (FAMILY_ORDER.index(value) if value in FAMILY_ORDER else 99, value)
    if dimension == Dimension.THEME:
        return (int(value) if value.lstrip("-").isdigit() and value != NO_THEME else 99, value)
    return (0, value)
