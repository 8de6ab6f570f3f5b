"""The distributions the generator draws from (rough orders of magnitude of the French ESS),
and the weighted choice that draws from them."""

from __future__ import annotations

import bisect
import random
from itertools import accumulate

from atelier.territories.enums import EssFamily

from .records import GenerationError

FAMILY_WEIGHTS = [
    (EssFamily.ASSOCIATION, 80.0),
    (EssFamily.COOPERATIVE, 10.0),
    (EssFamily.MUTUAL, 1.5),
    (EssFamily.FOUNDATION, 1.0),
    (EssFamily.OTHER, 7.5),
]
# Preferred INSEE legal categories by family (weights); others of the family get weight 1.
LEGAL_CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    EssFamily.ASSOCIATION: {"9220": 90, "9230": 3, "9210": 2, "9221": 2, "9222": 1, "9260": 2},
    EssFamily.COOPERATIVE: {"5458": 20, "5460": 8, "5560": 15, "5559": 10, "5432": 10, "6317": 10},
    EssFamily.MUTUAL: {"8210": 70, "8250": 10, "8290": 20},
    EssFamily.FOUNDATION: {"9300": 100},
    EssFamily.OTHER: {"5710": 45, "5499": 35, "5498": 10, "5720": 10},
}
NAF_WEIGHTS: dict[str, dict[str, float]] = {
    EssFamily.ASSOCIATION: {
        "94.99Z": 40,
        "88.99B": 8,
        "88.10A": 3,
        "88.10B": 3,
        "88.10C": 2,
        "88.91A": 2,
        "88.91B": 1,
        "85.59A": 4,
        "85.59B": 5,
        "85.51Z": 2,
        "85.52Z": 3,
        "90.01Z": 4,
        "90.02Z": 3,
        "90.03A": 1,
        "90.04Z": 1,
        "93.12Z": 7,
        "93.11Z": 1,
        "93.29Z": 3,
        "87.30A": 1,
        "87.90B": 1,
        "94.12Z": 1,
        "55.20Z": 1,
        "91.02Z": 1,
    },
    EssFamily.COOPERATIVE: {
        "43.21A": 6,
        "43.32A": 5,
        "41.20A": 3,
        "62.01Z": 8,
        "70.22Z": 12,
        "71.11Z": 4,
        "74.10Z": 3,
        "01.11Z": 6,
        "01.41Z": 3,
        "10.51A": 3,
        "46.21Z": 4,
        "47.11F": 3,
        "64.19Z": 5,
        "56.10A": 5,
        "59.11B": 2,
        "78.30Z": 3,
        "82.99Z": 4,
        "68.20B": 2,
    },
    EssFamily.MUTUAL: {"65.12Z": 55, "65.11Z": 20, "86.21Z": 10, "86.10Z": 10, "88.10A": 5},
    EssFamily.FOUNDATION: {
        "88.99B": 25,
        "72.19Z": 15,
        "94.99Z": 20,
        "86.10Z": 15,
        "87.10A": 10,
        "90.04Z": 5,
        "85.42Z": 10,
    },
    EssFamily.OTHER: {
        "70.22Z": 15,
        "38.32Z": 12,
        "47.79Z": 10,
        "81.21Z": 10,
        "56.10A": 10,
        "62.01Z": 10,
        "88.99B": 8,
        "49.42Z": 5,
        "01.13Z": 5,
        "95.11Z": 5,
        "78.20Z": 5,
        "81.30Z": 5,
    },
}
BAND_WEIGHTS = [
    ("NN", 33.0),
    ("00", 26.0),
    ("01", 14.0),
    ("02", 9.0),
    ("03", 6.5),
    ("11", 5.0),
    ("12", 3.6),
    ("21", 1.4),
    ("22", 0.8),
    ("31", 0.2),
    ("32", 0.25),
    ("41", 0.12),
    ("42", 0.07),
    ("51", 0.04),
    ("52", 0.015),
    ("53", 0.005),
]
# Establishments per organisation: (count range, weight). Mean about 1.2.
ESTABLISHMENT_COUNTS = [((1, 1), 91.0), ((2, 2), 6.0), ((3, 5), 2.5), ((6, 15), 0.5)]


class Weighted:
    """Fast deterministic weighted choice (cumulative weights + bisect)."""

    def __init__(self, items: list, weights: list[float]) -> None:
        if not items:
            raise GenerationError("Aucune valeur disponible pour le tirage.")
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]
