"""Options and result of a SIRENE import, and the communes of `--territory`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from atelier.territories.enums import TerritoryLevel
from atelier.territories.selectors import (
    LEVEL_COLUMN,
    CommunePlace,
    commune_codes,
    territory_parse,
)

from ..reports import ImportFormatError
from .layout import (
    BATCH_SIZE,
)

# ---------------------------------------------------------------------------------------------
# Options and result


@dataclass
class SireneOptions:
    unites_legales: Path
    etablissements: Path
    geo: Path | None = None
    ess_only: bool = False
    count_all: bool = False  # count every active establishment (ESS or not): EconomyCount
    territory: str = ""
    batch_size: int = BATCH_SIZE
    file_format: str = "auto"  # "csv", "parquet", or "auto": from each file's extension
    progress_stream: IO[str] | None = None
    progress_every: float = 3.0


@dataclass
class SireneResult:
    unites_legales_read: int = 0
    unites_legales_kept: int = 0
    etablissements_read: int = 0
    etablissements_kept: int = 0
    etablissements_filtered: int = 0
    etablissements_abroad: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    establishments_created: int = 0
    establishments_updated: int = 0
    geo_rows: int = 0
    seconds: float = 0.0
    scan_seconds: float = 0.0  # the establishment file read and masked (columnar)
    scan_cpu_seconds: float = 0.0  # the same, in CPU time of the process (a busy machine)
    check_seconds: float = 0.0  # its kept rows checked, one by one, and spooled
    write_seconds: float = 0.0  # its kept rows written
    territory_label: str = ""
    economy_counted: int = 0  # --count-all: active establishments counted (ESS or not)
    economy_rows: int = 0  # their (commune, NAF section, band) rows stored
    notes: list[str] = field(default_factory=list)

    @property
    def establishments_per_second(self) -> float:
        return self.etablissements_read / self.seconds if self.seconds else 0.0


def territory_communes(key: str, places: dict[str, CommunePlace]) -> tuple[set[str], str]:
    """Commune codes inside the territory `key` (`departement:93`, `region:11`, `epci:…`,
    `ept:…`, `commune:…`, or a bare code), and its label. Raises ImportFormatError."""
    key = key.strip()
    if ":" not in key:
        ref = None
        if len(key) == 5:
            ref = territory_parse(f"commune:{key}")
        elif len(key) == 9:
            ref = territory_parse(f"epci:{key}") or territory_parse(f"ept:{key}")
        else:
            dep = territory_parse(f"departement:{key}")
            reg = territory_parse(f"region:{key}")
            if dep and reg:
                raise ImportFormatError(
                    f"Le code « {key} » désigne à la fois un département ({dep.name}) et une "
                    f"région ({reg.name}) : précisez departement:{key} ou region:{key}."
                )
            ref = dep or reg
    else:
        ref = territory_parse(key)
    if ref is None:
        raise ImportFormatError(
            f"Territoire inconnu : « {key} » (exemples : departement:93, region:11, "
            "commune:93066, epci:200054781)."
        )
    if ref.level == TerritoryLevel.COMMUNE:
        codes = set(commune_codes(ref.code))
    else:
        attr = LEVEL_COLUMN[ref.level]
        codes = {c for c, p in places.items() if getattr(p, attr) == ref.code}
    return codes, ref.label
