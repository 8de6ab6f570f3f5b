from django.db import models
from django.utils.translation import gettext_lazy as _


class EssRule(models.TextChoices):
    """Which rule placed an organisation in the ESS perimeter (empty: not in it)."""

    NONE = "", _("hors périmètre ESS")
    SIRENE_FLAG = "sirene_flag", _("indicateur ESS du répertoire SIRENE")
    LEGAL_CATEGORY = "legal_category", _("forme juridique de l'ESS")
    STAFF_APPROVAL = "staff_approval", _("reconnaissance par l'équipe (ESUS, adhésion)")


class Theme(models.IntegerChoices):
    """Themes, stored as bits of Organisation.theme_bits (value = bit position)."""

    CIRCULAR_ECONOMY = 0, _("économie circulaire")
    FAIR_TRADE = 1, _("commerce équitable")
    SOCIAL_TECH = 2, _("tech sociale")
    INSERTION = 3, _("insertion par l'activité économique")
    URBAN_AGRICULTURE = 4, _("agriculture urbaine")
    DIGITAL_INCLUSION = 5, _("inclusion numérique")
    HOUSING = 6, _("habitat et logement")
    CULTURE = 7, _("culture")
    MOBILITY = 8, _("mobilité")
    FOOD = 9, _("alimentation durable")
    CARE = 10, _("services à la personne et santé")
    FINANCE = 11, _("finance solidaire")


class Approval(models.IntegerChoices):
    """Approvals and statuses, stored as bits of Organisation.approval_bits."""

    ESUS = 0, _("agrément ESUS")
    SIAE_EI = 1, _("SIAE — entreprise d'insertion (EI)")
    SIAE_AI = 2, _("SIAE — association intermédiaire (AI)")
    SIAE_ACI = 3, _("SIAE — atelier et chantier d'insertion (ACI)")
    SIAE_ETTI = 4, _("SIAE — entreprise de travail temporaire d'insertion (ETTI)")
    CAE = 5, _("coopérative d'activités et d'emploi (CAE)")
    COUVEUSE = 6, _("couveuse d'entreprises")
    SCOP = 7, _("SCOP")
    SCIC = 8, _("SCIC")


SIAE_APPROVALS = (Approval.SIAE_EI, Approval.SIAE_AI, Approval.SIAE_ACI, Approval.SIAE_ETTI)


class ApprovalSource(models.TextChoices):
    """Where an approval of an organisation comes from (Organisation.approval_sources)."""

    MEMBER_LIST = "members", _("liste d'adhérents")
    STAFF = "staff", _("décision de l'équipe")
    DEMO = "demo", _("données de démonstration")


class HeadcountBand(models.TextChoices):
    """INSEE tranche d'effectifs salariés."""

    UNKNOWN = "NN", _("effectif inconnu")
    B00 = "00", _("0 salarié")
    B01 = "01", _("1 ou 2 salariés")
    B02 = "02", _("3 à 5 salariés")
    B03 = "03", _("6 à 9 salariés")
    B11 = "11", _("10 à 19 salariés")
    B12 = "12", _("20 à 49 salariés")
    B21 = "21", _("50 à 99 salariés")
    B22 = "22", _("100 à 199 salariés")
    B31 = "31", _("200 à 249 salariés")
    B32 = "32", _("250 à 499 salariés")
    B41 = "41", _("500 à 999 salariés")
    B42 = "42", _("1 000 à 1 999 salariés")
    B51 = "51", _("2 000 à 4 999 salariés")
    B52 = "52", _("5 000 à 9 999 salariés")
    B53 = "53", _("10 000 salariés et plus")


class Source(models.TextChoices):
    SIRENE = "sirene", _("répertoire SIRENE")
    MEMBERS = "members", _("liste d'adhérents")
    DEMO = "demo", _("données de démonstration (réelles)")
    MANUAL = "manual", _("saisie par l'équipe")
    SYNTHETIC = "synthetic", _("données synthétiques (bancs d'essai)")


class GeoPrecision(models.TextChoices):
    ADDRESS = "address", _("adresse (géolocalisation INSEE)")
    COMMUNE = "commune", _("commune")
    APPROXIMATE = "approx", _("approximative")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("adhérent")
    LAPSED = "lapsed", _("adhésion échue")
    LEFT = "left", _("parti")


class EssSource(models.TextChoices):
    """Where the ESS status of an organisation comes from (empty: outside the perimeter)."""

    NONE = "", _("aucune")
    SIRENE_FLAG = "sirene_flag", _("indicateur ESS du répertoire SIRENE")
    LEGAL_CATEGORY = "legal_category", _("catégorie juridique")
    ESUS = "esus", _("agrément ESUS")
    STAFF_DECISION = "staff", _("décision de l'équipe")
    NETWORK_MEMBER = "network", _("adhésion à un réseau")


class EssDecision(models.TextChoices):
    """A correction of the ESS status by staff, which every later import keeps."""

    NONE = "", _("aucune (règle calculée)")
    INCLUDE = "include", _("dans l'ESS (décision de l'équipe)")
    EXCLUDE = "exclude", _("hors de l'ESS (décision de l'équipe)")


class ProposalStatus(models.TextChoices):
    """Life of a change proposal: a visitor's waits for the e-mail confirmation first."""

    PROPOSED = "proposed", _("proposée")
    CONFIRMED = "confirmed", _("confirmée")
    ACCEPTED = "accepted", _("acceptée")
    REFUSED = "refused", _("refusée")
