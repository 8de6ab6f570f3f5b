"""A national-sized StockEtablissement (CSV and Parquet, every INSEE column in order) for the scan
benchmark, written fast with pyarrow: `share` of its rows fall in the given communes (a territory)
and are complete, valid establishments of the legal units of StockUniteLegale.csv; the others,
elsewhere in France, are what a national file holds around a territory: read, then dropped.

Deterministic for a seed (pyarrow's seeded random generator). Only the rows inside the territory
are meant to be imported: the others carry plausible but unchecked SIRETs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from atelier.directory.services.sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS

from .identifiers import synthetic_siren, synthetic_siret

CHUNK_ROWS = 500_000
STREETS = ("DE LA REPUBLIQUE", "JEAN JAURES", "VICTOR HUGO", "DE LA GARE", "DES ECOLES",
           "PASTEUR", "DU MOULIN", "GAMBETTA", "DE L EGLISE", "DU GENERAL DE GAULLE")  # fmt: skip
STREET_TYPES = ("RUE", "AV", "BD", "PL", "IMP", "CHE", "ALL", "RTE")
NAFS = ("88.99B", "94.99Z", "85.59A", "88.10A", "56.10A", "47.11B", "43.21A", "62.01Z")
BANDS = ("NN", "00", "01", "02", "03", "11", "12", "21")
UNIT_FORMS = ("9220", "9220", "9220", "5458", "5710", "8210", "9300")


@dataclass
class ScanFiles:
    units: Path
    csv: Path
    parquet: Path
    rows: int
    inside: int
    units_count: int
    files: list[Path] = field(default_factory=list)


def _pick(values: Sequence[str], n: int, seed: int) -> pa.Array:
    pool = pa.array(values, pa.string())
    index = pc.cast(pc.floor(pc.multiply(pc.random(n, initializer=seed), len(values))), pa.int64())
    return pc.take(pool, pc.min_element_wise(index, len(values) - 1))


def _uniform_ints(n: int, low: int, span: int, seed: int) -> pa.Array:
    """n integers in [low, low + span), seeded."""
    drawn = pc.floor(pc.multiply(pc.random(n, initializer=seed), span))
    return pc.add(pc.cast(drawn, pa.int64()), low)


def _const(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def scan_files_generate(
    *,
    directory: Path,
    rows: int,
    inside_communes: Sequence[str],
    outside_communes: Sequence[str],
    share: float = 0.05,
    seed: int = 20240501,
) -> ScanFiles:
    """Write StockUniteLegale.csv, StockEtablissement.csv and StockEtablissement.parquet."""
    directory.mkdir(parents=True, exist_ok=True)
    step = max(1, round(1 / share))
    inside = (rows + step - 1) // step  # rows 0, step, 2*step… are in the territory
    # About 1.2 establishments per legal unit inside the territory: one in five has two.
    sirets: list[str] = []
    heads: list[str] = []
    sirens: list[str] = []
    n = 0
    while len(sirets) < inside:
        siren = synthetic_siren(n)
        sirens.append(siren)
        for k in (1, 2) if n % 5 == 0 else (1,):
            sirets.append(synthetic_siret(siren, k))
            heads.append("true" if k == 1 else "false")
        n += 1
    sirets, heads = sirets[:inside], heads[:inside]
    units_path = directory / "StockUniteLegale.csv"
    _write_units(units_path, sirens, seed)
    csv_path, parquet_path = (
        directory / "StockEtablissement.csv",
        directory / "StockEtablissement.parquet",
    )
    schema = pa.schema([(c, pa.string()) for c in ETABLISSEMENT_COLUMNS])
    options = pa_csv.WriteOptions(quoting_style="none")
    with (
        pa_csv.CSVWriter(csv_path, schema, write_options=options) as csv_out,
        pq.ParquetWriter(parquet_path, schema, compression="snappy") as pq_out,
    ):
        done = 0
        taken = 0
        while done < rows:
            count = min(CHUNK_ROWS, rows - done)
            table, used = _chunk(done, count, step, sirets[taken:], heads[taken:],
                                 inside_communes, outside_communes, seed + done)  # fmt: skip
            taken += used
            csv_out.write_table(table)
            pq_out.write_table(table, row_group_size=128 * 1024)
            done += count
    return ScanFiles(units_path, csv_path, parquet_path, rows, inside, len(sirens),
                     [units_path, csv_path, parquet_path])  # fmt: skip


def _chunk(first, n, step, sirets, heads, inside_communes, outside_communes, seed):
    positions = pa.array(range(first, first + n), pa.int64())
    # position % step == 0 (integer division)
    is_inside = pc.equal(pc.subtract(positions, pc.multiply(pc.divide(positions, step), step)), 0)
    used = pc.sum(pc.cast(is_inside, pa.int64())).as_py() or 0
    # Outside rows: a sequence number in a range of their own (SIREN starting with 8).
    plain = pc.utf8_lpad(pc.cast(positions, pa.string()), 13, "0")
    outside_siret = pc.binary_join_element_wise("8", plain, "")
    siret = pc.replace_with_mask(outside_siret, is_inside, pa.array(sirets[:used], pa.string()))
    commune = pc.replace_with_mask(
        _pick(outside_communes, n, seed), is_inside, _pick(inside_communes, used, seed + 1)
    )
    head = pc.replace_with_mask(
        _pick(("true", "false"), n, seed + 2), is_inside, pa.array(heads[:used], pa.string())
    )
    x = _uniform_ints(n, 150_000, 900_000, seed + 3)  # Lambert-93, metropolitan France
    y = _uniform_ints(n, 6_150_000, 950_000, seed + 4)
    number = _uniform_ints(n, 1, 120, seed + 5)
    columns = {c: _const("", n) for c in ETABLISSEMENT_COLUMNS}
    columns.update(
        siren=pc.utf8_slice_codeunits(siret, 0, 9),
        nic=pc.utf8_slice_codeunits(siret, 9, 14),
        siret=siret,
        statutDiffusionEtablissement=_const("O", n),
        dateCreationEtablissement=_const("2012-03-01", n),
        trancheEffectifsEtablissement=_pick(BANDS, n, seed + 6),
        dateDernierTraitementEtablissement=_const("2024-03-01T12:00:00", n),
        etablissementSiege=head,
        nombrePeriodesEtablissement=_const("2", n),
        numeroVoieEtablissement=pc.cast(number, pa.string()),
        typeVoieEtablissement=_pick(STREET_TYPES, n, seed + 7),
        libelleVoieEtablissement=_pick(STREETS, n, seed + 8),
        codePostalEtablissement=commune,
        libelleCommuneEtablissement=_const("COMMUNE", n),
        codeCommuneEtablissement=commune,
        coordonneeLambertAbscisseEtablissement=pc.cast(x, pa.string()),
        coordonneeLambertOrdonneeEtablissement=pc.cast(y, pa.string()),
        dateDebut=_const("2012-03-01", n),
        etatAdministratifEtablissement=_pick(("A", "A", "A", "F"), n, seed + 9),
        activitePrincipaleEtablissement=_pick(NAFS, n, seed + 10),
        nomenclatureActivitePrincipaleEtablissement=_const("NAFRev2", n),
        caractereEmployeurEtablissement=_const("N", n),
    )
    return pa.table(
        [columns[c] for c in ETABLISSEMENT_COLUMNS], names=list(ETABLISSEMENT_COLUMNS)
    ), used


def _write_units(path: Path, sirens: list[str], seed: int) -> None:
    n = len(sirens)
    columns = {c: _const("", n) for c in UNITE_LEGALE_COLUMNS}
    siren = pa.array(sirens, pa.string())
    columns.update(
        siren=siren,
        statutDiffusionUniteLegale=_const("O", n),
        dateCreationUniteLegale=_const("2012-03-01", n),
        trancheEffectifsUniteLegale=_pick(BANDS, n, seed + 11),
        etatAdministratifUniteLegale=_const("A", n),
        denominationUniteLegale=pc.binary_join_element_wise("ASSOCIATION ", siren, ""),
        categorieJuridiqueUniteLegale=_pick(UNIT_FORMS, n, seed + 12),
        activitePrincipaleUniteLegale=_pick(NAFS, n, seed + 13),
        nomenclatureActivitePrincipaleUniteLegale=_const("NAFRev2", n),
        economieSocialeSolidaireUniteLegale=_pick(("O", "O", "N", ""), n, seed + 14),
    )
    table = pa.table([columns[c] for c in UNITE_LEGALE_COLUMNS], names=list(UNITE_LEGALE_COLUMNS))
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))
