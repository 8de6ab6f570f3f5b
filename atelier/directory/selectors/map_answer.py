"""What the map selector answers (selectors.map): clusters and points of a view, and the checks of
a request's bounding box and zoom. Each feature carries its ESS family as a small integer
(directory.families): a point's `f`, a cluster's `fc` — the count of each family in MAP_FAMILIES
order, trailing zeros left out (the first largest is the cluster's colour) — a few bytes each."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ..families import OTHER_INDEX, dominant
from ..geo import BASE_ZOOM
from ..indexes import MAP_BASE_SHIFT

MAX_ZOOM = BASE_ZOOM
CELL_SHIFT = MAP_BASE_SHIFT  # 64-pixel cells
COORD_DECIMALS = 5

BBox = tuple[float, float, float, float]


class MapQueryError(ValueError):
    """A map request that cannot be answered (the message is one sentence for people)."""


@dataclass(frozen=True, slots=True)
class MapCluster:
    n: int
    lon: float
    lat: float
    bbox: BBox  # west, south, east, north of the members
    families: tuple[int, ...] = ()  # establishments per family (families.MAP_FAMILIES order)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lat": _round(self.lat),
            "lon": _round(self.lon),
            "n": self.n,
            "bbox": [_round(v) for v in self.bbox],
            "fc": _trimmed(self.families),
        }

    @property
    def family(self) -> int:
        """The dominant family (the colour and letter of the cluster)."""
        return dominant(self.families)


@dataclass(frozen=True, slots=True)
class MapPoint:
    lon: float
    lat: float
    organisation_id: int
    name: str
    family: int = OTHER_INDEX

    def as_dict(self) -> dict[str, Any]:
        return {
            "lat": _round(self.lat),
            "lon": _round(self.lon),
            "id": self.organisation_id,
            "name": self.name,
            "f": self.family,
        }


@dataclass(slots=True)
class MapResult:
    zoom: int  # as requested
    cell_zoom: int  # the zoom whose 64-pixel grid produced the clusters (≤ zoom)
    total: int  # establishments in the cells covering the bounding box
    clusters: list[MapCluster] = field(default_factory=list)
    points: list[MapPoint] = field(default_factory=list)
    source: str = "live"  # "index" or "live" (for tests and benchmarks)

    @property
    def cell_pixels(self) -> int:
        """Side of a cell in screen pixels at the requested zoom."""
        return (1 << CELL_SHIFT) << max(0, self.zoom - self.cell_zoom)

    def as_dict(self) -> dict[str, Any]:
        features = [c.as_dict() for c in self.clusters] + [p.as_dict() for p in self.points]
        return {
            "zoom": self.zoom,
            "cell": self.cell_pixels,
            "total": self.total,
            "features": features,
        }

    def to_json(self) -> bytes:
        """Compact UTF-8 JSON (no spaces, 5-decimal coordinates)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")).encode()


def _trimmed(counts: tuple[int, ...]) -> list[int]:
    """`counts` without its trailing zeros ([12, 3, 0, 0, 0] -> [12, 3]): bytes per cluster."""
    end = len(counts)
    while end and not counts[end - 1]:
        end -= 1
    return list(counts[:end])


def _round(value: float) -> float:
    return round(value, COORD_DECIMALS)


def parse_bbox(text: str) -> BBox:
    """'west,south,east,north' in degrees -> floats, or MapQueryError."""
    parts = (text or "").split(",")
    if len(parts) != 4:
        raise MapQueryError(
            _("bbox doit contenir quatre nombres séparés par des virgules : ouest,sud,est,nord.")
        )
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise MapQueryError(
            _("bbox doit contenir quatre nombres séparés par des virgules : ouest,sud,est,nord.")
        ) from None
    return validate_bbox(values)  # type: ignore[arg-type]


def validate_bbox(bbox: BBox) -> BBox:
    west, south, east, north = bbox
    if not all(math.isfinite(v) for v in bbox):
        raise MapQueryError(_("bbox ne doit contenir que des nombres finis."))
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise MapQueryError(_("Les longitudes de bbox doivent être comprises entre -180 et 180."))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise MapQueryError(_("Les latitudes de bbox doivent être comprises entre -90 et 90."))
    if west >= east:
        raise MapQueryError(_("bbox : l'ouest doit être inférieur à l'est (ouest,sud,est,nord)."))
    if south >= north:
        raise MapQueryError(_("bbox : le sud doit être inférieur au nord (ouest,sud,est,nord)."))
    return bbox


def validate_zoom(zoom: int) -> int:
    if isinstance(zoom, bool) or not isinstance(zoom, int) or not 0 <= zoom <= MAX_ZOOM:
        raise MapQueryError(_("zoom doit être un entier compris entre 0 et %d.") % MAX_ZOOM)
    return zoom
