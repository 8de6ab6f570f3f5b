""" "Premières heures" (Paris, since 2010): the structures taking part, their beneficiaries,
contracts and hours worked per month. What the structure is due each month is computed from
these rows and the scheme's dated parameters (selectors/premieres_heures.py); every write goes
through services/insertion.py, which validates (the constraints below are the database's
backstop).

Personal data is minimised: a beneficiary is a pseudonymous reference the structure chooses
(no name, no identity document, no birth date), readable by the network's staff only, every
reading access-logged."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from atelier.core.models import TimeStampedModel

from ..enums import ExitOutcome

# 31 days × 24 hours: no month holds more hours.
MONTH_HOURS_MAX = 744
REFERENCE_MAX_LENGTH = 40


class InsertionStructure(TimeStampedModel):
    """A structure (atelier or chantier d'insertion) taking part in Premières heures: an Atlas
    organisation, followed by the staff of one network."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation (fiche de l'Atlas)"),
    )
    network = models.ForeignKey(
        "accounts.Network",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("réseau"),
    )

    class Meta:
        verbose_name = _("structure Premières heures")
        verbose_name_plural = _("structures Premières heures")
        ordering = ["organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network"],
                name="support_insertion_structure_once_per_network",
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class Beneficiary(TimeStampedModel):
    """A person hired through Premières heures, known by a pseudonymous reference only."""

    structure = models.ForeignKey(
        InsertionStructure,
        on_delete=models.CASCADE,
        related_name="beneficiaries",
        verbose_name=_("structure"),
    )
    reference = models.CharField(
        _("référence"),
        max_length=REFERENCE_MAX_LENGTH,
        help_text=_(
            "Référence pseudonyme choisie par la structure (par exemple PH-2025-07) : "
            "ni nom, ni numéro de sécurité sociale."
        ),
    )
    erased_at = models.DateTimeField(_("effacé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("bénéficiaire Premières heures")
        verbose_name_plural = _("bénéficiaires Premières heures")
        ordering = ["structure", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "reference"], name="support_beneficiary_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Contract(TimeStampedModel):
    """A contract of a beneficiary (CAE in the scheme): entry, and exit with its outcome.
    A beneficiary's contracts never overlap."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="contracts",
        verbose_name=_("bénéficiaire"),
    )
    start = models.DateField(_("date d'entrée"))
    end = models.DateField(_("date de sortie"), null=True, blank=True)
    outcome = models.CharField(
        _("issue de la sortie"), max_length=20, choices=ExitOutcome.choices, blank=True
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    class Meta:
        verbose_name = _("contrat Premières heures")
        verbose_name_plural = _("contrats Premières heures")
        ordering = ["beneficiary", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="support_contract_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=(Q(end__isnull=True) & Q(outcome=""))
                | (Q(end__isnull=False) & ~Q(outcome="")),
                name="support_contract_outcome_with_exit",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "start"], name="support_contract_one_entry_per_day"
            ),
        ]

    def __str__(self) -> str:
        end = f"{self.end:%d/%m/%Y}" if self.end else "…"
        return f"{self.beneficiary} : {self.start:%d/%m/%Y} – {end}"


class MonthlyHours(TimeStampedModel):
    """The hours a beneficiary worked under one contract in one month (`month` is the first
    day of the month), in whole hours as the scheme counts them."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="hours", verbose_name=_("contrat")
    )
    month = models.DateField(_("mois"))
    hours = models.PositiveSmallIntegerField(_("heures travaillées"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    class Meta:
        verbose_name = _("heures du mois")
        verbose_name_plural = _("heures des mois")
        ordering = ["contract", "month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=MONTH_HOURS_MAX),
                name="support_hours_within_a_month",
            ),
            models.UniqueConstraint(
                fields=["contract", "month"], name="support_hours_once_per_contract_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.beneficiary} {self.month:%m/%Y} : {self.hours} h"
