"""Support journeys (case management): the support structures of a network and what they take
(routing filters), their advisors, and the cases of project holders with their log, their
attachments and the reminders sent about them.

Personal data is minimal: a first name or pseudonym, an e-mail address and/or a phone number,
the preferred way of contact, the consent given. No identity document, no address. Every read of
a case by a person is access-logged (core.AccessLog); closed cases are anonymised after
`SUPPORT_ANONYMISE_AFTER_DAYS` (services.privacy)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atelier.core.models import TimeStampedModel

from ..enums import CaseEventKind, CaseOutcome, CaseState, ContactWay, ReminderKind


class SupportStructure(TimeStampedModel):
    """An organisation of the Atlas registered by a network as a support structure, with the
    cases it takes: a case goes to every active structure whose filters all match the holder's
    answers (an empty filter matches anything; selectors.routing)."""

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
    label = models.CharField(
        _("nom affiché"),
        max_length=200,
        blank=True,
        help_text=_("Vide : le nom de l'organisation."),
    )
    is_active = models.BooleanField(_("reçoit des demandes"), default=True)
    # "level:code" keys: commune:93066, arrondissement:75119, epci:…, ept:…, departement:75,
    # region:11, country:FR.
    territories = models.JSONField(_("territoires couverts"), default=list, blank=True)
    naf_sections = models.JSONField(_("secteurs (sections NAF)"), default=list, blank=True)
    legal_forms = models.JSONField(_("formes juridiques"), default=list, blank=True)
    stages = models.JSONField(_("étapes du projet"), default=list, blank=True)
    needs = models.JSONField(_("besoins"), default=list, blank=True)
    headcount_bands = models.JSONField(_("tranches d'effectif"), default=list, blank=True)

    class Meta:
        verbose_name = _("structure d'accompagnement")
        verbose_name_plural = _("structures d'accompagnement")
        ordering = ["label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network"], name="support_structure_once_per_network"
            )
        ]

    def __str__(self) -> str:
        return self.label or self.organisation.name

    @property
    def display_name(self) -> str:
        return str(self)


class StructureAdvisor(TimeStampedModel):
    """A user who advises for a structure: they see and take the cases routed to it (while they
    also hold the advisor role in the structure's network)."""

    structure = models.ForeignKey(
        SupportStructure,
        on_delete=models.CASCADE,
        related_name="advisors",
        verbose_name=_("structure"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("conseiller·ère"),
    )

    class Meta:
        verbose_name = _("conseiller·ère d'une structure")
        verbose_name_plural = _("conseiller·ères des structures")
        constraints = [
            models.UniqueConstraint(fields=["structure", "user"], name="support_advisor_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.structure}"


class Case(TimeStampedModel):
    """A project holder's request for support. `created_at` is when it was opened."""

    network = models.ForeignKey(
        "accounts.Network",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("réseau"),
    )
    reference = models.CharField(_("référence"), max_length=20, unique=True, null=True)
    # The questionnaire's answers (profile.Profile, as selectors.profile_params writes them):
    # no personal data.
    profile = models.JSONField(_("réponses au questionnaire"), default=dict)
    commune = models.CharField(_("commune (code INSEE)"), max_length=5, db_index=True)
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    schemes_shown = models.JSONField(_("dispositifs proposés"), default=list, blank=True)
    # The minimal contact.
    first_name = models.CharField(_("prénom ou pseudonyme"), max_length=60, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    contact_way = models.CharField(
        _("contact préféré"), max_length=10, choices=ContactWay.choices, blank=True
    )
    consent_at = models.DateTimeField(_("accord donné le"))
    consent_version = models.CharField(_("version du texte d'accord"), max_length=20)
    # The follow-up.
    state = models.CharField(
        _("état"), max_length=20, choices=CaseState.choices, default=CaseState.NEW, db_index=True
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pris en charge par"),
    )
    taken_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("issue"), max_length=20, choices=CaseOutcome.choices, blank=True)
    financed_scheme = models.ForeignKey(
        "support.Scheme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("dispositif de financement"),
    )
    financed_amount = models.DecimalField(
        _("montant obtenu (euros)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    next_action_on = models.DateField(_("prochaine action le"), null=True, blank=True)
    # sha256 of the holder's private follow-up token (the token itself is never stored).
    holder_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)

    # Set by services.cases.case_open on the instance it returns (never stored).
    holder_token: str = ""

    class Meta:
        verbose_name = _("dossier d'accompagnement")
        verbose_name_plural = _("dossiers d'accompagnement")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["network", "state"], name="support_case_network_state")]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"


class CaseRouting(TimeStampedModel):
    """The case was sent to this structure (by the routing filters, or by a person)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="routings", verbose_name=_("dossier")
    )
    structure = models.ForeignKey(
        SupportStructure,
        on_delete=models.PROTECT,
        related_name="routings",
        verbose_name=_("structure"),
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("orienté par (vide : automatiquement)"),
    )

    class Meta:
        verbose_name = _("orientation d'un dossier")
        verbose_name_plural = _("orientations des dossiers")
        constraints = [
            models.UniqueConstraint(fields=["case", "structure"], name="support_routing_once")
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.structure}"


class CaseEvent(models.Model):
    """One entry of a case's log: a transition (from → to), a note, an attachment, a next-action
    date, a routing, a reminder. `by` is empty for the holder and the system."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("dossier")
    )
    at = models.DateTimeField(_("date et heure"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("par"),
    )
    kind = models.CharField(_("nature"), max_length=20, choices=CaseEventKind.choices)
    from_state = models.CharField(
        _("de l'état"), max_length=20, choices=CaseState.choices, blank=True
    )
    to_state = models.CharField(
        _("vers l'état"), max_length=20, choices=CaseState.choices, blank=True
    )
    text = models.TextField(_("texte"), blank=True)

    class Meta:
        verbose_name = _("événement d'un dossier")
        verbose_name_plural = _("journal des dossiers")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.at:%Y-%m-%d %H:%M} {self.kind}"


def _attachment_path(instance: "CaseAttachment", filename: str) -> str:
    """A path that does not carry the file's original name (kept in `name`)."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"support/cases/{instance.case_id}/{secrets.token_hex(12)}.{suffix[:8]}"


class CaseAttachment(models.Model):
    """A document an advisor attached to a case (limited in size and type; never an identity
    document: the form says so)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dossier")
    )
    file = models.FileField(_("fichier"), upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("nom du fichier"), max_length=150)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("déposé le"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("déposé par"),
    )

    class Meta:
        verbose_name = _("pièce jointe d'un dossier")
        verbose_name_plural = _("pièces jointes des dossiers")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CaseReminder(models.Model):
    """A reminder about a case: of `kind`, at `threshold` days (SUPPORT_REMINDER_DAYS) of the
    silence that began at `since` (the case opened or put back in the queue, for a case not
    taken; the last action or next-action date, for a case without action). Unique: a reminder
    is never sent twice, however often the daily run comes."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("dossier")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=ReminderKind.choices)
    threshold = models.PositiveSmallIntegerField(_("seuil (jours)"))
    since = models.DateTimeField(_("silence depuis"))
    sent_at = models.DateTimeField(_("envoyée le"))
    recipients = models.PositiveSmallIntegerField(_("destinataires"), default=0)
    escalated = models.BooleanField(_("à l'équipe du réseau"), default=False)
    # False: a later threshold was already reached when the daily run came (missed days): the
    # reminder is recorded as done, only the latest one is sent.
    sent = models.BooleanField(_("envoyée"), default=True)

    class Meta:
        verbose_name = _("relance d'un dossier")
        verbose_name_plural = _("relances des dossiers")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "threshold", "since"], name="support_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.threshold} j"
