from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("membre")
    ADVISOR = "advisor", _("conseiller·ère")
    STAFF = "staff", _("équipe salariée")


class NetworkKind(models.TextChoices):
    FEDERATION = "federation", _("fédération nationale")
    REGIONAL = "regional", _("centre de ressources régional")
    CRESS = "cress", _("CRESS")
    LOCAL = "local", _("réseau local")
