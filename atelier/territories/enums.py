from django.db import models
from django.utils.translation import gettext_lazy as _


class CommuneKind(models.TextChoices):
    COMMUNE = "COM", _("commune")
    MUNICIPAL_ARRONDISSEMENT = "ARM", _("arrondissement municipal")


class Zone(models.TextChoices):
    """Where a région or département lies; `com` marks the collectivités d'outre-mer (Saint-Martin,
    Polynésie française…), which INSEE's files list beside the départements."""

    METRO = "metro", _("France métropolitaine")
    DROM = "drom", _("département ou région d'outre-mer")
    COM = "com", _("collectivité d'outre-mer")


class GroupingKind(models.TextChoices):
    """EPCI à fiscalité propre, plus the établissements publics territoriaux of the Grand Paris."""

    CC = "CC", _("communauté de communes")
    CA = "CA", _("communauté d'agglomération")
    CU = "CU", _("communauté urbaine")
    METRO = "METRO", _("métropole")
    MET69 = "MET69", _("métropole de Lyon")
    EPT = "EPT", _("établissement public territorial")


class PositionPrecision(models.TextChoices):
    GEONAMES = "geonames", _("position de la commune (GeoNames)")
    APPROX_EPCI = "approx_epci", _("approximative : centre de l'intercommunalité")
    APPROX_DEPARTEMENT = "approx_dep", _("approximative : centre du département")
    APPROX_PARENT = "approx_parent", _("approximative : position de la commune mère")


class EssFamily(models.TextChoices):
    ASSOCIATION = "association", _("association")
    COOPERATIVE = "cooperative", _("coopérative")
    MUTUAL = "mutual", _("mutuelle")
    FOUNDATION = "foundation", _("fondation")
    OTHER = "other", _("autre forme")


# Families whose legal categories place an organisation in the ESS by themselves.
ESS_FAMILIES_BY_LAW = frozenset(
    {EssFamily.ASSOCIATION, EssFamily.COOPERATIVE, EssFamily.MUTUAL, EssFamily.FOUNDATION}
)


class TerritoryLevel(models.TextChoices):
    REGION = "region", _("région")
    DEPARTEMENT = "departement", _("département")
    EPCI = "epci", _("intercommunalité")
    EPT = "ept", _("établissement public territorial")
    COMMUNE = "commune", _("commune")
