"""Where synthetic establishments are: communes drawn by population (all of France, or the
département of the head office), positions scattered around the commune's point."""

from __future__ import annotations

import math
import random

from atelier.territories.selectors import CommunePlace, commune_places

from .distributions import Weighted
from .records import GenerationError


class CommuneSampler:
    """The communes of the reference, weighted by population when the reference gives it (1
    otherwise), as a whole and by département."""

    def __init__(self) -> None:
        self.places = commune_places()
        if not self.places:
            raise GenerationError(
                "Le référentiel des communes n'est pas chargé : lancez d'abord "
                "« atelier load-reference »."
            )
        codes = sorted(self.places)
        weights = [float(getattr(self.places[c], "population", None) or 1) for c in codes]
        self.communes = Weighted(codes, weights)
        by_dep: dict[str, tuple[list[str], list[float]]] = {}
        for code, w in zip(codes, weights, strict=True):
            items, ws = by_dep.setdefault(self.places[code].departement_code, ([], []))
            items.append(code)
            ws.append(w)
        self.communes_by_dep = {d: Weighted(i, w) for d, (i, w) in by_dep.items()}


def position_near(rng: random.Random, place: CommunePlace) -> tuple[float, float]:
    """(longitude, latitude) a few hundred metres to a few kilometres from the commune's point."""
    distance = min(200.0 + rng.expovariate(1 / 1200.0), 6000.0)
    angle = rng.random() * 2 * math.pi
    lat = place.latitude + distance * math.cos(angle) / 111_320.0
    lon = place.longitude + distance * math.sin(angle) / (
        111_320.0 * max(math.cos(math.radians(place.latitude)), 0.1)
    )
    return round(lon, 6), round(lat, 6)
