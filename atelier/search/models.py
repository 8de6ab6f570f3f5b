"""The data versions read by the index layer (atelier.search.versions)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """A counter that every write to the data behind an index moves, in the same transaction
    as that write: an index is fresh when it records the current value (see versions.py)."""

    name = models.CharField(_("nom"), max_length=64, primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("version des données")
        verbose_name_plural = _("versions des données")

    def __str__(self) -> str:
        return f"{self.name}: {self.version}"
