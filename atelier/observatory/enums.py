"""Levels, breakdown dimensions and the employee estimate of the INSEE headcount bands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Territory levels of the observatory (France: only as a comparison)."""

    COMMUNE = "commune", _("commune")
    ARRONDISSEMENT = "arrondissement", _("arrondissement municipal")
    EPCI = "epci", _("intercommunalité")
    EPT = "ept", _("établissement public territorial")
    DEPARTEMENT = "departement", _("département")
    REGION = "region", _("région")
    FRANCE = "france", _("France")
    # A list of communes saved by the staff of a network (models.CustomTerritory).
    CUSTOM = "custom", _("territoire personnalisé")


PAGE_LEVELS = [level for level in Level if level != Level.FRANCE]
FRANCE_CODE = "FR"


class Dimension(models.TextChoices):
    TOTAL = "total", _("ensemble")
    FAMILY = "family", _("famille de l'ESS")
    LEGAL = "legal", _("forme juridique")
    NAF = "naf", _("secteur d'activité (section NAF)")
    BAND = "band", _("tranche d'effectifs salariés")
    THEME = "theme", _("thème")


BREAKDOWNS = [d for d in Dimension if d != Dimension.TOTAL]
# A theme breakdown is no partition: an organisation may have several themes (or none).
NON_ADDITIVE = frozenset({Dimension.THEME})


class Flow(models.TextChoices):
    CREATION = "creation", _("créations")
    CLOSURE = "closure", _("cessations")


# Employees by INSEE headcount band (tranche d'effectifs salariés): (low, high) bounds. NN
# (non-employer, or unknown) and 00 (no employee at 31 December) count 0. The central value is
# the midpoint of the band; the open band 53 (10,000 and more) is capped at 20,000 (10,000 × 2).
BAND_BOUNDS: dict[str, tuple[int, int]] = {
    "NN": (0, 0),
    "00": (0, 0),
    "01": (1, 2),
    "02": (3, 5),
    "03": (6, 9),
    "11": (10, 19),
    "12": (20, 49),
    "21": (50, 99),
    "22": (100, 199),
    "31": (200, 249),
    "32": (250, 499),
    "41": (500, 999),
    "42": (1000, 1999),
    "51": (2000, 4999),
    "52": (5000, 9999),
    "53": (10000, 20000),
}
BAND_ORDER = list(BAND_BOUNDS)


def band_central(band: str) -> float:
    low, high = BAND_BOUNDS.get(band, (0, 0))
    return (low + high) / 2
