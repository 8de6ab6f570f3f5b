"""Organisations of the ESS and their establishments. Facet columns on Organisation are
denormalised on write by services (never by signals) so that search and counts stay single-table."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from atelier.core.models import TimeStampedModel
from atelier.territories.enums import EssFamily

from .enums import (
    Approval,
    EssDecision,
    EssRule,
    EssSource,
    GeoPrecision,
    HeadcountBand,
    MembershipStatus,
    ProposalStatus,
    Source,
    Theme,
)


def in_perimeter_q(prefix: str = "") -> models.Q:
    """`OrganisationQuerySet.in_perimeter` as a condition on the organisation reached by
    `prefix` (e.g. "organisation__" from an establishment: a condition on the join, where an
    `organisation__in=` subquery would read every organisation of the perimeter first)."""
    return ~models.Q(**{f"{prefix}ess_rule": EssRule.NONE}) & models.Q(
        **{f"{prefix}is_active": True}
    )


class OrganisationQuerySet(models.QuerySet):
    def in_ess(self) -> "OrganisationQuerySet":
        """Organisations placed in the ESS perimeter by a rule (ceased ones included)."""
        return self.exclude(ess_rule=EssRule.NONE)

    def in_perimeter(self) -> "OrganisationQuerySet":
        """What the Atlas shows by default: in the ESS perimeter and active."""
        return self.filter(in_perimeter_q())


class Organisation(TimeStampedModel):
    siren = models.CharField(_("SIREN"), max_length=9, unique=True, null=True, blank=True)
    name = models.CharField(_("nom"), max_length=255)
    acronym = models.CharField(_("sigle"), max_length=64, blank=True)
    legal_category = models.ForeignKey(
        "territories.LegalCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("catégorie juridique"),
    )
    ess_family = models.CharField(
        _("famille ESS"), max_length=16, choices=EssFamily.choices, default=EssFamily.OTHER
    )
    sirene_ess_flag = models.CharField(
        _("indicateur ESS SIRENE"),
        max_length=1,
        blank=True,
        choices=[("O", _("oui")), ("N", _("non")), ("", _("non renseigné"))],
    )
    staff_approved = models.BooleanField(
        _("reconnue ESS par l'équipe"),
        default=False,
        help_text=_("Entreprise ESUS, adhérente… reconnue par l'équipe du réseau."),
    )
    ess_rule = models.CharField(
        _("règle d'appartenance à l'ESS"),
        max_length=16,
        choices=EssRule.choices,
        blank=True,
        db_index=True,
    )
    ess_decision = models.CharField(
        _("décision de l'équipe sur l'ESS"),
        max_length=8,
        choices=EssDecision.choices,
        blank=True,
        help_text=_(
            "Correction du statut ESS par l'équipe : elle l'emporte sur le répertoire SIRENE "
            "et sur la forme juridique, et chaque import ultérieur la conserve."
        ),
    )
    ess_source = models.CharField(
        _("source du statut ESS"),
        max_length=16,
        choices=EssSource.choices,
        blank=True,
        editable=False,
    )
    locked_fields = models.JSONField(
        _("champs corrigés à la main"),
        default=list,
        blank=True,
        help_text=_(
            "Champs modifiés par une personne : les imports (répertoire SIRENE, listes "
            "d'adhérents) ne les écrasent plus."
        ),
    )
    approval_bits = models.IntegerField(_("agréments"), default=0)
    # Per approval code ("esus", "siae_ei"…): where it comes from (services.approvals). The
    # bits above stay the one representation that filters and facets read.
    approval_sources = models.JSONField(
        _("sources des agréments"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "Pour chaque agrément, d'où il vient (liste d'adhérents d'un réseau, décision de "
            "l'équipe…) et à quelle date ; une décision de l'équipe est conservée par les "
            "imports."
        ),
    )
    theme_bits = models.IntegerField(_("thèmes"), default=0)
    headcount_band = models.CharField(
        _("tranche d'effectifs"),
        max_length=2,
        choices=HeadcountBand.choices,
        default=HeadcountBand.UNKNOWN,
    )
    naf = models.ForeignKey(
        "territories.NafCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("activité principale (NAF)"),
    )
    description = models.TextField(_("présentation"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    creation_date = models.DateField(_("date de création"), null=True, blank=True)
    is_active = models.BooleanField(_("en activité"), default=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)

    # Denormalised from the head office and nomenclatures, maintained by services.
    naf_section = models.CharField(_("section NAF"), max_length=1, blank=True, editable=False)
    commune_code = models.CharField(_("commune du siège"), max_length=5, blank=True, editable=False)
    departement_code = models.CharField(
        _("département du siège"), max_length=3, blank=True, editable=False
    )
    region_code = models.CharField(_("région du siège"), max_length=3, blank=True, editable=False)
    epci_code = models.CharField(_("EPCI du siège"), max_length=9, blank=True, editable=False)
    ept_code = models.CharField(_("EPT du siège"), max_length=9, blank=True, editable=False)
    search_text = models.TextField(_("texte de recherche"), blank=True, editable=False)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        # Facets and text are answered by the search index (directory/indexes.py): the table
        # keeps the indexes that SQL reads still need (territory drill-down, name order,
        # sync watermark — migration 0004), no per-facet index that every import must build.
        indexes = [models.Index(fields=["commune_code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def in_ess(self) -> bool:
        return bool(self.ess_rule)

    @property
    def themes(self) -> list[Theme]:
        return [t for t in Theme if self.theme_bits & (1 << t.value)]

    @property
    def approvals(self) -> list[Approval]:
        return [a for a in Approval if self.approval_bits & (1 << a.value)]


class Establishment(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="establishments",
        verbose_name=_("organisation"),
    )
    siret = models.CharField(_("SIRET"), max_length=14, unique=True, null=True, blank=True)
    name = models.CharField(_("enseigne"), max_length=255, blank=True)
    address_complement = models.CharField(_("complément d'adresse"), max_length=255, blank=True)
    street = models.CharField(_("voie"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("commune"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    geo_precision = models.CharField(
        _("précision de la position"), max_length=8, choices=GeoPrecision.choices, blank=True
    )
    # Web-Mercator world pixel coordinates at zoom 20 (256-px tiles), for server clustering.
    mx = models.IntegerField(_("abscisse carte"), null=True, blank=True, editable=False)
    my = models.IntegerField(_("ordonnée carte"), null=True, blank=True, editable=False)
    is_head_office = models.BooleanField(_("siège"), default=False)
    is_open = models.BooleanField(_("ouvert"), default=True)
    closed_on = models.DateField(
        _("fermé le"),
        null=True,
        blank=True,
        help_text=_(
            "Date de fermeture d'un établissement fermé (répertoire SIRENE : début de la "
            "période où il est fermé) ; vide pour un établissement ouvert."
        ),
    )
    naf = models.ForeignKey(
        "territories.NafCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("activité (NAF)"),
    )
    headcount_band = models.CharField(
        _("tranche d'effectifs"),
        max_length=2,
        choices=HeadcountBand.choices,
        default=HeadcountBand.UNKNOWN,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["-is_head_office", "siret"]
        # Map windows are read through `directory_establishment_map_key` (migration 0003): an
        # index on (mx, my) served no query and only slowed every write. `updated_at`: the
        # watermark and the changed rows of the map index's syncs (directory/indexes.py).
        indexes = [models.Index(fields=["updated_at"], name="directory_est_updated")]

    def __str__(self) -> str:
        return self.siret or self.name or f"#{self.pk}"

    @property
    def address_lines(self) -> list[str]:
        city = f"{self.postcode} {self.commune.name if self.commune else ''}".strip()
        return [x for x in (self.address_complement, self.street, city) if x]


class OrganisationMembership(TimeStampedModel):
    """Membership of an organisation in a network. Contact fields are personal data, private
    to that network's staff."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    network = models.ForeignKey(
        "accounts.Network",
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
        verbose_name=_("réseau"),
    )
    status = models.CharField(
        _("statut"),
        max_length=8,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
    )
    joined_on = models.DateField(_("adhésion le"), null=True, blank=True)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=32, blank=True)
    notes = models.TextField(_("notes internes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("adhésion à un réseau")
        verbose_name_plural = _("adhésions aux réseaux")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network"], name="directory_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.network}"


class PendingRestore(models.Model):
    """A statement that puts back what a bulk write removed for speed (an index, a foreign key,
    a full-text trigger). Written in the same transaction as the removal and deleted in the same
    transaction as the restore, so that a bulk write killed outright (SIGKILL, power loss)
    leaves a journal that the next bulk write, `atelier migrate` or
    `atelier bulk-restore` replays (services/bulk.py)."""

    statement = models.TextField(_("instruction SQL"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rétablissement en attente")
        verbose_name_plural = _("rétablissements en attente")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.statement[:80]


class ChangeProposal(TimeStampedModel):
    """A change of an organisation proposed by someone who may not edit it (another network's
    staff, a member, a visitor), accepted or refused by the staff of the organisation's
    networks or an instance moderator (services/proposals.py)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="change_proposals",
        verbose_name=_("organisation"),
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_proposals",
        verbose_name=_("auteur·rice"),
    )
    email = models.EmailField(_("courriel de l'auteur·rice"), blank=True)
    values = models.JSONField(_("valeurs proposées"), default=dict)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
        db_index=True,
    )
    reason = models.TextField(_("motif de la décision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decided_proposals",
        verbose_name=_("décidée par"),
    )
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposition de modification")
        verbose_name_plural = _("propositions de modification")
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_changeproposal", _("Peut modérer les propositions"))]

    def __str__(self) -> str:
        return f"n° {self.pk} — {self.organisation}"

    @property
    def contact_email(self) -> str:
        """Where the outcome is sent: the account's address, else the visitor's."""
        if self.proposer is not None and self.proposer.email:
            return self.proposer.email
        return self.email


def organisation_field(name: str) -> models.Field:
    """The concrete field `name` of Organisation (its verbose name, attname, choices)."""
    field = Organisation._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(name)
    return field


class EconomyCount(models.Model):
    """Every active establishment of the SIRENE stock, ESS or not, counted per commune × NAF
    section × headcount band by `import-sirene --count-all` (never stored one by one): the
    denominator of the ESS's share in the observatory. Replaced per commune at each import."""

    commune = models.CharField(_("code commune"), max_length=5)
    naf_section = models.CharField(_("section NAF"), max_length=1, blank=True)
    headcount_band = models.CharField(_("tranche d'effectifs"), max_length=2)
    establishments = models.PositiveIntegerField(_("établissements"))

    class Meta:
        verbose_name = _("établissements de toute l'économie")
        verbose_name_plural = _("établissements de toute l'économie")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "naf_section", "headcount_band"],
                name="directory_economycount_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune} {self.naf_section} {self.headcount_band}"


class EconomyCoverage(models.Model):
    """A commune whose counts of the whole economy were imported (even when it has none)."""

    commune = models.CharField(_("code commune"), max_length=5, primary_key=True)
    imported_at = models.DateTimeField(_("importé le"))

    class Meta:
        verbose_name = _("commune comptée")
        verbose_name_plural = _("communes comptées")

    def __str__(self) -> str:
        return self.commune
