"""Closed lists of the support app: the catalogue's vocabulary and the questionnaire's answers
(the same values in the page, the API's enums and the rules)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchemeKind(models.TextChoices):
    MICROCREDIT = "microcredit", _("microcrédit")
    HONOUR_LOAN = "honour_loan", _("prêt d'honneur")
    GUARANTEE = "guarantee", _("garantie bancaire")
    EQUITY_CLUB = "equity_club", _("apport en capital, club d'investisseurs")
    GRANT = "grant", _("subvention")
    SUPPORT_PROGRAMME = "support_programme", _("programme d'accompagnement")
    TEST_ACTIVITY = "test_activity", _("tester son activité avant de créer")
    CALL_FOR_PROJECTS = "call_for_projects", _("appel à projets")
    INSERTION_SCHEME = "insertion_scheme", _("dispositif d'insertion")


class SchemeState(models.TextChoices):
    OPEN = "open", _("ouvert")
    CLOSED = "closed", _("fermé")
    BUDGET_EXHAUSTED = "budget_exhausted", _("enveloppe épuisée")


class Stage(models.TextChoices):
    """Where the project stands."""

    IDEA = "idea", _("j'ai une idée")
    STARTING = "starting", _("je crée mon activité")
    YOUNG = "young", _("mon activité a moins de 3 ans")
    ESTABLISHED = "established", _("mon activité a plus de 3 ans")
    TAKEOVER = "takeover", _("je reprends une entreprise")


class Project(models.TextChoices):
    """What the project is."""

    BUSINESS = "business", _("créer ou développer une entreprise")
    COLLECTIVE = "collective", _("un projet collectif (coopérative, association)")
    ASSOCIATION_EMPLOYER = (
        "association_employer",
        _("consolider une association ou une structure qui emploie"),
    )
    INSERTION = "insertion", _("embaucher des personnes éloignées de l'emploi")


class LegalForm(models.TextChoices):
    """The legal form wanted (or held)."""

    UNDECIDED = "undecided", _("je ne sais pas encore")
    MICRO = "micro", _("micro-entreprise (entrepreneur·e individuel·le)")
    COMPANY = "company", _("société (SARL, SAS…)")
    SCOP = "scop", _("SCOP")
    SCIC = "scic", _("SCIC")
    ASSOCIATION = "association", _("association")
    CAE = "cae", _("entrepreneur·e salarié·e d'une CAE")


class Situation(models.TextChoices):
    """The project holder's personal situation (several may apply)."""

    JOB_SEEKER = "job_seeker", _("demandeur·euse d'emploi")
    RSA = "rsa", _("allocataire du RSA")
    STUDENT = "student", _("étudiant·e")
    EMPLOYEE = "employee", _("salarié·e")
    UNDER_26 = "under_26", _("moins de 26 ans")
    DISABILITY = "disability", _("reconnaissance de handicap (RQTH)")
    NONE = "none", _("aucune de ces situations")


class Need(models.TextChoices):
    """What the holder asks for (routing of cases)."""

    FINANCING = "financing", _("financer mon projet")
    TEST = "test", _("tester mon activité")
    ADVICE = "advice", _("être accompagné·e pour construire le projet")
    CONSOLIDATION = "consolidation", _("consolider une structure existante")
    TAKEOVER = "takeover", _("reprendre une entreprise (en coopérative)")


class ExitOutcome(models.TextChoices):
    """How a "Premières heures" contract ended (the return-to-work/training bonus reads it)."""

    EMPLOYMENT = "employment", _("retour à l'emploi")
    TRAINING = "training", _("entrée en formation")
    OTHER = "other", _("autre sortie ou sans solution")


# Support journeys (case management).


class ContactWay(models.TextChoices):
    """How the project holder prefers to be contacted."""

    EMAIL = "email", _("par courriel")
    PHONE = "phone", _("par téléphone")


class CaseState(models.TextChoices):
    NEW = "new", _("nouveau")
    TAKEN = "taken", _("pris en charge")
    IN_PROGRESS = "in_progress", _("en cours d'accompagnement")
    CLOSED = "closed", _("clos")


class CaseOutcome(models.TextChoices):
    """How a closed case ended."""

    CREATED = "created", _("activité créée")
    FINANCED = "financed", _("projet financé")
    REDIRECTED = "redirected", _("réorienté vers une autre structure")
    ABANDONED = "abandoned", _("projet abandonné")
    UNREACHABLE = "unreachable", _("porteur·euse injoignable")


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("demande reçue")
    TRANSITION = "transition", _("changement d'état")
    NOTE = "note", _("note")
    ATTACHMENT = "attachment", _("pièce jointe")
    NEXT_ACTION = "next_action", _("prochaine action")
    ROUTING = "routing", _("orientation vers une structure")
    REMINDER = "reminder", _("relance")
    ERASURE = "erasure", _("effacement des données personnelles")


class ReminderKind(models.TextChoices):
    NOT_TAKEN = "not_taken", _("dossier non pris en charge")
    NO_ACTION = "no_action", _("dossier sans action")
