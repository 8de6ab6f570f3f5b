"""The passes over the SIRENE files: columnar scans (scan.py) whose masks drop the rows outside
the import, then row checks on the kept rows only, then batches to the writer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyproj import Transformer

from atelier.territories.enums import EssFamily

from ...enums import HeadcountBand
from ..economy import economy_counts_replace
from ..organisations import ess_rule_for
from ..reports import Table, open_table
from ..sources import reject_rate_check
from .economy import EconomyCounter
from .identifiers import iso_date, siren_error, siret_error
from .index import TempIndex
from .layout import (
    BANDS,
    EST_LABEL,
    EST_OPTIONAL,
    EST_REQUIRED,
    GEO_LABEL,
    GEO_REQUIRED,
    INDIVIDUAL_ENTREPRENEUR,
    REPETITION,
    STREET_TYPES,
    UL_LABEL,
    UL_REQUIRED,
)
from .scan import ColumnarTable, Mask, is_in, text_values
from .spool import Spool
from .writer import SireneWriter

UNIT_FLAGS = ("O", "N", "")


class CompleteRows:
    """The rows of `table` long enough for every column a reader uses (`columns`: name ->
    index); shorter ones are rejected. `read` counts every row, for progress and results."""

    def __init__(self, table: Table, columns: dict[str, int], reject: Callable) -> None:
        self.table = table
        self.width = max(columns.values()) + 1
        self.reject = reject
        self.read = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        width, reject = self.width, self.reject
        for line, row in self.table.rows:
            self.read += 1
            if len(row) < width:
                reject(line, "", "", "nombre de colonnes insuffisant")
                continue
            yield line, row


class SireneReader(SireneWriter):
    """The passes over the stock files: columnar scan, row checks, then batches to the writer."""

    # -- columnar masks -----------------------------------------------------------------------

    def _unit_mask(self) -> Mask | None:
        """`--ess-only` on whole columns: the (flag, legal category) pairs that `ess_rule_for`
        keeps, enumerated once from the rule itself (it depends on nothing else for a legal
        unit), and every row with a flag outside O/N/'' so that it is rejected with its line."""
        if not self.options.ess_only:
            return None
        families = self.families
        known = text_values(list(families))
        kept_by_flag: list[tuple[str, pa.Array, bool]] = []
        for flag in UNIT_FLAGS:
            cjs = [cj for cj, fam in families.items() if self._ess(flag, fam)]
            kept_by_flag.append((flag, text_values(cjs), bool(self._ess(flag, EssFamily.OTHER))))
        flags = text_values(UNIT_FLAGS)

        def mask(columns: dict[str, pa.Array]) -> pa.Array:
            flag, cj = (
                columns["economieSocialeSolidaireUniteLegale"],
                columns["categorieJuridiqueUniteLegale"],
            )
            keep = pc.invert(is_in(flag, flags))
            for value, cjs, other_kept in kept_by_flag:
                in_scope = is_in(cj, cjs)
                if other_kept:  # a legal category absent from the reference counts as OTHER
                    in_scope = pc.or_(in_scope, pc.invert(is_in(cj, known)))
                keep = pc.or_(keep, pc.and_(pc.equal(flag, value), in_scope))
            return keep

        return mask

    @staticmethod
    def _ess(flag: str, family: str) -> str:
        return ess_rule_for(sirene_flag=flag, family=family, staff_approved=False)

    def _establishment_mask(self, index: TempIndex) -> Mask | None:
        """`--territory` (commune codes) and `--ess-only` (SIRENs of the legal units kept, or
        rejected so that their establishments are reported) on whole columns."""
        territory = text_values(self.territory) if self.territory is not None else None
        sirens = text_values(index.sirens_in_scope()) if self.options.ess_only else None
        if territory is None and sirens is None:
            return None

        def mask(columns: dict[str, pa.Array]) -> pa.Array:
            keep = None
            if territory is not None:
                keep = is_in(columns["codeCommuneEtablissement"], territory)
            if sirens is not None:
                of_units = is_in(columns["siren"], sirens)
                keep = of_units if keep is None else pc.and_(keep, of_units)
            return keep

        return mask

    def _check_reject_rate(self, table: ColumnarTable, rejected_before: int) -> None:
        reject_rate_check(
            name=table.path.name,
            rows=table.read - table.masked,
            rejected=self.report.count - rejected_before,
        )

    # -- pass 1: legal units ----------------------------------------------------------------

    def _read_units(self, index: TempIndex) -> None:
        reject = self._rejecter_for(self.options.unites_legales.name)
        table = ColumnarTable(
            self.options.unites_legales,
            label=UL_LABEL,
            required=UL_REQUIRED,
            fmt=self.options.file_format,
            reject=reject,
        )
        progress = self._progress("Unités légales")
        rejected_before = self.report.count
        parse = self._unit_parser(table.columns, reject)
        batch: list[tuple] = []
        kept = 0
        try:
            for line, row in table.rows(self._unit_mask()):
                unit = parse(line, row)
                if unit is None:
                    continue
                batch.append(unit)
                kept += unit[1] == TempIndex.KEPT
                if len(batch) >= self.options.batch_size:
                    index.add_units(batch)
                    batch = []
                    progress.update(table.read)
            if batch:
                index.add_units(batch)
        finally:
            table.close()
        progress.update(table.read)
        progress.done()
        self.result.unites_legales_read = table.read
        self.result.unites_legales_kept = kept
        self._check_reject_rate(table, rejected_before)

    def _unit_parser(self, c: dict[str, int], reject: Callable) -> Callable:
        """The row checks of a legal unit: (line, row) -> the index row, or None (rejected)."""
        i_siren = c["siren"]
        i_diff = c["statutDiffusionUniteLegale"]
        i_date = c["dateCreationUniteLegale"]
        i_sigle = c["sigleUniteLegale"]
        i_prenom1 = c["prenom1UniteLegale"]
        i_prenom_usuel = c["prenomUsuelUniteLegale"]
        i_band = c["trancheEffectifsUniteLegale"]
        i_state = c["etatAdministratifUniteLegale"]
        i_nom = c["nomUniteLegale"]
        i_nom_usage = c["nomUsageUniteLegale"]
        i_denom = c["denominationUniteLegale"]
        i_denom1 = c["denominationUsuelle1UniteLegale"]
        i_cj = c["categorieJuridiqueUniteLegale"]
        i_naf = c["activitePrincipaleUniteLegale"]
        i_nomenclature = c["nomenclatureActivitePrincipaleUniteLegale"]
        i_ess = c["economieSocialeSolidaireUniteLegale"]
        families, nafs, ess_only = self.families, self.nafs, self.options.ess_only
        nothing = (None,) * 8

        def parse(line: int, row: tuple) -> tuple | None:
            siren = row[i_siren]
            error = siren_error(siren)
            if error:
                reject(line, "siren", siren, error)
                return None
            cj = row[i_cj]
            family = families.get(cj, EssFamily.OTHER)
            flag = row[i_ess]
            if flag not in UNIT_FLAGS:
                reject(line, "economieSocialeSolidaireUniteLegale", flag, "valeur O ou N")
                return (siren, TempIndex.REJECTED, line, *nothing)
            if ess_only and not ess_rule_for(sirene_flag=flag, family=family, staff_approved=False):
                return (siren, TempIndex.FILTERED, line, *nothing)
            diffusion = row[i_diff]
            try:
                creation = iso_date(row[i_date])
            except ValueError:
                reject(line, "dateCreationUniteLegale", row[i_date], "date invalide")
                return (siren, TempIndex.REJECTED, line, *nothing)
            band = row[i_band] or HeadcountBand.UNKNOWN
            if band not in BANDS:
                reject(line, "trancheEffectifsUniteLegale", band, "tranche d'effectifs inconnue")
                return (siren, TempIndex.REJECTED, line, *nothing)
            name = row[i_denom] or row[i_denom1]
            if cj == INDIVIDUAL_ENTREPRENEUR and not name:
                if diffusion == "P":
                    # Diffusion partielle: the person's identity is not public.
                    name = "Entrepreneur individuel (diffusion partielle)"
                else:
                    first = row[i_prenom_usuel] or row[i_prenom1]
                    last = row[i_nom_usage] or row[i_nom]
                    name = f"{first} {last}".strip()
            if not name or name == "[ND]":
                name = f"Unité légale {siren}"
            acronym = row[i_sigle] if row[i_sigle] != "[ND]" else ""
            naf = row[i_naf] if row[i_nomenclature] == "NAFRev2" else ""
            return (
                siren,
                TempIndex.KEPT,
                line,
                name[:255],
                acronym[:64],
                cj if cj in families else None,
                flag,
                band,
                naf if naf in nafs else None,
                creation,
                0 if row[i_state] == "C" else 1,
            )

        return parse

    # -- geolocation file -------------------------------------------------------------------

    def _read_geo(self, index: TempIndex, path: Path) -> None:
        table = open_table(path, label=GEO_LABEL, delimiter=";", required=GEO_REQUIRED)
        progress = self._progress("Géolocalisation")
        c = table.columns
        i_siret, i_x, i_y, i_epsg = c["siret"], c["x"], c["y"], c["epsg"]
        i_lat, i_lon = c["y_latitude"], c["x_longitude"]
        reject = self._rejecter(table)
        rows = CompleteRows(table, c, reject)
        batch: list[tuple] = []
        pending: dict[str, list[tuple[str, float, float]]] = {}

        def flush() -> None:
            for epsg, items in pending.items():
                transformer = self._geo_transformers.get(epsg)
                if transformer is None:
                    transformer = Transformer.from_crs(int(epsg), 4326, always_xy=True)
                    self._geo_transformers[epsg] = transformer
                lons, lats = transformer.transform([i[1] for i in items], [i[2] for i in items])
                batch.extend(
                    (i[0], lon, lat) for i, lon, lat in zip(items, lons, lats, strict=True)
                )
            pending.clear()
            index.add_geo(batch)
            batch.clear()

        try:
            for line, row in rows:
                siret = row[i_siret]
                if siret_error(siret):
                    reject(line, "siret", siret, siret_error(siret))
                    continue
                try:
                    if row[i_lat] and row[i_lon]:
                        batch.append((siret, float(row[i_lon]), float(row[i_lat])))
                    elif row[i_x] and row[i_y] and row[i_epsg].isdigit():
                        pending.setdefault(row[i_epsg], []).append(
                            (siret, float(row[i_x]), float(row[i_y]))
                        )
                except ValueError:
                    reject(line, "x_longitude", row[i_lon], "coordonnée non numérique")
                    continue
                if len(batch) + sum(map(len, pending.values())) >= self.options.batch_size:
                    flush()
                    progress.update(rows.read)
            flush()
        finally:
            table.close()
        progress.update(rows.read)
        progress.done()
        self.result.geo_rows = rows.read

    # -- pass 2: establishments -------------------------------------------------------------

    def _read_establishments(self, index: TempIndex, use_geo: bool) -> None:
        """Scan the whole file (columnar mask, then row checks on the kept rows) into a spool on
        disk, check the reject rate, and only then write the kept rows: a file that turns out
        unreadable or mostly garbage halfway leaves the database untouched."""
        reject = self._rejecter_for(self.options.etablissements.name)
        table = ColumnarTable(
            self.options.etablissements,
            label=EST_LABEL,
            required=EST_REQUIRED,
            optional=EST_OPTIONAL,
            fmt=self.options.file_format,
            reject=reject,
        )
        progress = self._progress("Établissements")
        rejected_before = self.report.count
        parse = self._establishment_parser(table.columns, reject)
        spool = Spool(index.dir)
        start = time.perf_counter()
        mask = self._establishment_mask(index)
        counter = None
        if self.options.count_all:
            counted = self.territory if self.territory is not None else set(self.places)
            counter = EconomyCounter(counted, self.nafs)
            mask = counter.wrap(mask)
        try:
            batch: list[list] = []
            try:
                for line, row in table.rows(mask):
                    parsed = parse(line, row)
                    if parsed is None:
                        continue
                    batch.append(parsed)
                    if len(batch) >= self.options.batch_size:
                        spool.add(batch)
                        batch = []
                        progress.update(table.read)
                if batch:
                    spool.add(batch)
            finally:
                table.close()
            self.result.etablissements_filtered += table.masked
            self.result.etablissements_read = table.read
            self.result.scan_seconds = table.seconds
            self.result.scan_cpu_seconds = table.cpu_seconds
            self.result.check_seconds = time.perf_counter() - start - table.seconds
            progress.update(table.read)
            progress.done()
            self._check_reject_rate(table, rejected_before)
            start = time.perf_counter()
            if counter is not None:
                self.result.economy_counted = counter.counted
                self.result.economy_rows = economy_counts_replace(counter.counts, counter.communes)
            for kept in spool:
                self._flush(kept, index, use_geo, reject)
            self.result.write_seconds = time.perf_counter() - start
        finally:
            spool.close()

    def _establishment_parser(self, c: dict[str, int], reject: Callable) -> Callable:
        """The row checks of an establishment: (line, row) -> the parsed row, or None."""
        i_siren, i_siret = c["siren"], c["siret"]
        i_diff = c["statutDiffusionEtablissement"]
        i_band = c["trancheEffectifsEtablissement"]
        i_siege = c["etablissementSiege"]
        i_compl = c["complementAdresseEtablissement"]
        i_num = c["numeroVoieEtablissement"]
        i_rep = c["indiceRepetitionEtablissement"]
        i_type = c["typeVoieEtablissement"]
        i_voie = c["libelleVoieEtablissement"]
        i_cp = c["codePostalEtablissement"]
        i_commune = c["codeCommuneEtablissement"]
        i_pays = c["codePaysEtrangerEtablissement"]
        i_x = c.get("coordonneeLambertAbscisseEtablissement")
        i_y = c.get("coordonneeLambertOrdonneeEtablissement")
        i_state = c["etatAdministratifEtablissement"]
        i_since = c["dateDebut"]
        i_ens = c["enseigne1Etablissement"]
        i_denom = c["denominationUsuelleEtablissement"]
        i_naf = c["activitePrincipaleEtablissement"]
        i_nomenclature = c["nomenclatureActivitePrincipaleEtablissement"]
        places, nafs, territory, result = self.places, self.nafs, self.territory, self.result

        def parse(line: int, row: tuple) -> list | None:
            siret = row[i_siret]
            error = siret_error(siret)
            if error:
                reject(line, "siret", siret, error)
                return None
            if row[i_siren] != siret[:9]:
                reject(line, "siren", row[i_siren], "le SIREN ne correspond pas au SIRET")
                return None
            commune = row[i_commune]
            if commune not in places:
                if not commune and row[i_pays]:
                    result.etablissements_abroad += 1
                    return None
                reject(line, "codeCommuneEtablissement", commune, "code commune inconnu")
                return None
            if territory is not None and commune not in territory:
                result.etablissements_filtered += 1
                return None
            band = row[i_band] or HeadcountBand.UNKNOWN
            if band not in BANDS:
                reject(line, "trancheEffectifsEtablissement", band, "tranche d'effectifs inconnue")
                return None
            is_open = row[i_state] != "F"
            closed_on = None
            if not is_open:
                # A closed establishment's current period began when it closed.
                try:
                    closed_on = iso_date(row[i_since])
                except ValueError:
                    reject(line, "dateDebut", row[i_since], "date de fermeture invalide")
                    return None
            diffusible = row[i_diff] != "P"
            x = y = None
            if diffusible:
                number = row[i_num]
                if number and row[i_rep]:
                    number = f"{number} {REPETITION.get(row[i_rep], row[i_rep].lower())}"
                kind = row[i_type]
                street = " ".join(
                    p for p in (number, STREET_TYPES.get(kind, kind.lower()), row[i_voie]) if p
                )
                complement = row[i_compl]
                if i_x is not None and i_y is not None and row[i_x] and row[i_y]:
                    try:
                        x, y = float(row[i_x]), float(row[i_y])
                    except ValueError:  # "[ND]" or garbage: placed at the commune
                        x = y = None
            else:
                # Diffusion partielle: only the commune is public.
                street = complement = ""
            naf = row[i_naf] if row[i_nomenclature] == "NAFRev2" else ""
            return [
                line,
                siret,
                siret[:9],
                (row[i_ens] or row[i_denom])[:255] if diffusible else "",
                complement[:255],
                street[:255],
                row[i_cp][:5],
                commune,
                x,
                y,
                row[i_siege] == "true",
                is_open,
                naf if naf in nafs else None,
                band,
                diffusible,
                closed_on,
            ]

        return parse
