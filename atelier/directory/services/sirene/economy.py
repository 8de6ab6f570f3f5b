"""`import-sirene --count-all`: every active establishment of the stock file (ESS or not)
counted per commune × NAF section × headcount band during the columnar scan, on whole record
batches (pyarrow group-by; Python sees only the groups, never a row), before the import's own
mask drops the rows outside the ESS. The counts are the denominator of the ESS's share in the
observatory (services.economy.economy_counts_replace stores them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import pyarrow as pa
import pyarrow.compute as pc

from ...enums import HeadcountBand
from .layout import BANDS
from .scan import Mask, as_text, is_in, text_values

STATE = "etatAdministratifEtablissement"
COMMUNE = "codeCommuneEtablissement"
NAF = "activitePrincipaleEtablissement"
NOMENCLATURE = "nomenclatureActivitePrincipaleEtablissement"
BAND = "trancheEffectifsEtablissement"


class EconomyCounter:
    """Counts of active establishments per (commune, NAF section, band). `communes`: the places
    counted (the territory of the import, or every commune and arrondissement of the reference);
    an establishment elsewhere (abroad, unknown code) is not counted. A band outside the INSEE
    list, or empty, counts as NN (no employee estimate); a NAF code outside the NAF rév. 2
    reference counts with no section ('')."""

    def __init__(self, communes: Collection[str], nafs: dict[str, tuple[str, str]]) -> None:
        self.communes = set(communes)
        self._communes = text_values(self.communes)
        self._bands = text_values(BANDS)
        self._sections = {code: section for code, (section, _label) in nafs.items()}
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.counted = 0

    def add(self, columns: dict[str, pa.Array]) -> None:
        keep = pc.and_(
            pc.equal(as_text(columns[STATE]), "A"), is_in(columns[COMMUNE], self._communes)
        )
        if not pc.any(keep).as_py():
            return
        naf = pc.if_else(
            pc.equal(as_text(columns[NOMENCLATURE]), "NAFRev2"), as_text(columns[NAF]), ""
        )
        band = as_text(columns[BAND])
        band = pc.if_else(is_in(band, self._bands), band, HeadcountBand.UNKNOWN.value)
        table = pa.table({"c": as_text(columns[COMMUNE]), "n": naf, "b": band}).filter(keep)
        grouped = table.group_by(["c", "n", "b"]).aggregate([([], "count_all")])
        sections = self._sections
        for commune, code, band_value, count in zip(
            grouped["c"].to_pylist(),
            grouped["n"].to_pylist(),
            grouped["b"].to_pylist(),
            grouped["count_all"].to_pylist(),
            strict=True,
        ):
            self.counts[(commune, sections.get(code, ""), band_value)] += count
            self.counted += count

    def wrap(self, mask: Mask | None) -> Mask:
        """The import's mask, counting every batch first."""

        def counting(columns: dict[str, pa.Array]) -> pa.Array | None:
            self.add(columns)
            return mask(columns) if mask is not None else None

        return counting
