"""Precomputed clustering pyramid of the Atlas map (read by directory.selectors.map, rebuilt by
directory.services.map after imports). Imported at the end of directory.models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MapCell(models.Model):
    """Open establishments of the default Atlas perimeter (active organisations of the ESS) in one
    grid cell of one zoom level, for one ESS family. A cell is 64 screen pixels wide at its zoom:
    `cx = mx >> (26 - zoom)` on the zoom-20 world pixels of Establishment.mx/my."""

    zoom = models.PositiveSmallIntegerField()
    family = models.CharField(max_length=16)
    cx = models.IntegerField()
    cy = models.IntegerField()
    n = models.IntegerField()
    sum_mx = models.BigIntegerField()
    sum_my = models.BigIntegerField()
    min_mx = models.IntegerField()
    min_my = models.IntegerField()
    max_mx = models.IntegerField()
    max_my = models.IntegerField()
    # The establishment itself when n == 1 (not a foreign key: the pyramid is a disposable cache).
    establishment_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("cellule de la carte")
        verbose_name_plural = _("cellules de la carte")
        constraints = [
            models.UniqueConstraint(
                fields=["zoom", "cx", "cy", "family"], name="directory_mapcell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"z{self.zoom} ({self.cx}, {self.cy}) {self.family}: {self.n}"


class MapPyramid(models.Model):
    """One row: when the pyramid was built and up to which ids, so that the map falls back to
    exact live queries as soon as organisations or establishments were added since."""

    built_at = models.DateTimeField()
    max_zoom = models.PositiveSmallIntegerField()
    max_establishment_id = models.BigIntegerField()
    max_organisation_id = models.BigIntegerField()
    is_valid = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("pyramide de la carte")
        verbose_name_plural = _("pyramides de la carte")

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M} (z ≤ {self.max_zoom})"
