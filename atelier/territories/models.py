"""French administrative geography and the INSEE nomenclatures, loaded from real sources by
`atelier load-reference` (see data/README.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import CommuneKind, EssFamily, GroupingKind, PositionPrecision, Zone
from .names import place_key


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    zone = models.CharField(_("zone"), max_length=5, choices=Zone.choices, default=Zone.METRO)
    # atelier.territories.names.place_key(name), for look-ups by name
    search_name = models.CharField(_("nom normalisé"), max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("région")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = place_key(self.name)
        super().save(*args, **kwargs)


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", verbose_name=_("région")
    )
    zone = models.CharField(_("zone"), max_length=5, choices=Zone.choices, default=Zone.METRO)
    search_name = models.CharField(_("nom normalisé"), max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("département")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.search_name = place_key(self.name)
        super().save(*args, **kwargs)


class Grouping(models.Model):
    """An EPCI à fiscalité propre or an EPT (Grand Paris), identified by its SIREN."""

    code = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("nature"), max_length=5, choices=GroupingKind.choices)
    search_name = models.CharField(_("nom normalisé"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("intercommunalité")
        verbose_name_plural = _("intercommunalités")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = place_key(self.name)
        super().save(*args, **kwargs)


class Commune(models.Model):
    """A current commune, or a municipal arrondissement of Paris, Lyon or Marseille (kind ARM,
    with `parent` the commune). Every row has a position; `position_precision` says how good."""

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100, db_index=True)
    kind = models.CharField(_("type"), max_length=3, choices=CommuneKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="arrondissements",
        verbose_name=_("commune parente"),
    )
    departement = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("département"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="communes", verbose_name=_("région")
    )
    epci = models.ForeignKey(
        Grouping,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communes",
        verbose_name=_("EPCI"),
    )
    ept = models.ForeignKey(
        Grouping,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ept_communes",
        verbose_name=_("établissement public territorial (EPT)"),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    position_precision = models.CharField(
        _("précision de la position"), max_length=16, choices=PositionPrecision.choices
    )
    search_name = models.CharField(
        _("nom normalisé"), max_length=100, blank=True, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("commune")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.search_name = place_key(self.name)
        super().save(*args, **kwargs)


class PostalCode(models.Model):
    code = models.CharField(_("code postal"), max_length=5, db_index=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="postal_codes", verbose_name=_("commune")
    )

    class Meta:
        verbose_name = _("code postal")
        verbose_name_plural = _("codes postaux")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "commune"], name="territories_postalcode_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.commune_id}"


class NafCode(models.Model):
    """NAF rév. 2, every level (section A…U, division, groupe, classe, sous-classe)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    label = models.CharField(_("libellé"), max_length=255)
    level = models.PositiveSmallIntegerField(_("niveau"))  # 1 section … 5 sous-classe
    section = models.CharField(_("section"), max_length=1, db_index=True)

    class Meta:
        verbose_name = _("code NAF")
        verbose_name_plural = _("codes NAF")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class LegalCategory(models.Model):
    """INSEE catégorie juridique, level III (4 digits), with its ESS family when it has one."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    label = models.CharField(_("libellé"), max_length=255)
    ess_family = models.CharField(
        _("famille ESS"), max_length=16, choices=EssFamily.choices, default=EssFamily.OTHER
    )

    class Meta:
        verbose_name = _("catégorie juridique")
        verbose_name_plural = _("catégories juridiques")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class ReferenceState(models.Model):
    """What `atelier load-reference` last loaded: a fingerprint of the source versions (to skip
    the work when nothing changed) and the summary it printed."""

    key = models.CharField(_("clé"), max_length=50, primary_key=True)
    fingerprint = models.CharField(_("empreinte des sources"), max_length=64)
    summary = models.JSONField(_("bilan"), default=dict)
    loaded_at = models.DateTimeField(_("chargé le"), auto_now=True)

    class Meta:
        verbose_name = _("état du référentiel")
        verbose_name_plural = _("états du référentiel")

    def __str__(self) -> str:
        return self.key
