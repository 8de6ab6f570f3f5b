"""The schemes catalogue (dispositifs): what each scheme is, where and for whom, and the dated
values of the parameters its rule reads (rules.py modules hold the rules as code)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atelier.core.models import TimeStampedModel

from ..enums import SchemeKind, SchemeState


class Scheme(TimeStampedModel):
    """A scheme: a financing, a support programme, a test-before-creating structure, a call
    for projects or an insertion scheme. Common ground of the instance (like the Atlas)."""

    slug = models.SlugField(_("identifiant"), unique=True, max_length=80)
    name = models.CharField(_("nom"), max_length=200)
    summary = models.TextField(_("présentation"), blank=True)
    kind = models.CharField(_("nature"), max_length=24, choices=SchemeKind.choices)
    operator = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opérateur (fiche de l'Atlas)"),
    )
    # Who runs the scheme when it has no record in the Atlas (a public authority, a network of
    # local structures): shown instead of the Atlas record's name.
    operator_name = models.CharField(
        _("opérateur (sans fiche dans l'Atlas)"), max_length=200, blank=True
    )
    variant_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variants",
        verbose_name=_("déclinaison locale de"),
    )
    # "level:code" keys of the territories the scheme covers (country:FR, region:11,
    # departement:75, epci:…, ept:…, commune:…, arrondissement:…).
    perimeter = models.JSONField(_("périmètre"), default=list)
    audiences = models.JSONField(_("publics (situations)"), default=list, blank=True)
    stages = models.JSONField(_("étapes du projet"), default=list, blank=True)
    projects = models.JSONField(_("types de projet"), default=list, blank=True)
    legal_forms = models.JSONField(_("formes juridiques acceptées"), default=list, blank=True)
    needs = models.JSONField(_("besoins couverts"), default=list, blank=True)
    # NAF rév. 2 section letters the scheme is reserved to (empty: every sector).
    sectors = models.JSONField(_("secteurs d'activité (sections NAF)"), default=list, blank=True)
    # The rule (code) that decides eligibility: a key of the rules registry.
    rule = models.CharField(_("règle d'éligibilité"), max_length=80)
    state = models.CharField(
        _("état"), max_length=20, choices=SchemeState.choices, default=SchemeState.OPEN
    )
    opens_on = models.DateField(_("ouvert à partir du"), null=True, blank=True)
    closes_on = models.DateField(_("clôture le"), null=True, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)  # [{"title", "url"}]
    last_checked_on = models.DateField(_("vérifié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispositif")
        verbose_name_plural = _("dispositifs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchemeParameter(TimeStampedModel):
    """One dated value of a scheme's parameter: the value applies from `start` until the next
    value's start. A change is a new row, so an answer given on a past day stays reproducible."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="parameters", verbose_name=_("dispositif")
    )
    name = models.SlugField(_("paramètre"), max_length=80)
    start = models.DateField(_("en vigueur à partir du"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    is_example = models.BooleanField(
        _("valeur d'exemple"),
        default=False,
        help_text=_("Aucun document ne donne ce montant : à fixer par l'opérateur."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    class Meta:
        verbose_name = _("valeur datée d'un paramètre")
        verbose_name_plural = _("valeurs datées des paramètres")
        ordering = ["scheme", "name", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "name", "start"], name="support_parameter_one_value_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme.slug}.{self.name} = {self.value} ({self.start:%Y-%m-%d})"
