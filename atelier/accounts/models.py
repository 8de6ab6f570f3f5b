from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from atelier.core.models import TimeStampedModel

from .enums import NetworkKind, Role


class User(AbstractUser):
    """Custom user from day one (Django's advice for a new project)."""

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")


class Network(TimeStampedModel):
    """A federation, regional resource centre, CRESS or local network served by this instance.
    Members, governance, cases and campaigns belong to a network; the Atlas is common ground."""

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=NetworkKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("réseau parent"),
    )

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NetworkRole(TimeStampedModel):
    """A user's role in one network."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="network_roles",
        verbose_name=_("utilisateur·rice"),
    )
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="roles", verbose_name=_("réseau")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("rôle dans un réseau")
        verbose_name_plural = _("rôles dans les réseaux")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network", "role"], name="accounts_networkrole_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.network}"
