"""The observatory's tables: rebuilt as a whole from the directory by
services.rebuild.observatory_rebuild (set-based SQL), or brought up to date by
services.incremental.observatory_refresh (the rows of the organisations changed since the last
build, set-based too), never edited one row at a time.

- `Place`: the reference communes and municipal arrondissements with the code of each level
  that contains them (a copy of the territories reference, so that the rebuild is one join).
- `Aggregate`: per territory of every level × dimension × value, the counts, the employee
  estimate and what statistical confidentiality needs (organisations present, the largest
  share of one organisation).
- `TopContribution`: per aggregate cell, its few largest organisations' jobs (what the
  refresh keeps `Aggregate.max_org_jobs` exact with, services.maxima).
- `FlowAggregate`: creations and cessations per territory and year.
- `TerritoryPopulation`: population and communes of every territory (indexes per inhabitant).
- `Fact`: the facts the tables were computed from (one row per organisation at its head office,
  per open establishment, per creation and cessation), so that a refresh knows what a changed
  organisation contributed before (its old places, bands, family…) and removes exactly that.
- `State`: which directory data version the tables reflect, and since when changes must be read.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Dimension, Flow, Level


class Place(models.Model):
    code = models.CharField(max_length=5, primary_key=True)
    is_arrondissement = models.BooleanField(default=False)
    commune = models.CharField(max_length=5)  # the parent commune for an arrondissement
    arrondissement = models.CharField(max_length=5, blank=True)
    epci = models.CharField(max_length=9, blank=True)
    ept = models.CharField(max_length=9, blank=True)
    departement = models.CharField(max_length=3)
    region = models.CharField(max_length=3)
    population = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("commune de l'observatoire")

    def __str__(self) -> str:
        return self.code


class Aggregate(models.Model):
    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=40)
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    value = models.CharField(max_length=16, blank=True)
    organisations = models.IntegerField()  # head offices in the territory
    establishments = models.IntegerField()  # open establishments in the territory
    # Distinct organisations present in the cell (head office or establishment there): the
    # "fewer than 3 organisations" rule counts these.
    contributors = models.IntegerField()
    jobs_low = models.FloatField()
    jobs_central = models.FloatField()
    jobs_high = models.FloatField()
    # The largest central estimate of one organisation's jobs in the cell (dominance rule).
    max_org_jobs = models.FloatField()
    # Organisations with estimated jobs in the cell (central estimate above 0): the cell's
    # list of largest contributions (`TopContribution`) is complete when it holds that many.
    employers = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("agrégat de l'observatoire")
        indexes = [
            models.Index(
                fields=["level", "code", "dimension", "value"], name="observatory_agg_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.code} {self.dimension}={self.value}"


class TopContribution(models.Model):
    """One of the largest organisations of an aggregate cell (its central estimate of jobs
    there, above 0): at most services.rebuild.TOP_K per cell, so that a refresh finds the
    largest organisation of a cell whose leader lost jobs without reading the territory's facts
    (services.maxima). Every organisation of the cell not listed has at most the jobs of the
    smallest one listed."""

    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=40)
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    value = models.CharField(max_length=16, blank=True)
    org = models.BigIntegerField()
    jobs = models.FloatField()

    class Meta:
        verbose_name = _("plus grande contribution d'une case")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "dimension", "value", "org"], name="observatory_top_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.code} {self.dimension}={self.value} {self.org}"


class FlowAggregate(models.Model):
    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=40)
    flow = models.CharField(max_length=8, choices=Flow.choices)
    year = models.IntegerField()
    organisations = models.IntegerField()

    class Meta:
        verbose_name = _("créations et cessations par an")
        indexes = [models.Index(fields=["level", "code"], name="observatory_flow_territory")]

    def __str__(self) -> str:
        return f"{self.level}:{self.code} {self.flow} {self.year}"


class TerritoryPopulation(models.Model):
    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=40)
    population = models.BigIntegerField(null=True)
    communes = models.IntegerField()
    communes_without_population = models.IntegerField()

    class Meta:
        verbose_name = _("population d'un territoire")
        indexes = [models.Index(fields=["level", "code"], name="observatory_pop_territory")]

    def __str__(self) -> str:
        return f"{self.level}:{self.code}"


class Fact(models.Model):
    """A fact of the last build or refresh (services.rebuild: kinds O, E, C, X), at its place
    (`Place.code`); the jobs are the estimate of its headcount band (E rows only)."""

    kind = models.CharField(max_length=1)
    org = models.BigIntegerField()
    place = models.CharField(max_length=5)
    family = models.CharField(max_length=16, blank=True)
    legal = models.CharField(max_length=4, blank=True)
    naf = models.CharField(max_length=1, blank=True)
    themes = models.IntegerField(default=0)
    band = models.CharField(max_length=2, blank=True)
    year = models.IntegerField(null=True)
    jobs_low = models.FloatField(default=0)
    jobs_central = models.FloatField(default=0)
    jobs_high = models.FloatField(default=0)

    class Meta:
        verbose_name = _("fait de l'observatoire")
        indexes = [
            models.Index(fields=["org"], name="observatory_fact_org"),
            models.Index(fields=["place"], name="observatory_fact_place"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.org}@{self.place}"


class State(models.Model):
    key = models.CharField(max_length=16, primary_key=True)
    source_version = models.BigIntegerField(default=-1)
    built_at = models.DateTimeField(null=True)
    seconds = models.FloatField(default=0)
    facts = models.BigIntegerField(default=0)
    aggregates = models.BigIntegerField(default=0)
    # Changes to read at the next refresh: rows written at or after this instant (the start of
    # the last build or refresh, minus a margin); null until a build stored its facts.
    changes_since = models.DateTimeField(null=True)
    # The layout of the stored facts (services.rebuild.FACT_SCHEMA): another one means a full
    # rebuild (the facts of an older layout cannot be subtracted).
    fact_schema = models.IntegerField(default=0)
    # "full" or "incremental": how the last refresh was made, and how many organisations it read.
    refresh_kind = models.CharField(max_length=16, blank=True)
    refreshed_organisations = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("état de l'observatoire")

    def __str__(self) -> str:
        return self.key


class CustomTerritory(models.Model):
    """A list of communes (or municipal arrondissements) saved by the staff of a network: its
    indicators are computed like any other level's (level `custom`, services.rebuild)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    network = models.ForeignKey(
        "accounts.Network",
        on_delete=models.PROTECT,
        related_name="custom_territories",
        verbose_name=_("réseau propriétaire"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("territoire personnalisé")
        verbose_name_plural = _("territoires personnalisés")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomTerritoryCommune(models.Model):
    """A commune (or municipal arrondissement) of a custom territory, by its INSEE code."""

    territory = models.ForeignKey(CustomTerritory, on_delete=models.CASCADE, related_name="members")
    code = models.CharField(_("code commune"), max_length=5)

    class Meta:
        verbose_name = _("commune d'un territoire personnalisé")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "code"], name="observatory_custom_commune_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.territory_id}:{self.code}"


class EconomyAggregate(models.Model):
    """Every establishment of the territory, ESS or not (the counts `import-sirene --count-all`
    stored in the directory), with the employee estimate of their headcount bands: the
    denominator of the ESS's share. `communes_missing`: places (communes, arrondissements) of the
    territory whose counts were never imported (then no ratio is given)."""

    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=40)
    establishments = models.BigIntegerField()
    jobs_low = models.FloatField()
    jobs_central = models.FloatField()
    jobs_high = models.FloatField()
    communes_missing = models.IntegerField()

    class Meta:
        verbose_name = _("établissements de toute l'économie")
        indexes = [models.Index(fields=["level", "code"], name="observatory_eco_territory")]

    def __str__(self) -> str:
        return f"{self.level}:{self.code}"
