"""Streaming passes over the SIRENE files: columns, row checks, batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from pyproj import Transformer

from atelier.territories.enums import EssFamily

from ...enums import HeadcountBand
from ..organisations import ess_rule_for
from ..reports import Table, open_table
from .identifiers import iso_date, siren_error, siret_error
from .index import TempIndex
from .layout import (
    BANDS,
    EST_LABEL,
    EST_REQUIRED,
    GEO_LABEL,
    GEO_REQUIRED,
    INDIVIDUAL_ENTREPRENEUR,
    REPETITION,
    STREET_TYPES,
    UL_LABEL,
    UL_REQUIRED,
)
from .writer import SireneWriter


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
    """The streaming passes over the stock files: row checks, then batches to the writer."""

    # -- pass 1: legal units ----------------------------------------------------------------

    def _read_units(self, index: TempIndex) -> None:
        table = open_table(
            self.options.unites_legales, label=UL_LABEL, delimiter=",", required=UL_REQUIRED
        )
        progress = self._progress("Unités légales")
        c = table.columns
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
        reject = self._rejecter(table)
        rows = CompleteRows(table, c, reject)
        families, nafs, ess_only = self.families, self.nafs, self.options.ess_only
        batch: list[tuple] = []
        kept = 0
        try:
            for line, row in rows:
                siren = row[i_siren]
                error = siren_error(siren)
                if error:
                    reject(line, "siren", siren, error)
                    continue
                cj = row[i_cj]
                family = families.get(cj, EssFamily.OTHER)
                flag = row[i_ess]
                if flag not in ("O", "N", ""):
                    reject(line, "economieSocialeSolidaireUniteLegale", flag, "valeur O ou N")
                    batch.append((siren, TempIndex.REJECTED, line, *(None,) * 8))
                    continue
                if ess_only and not ess_rule_for(
                    sirene_flag=flag, family=family, staff_approved=False
                ):
                    batch.append((siren, TempIndex.FILTERED, line, *(None,) * 8))
                    continue
                diffusion = row[i_diff]
                try:
                    creation = iso_date(row[i_date])
                except ValueError:
                    reject(line, "dateCreationUniteLegale", row[i_date], "date invalide")
                    batch.append((siren, TempIndex.REJECTED, line, *(None,) * 8))
                    continue
                band = row[i_band] or HeadcountBand.UNKNOWN
                if band not in BANDS:
                    reject(
                        line, "trancheEffectifsUniteLegale", band, "tranche d'effectifs inconnue"
                    )
                    batch.append((siren, TempIndex.REJECTED, line, *(None,) * 8))
                    continue
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
                batch.append(
                    (
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
                )
                kept += 1
                if len(batch) >= self.options.batch_size:
                    index.add_units(batch)
                    batch = []
                    progress.update(rows.read)
            if batch:
                index.add_units(batch)
        finally:
            table.close()
        progress.update(rows.read)
        progress.done()
        self.result.unites_legales_read = rows.read
        self.result.unites_legales_kept = kept

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
        table = open_table(
            self.options.etablissements, label=EST_LABEL, delimiter=",", required=EST_REQUIRED
        )
        progress = self._progress("Établissements")
        c = table.columns
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
        i_ens = c["enseigne1Etablissement"]
        i_denom = c["denominationUsuelleEtablissement"]
        i_naf = c["activitePrincipaleEtablissement"]
        i_nomenclature = c["nomenclatureActivitePrincipaleEtablissement"]
        reject = self._rejecter(table)
        rows = CompleteRows(table, c, reject)
        places, nafs, territory = self.places, self.nafs, self.territory
        batch: list[list] = []
        try:
            for line, row in rows:
                siret = row[i_siret]
                error = siret_error(siret)
                if error:
                    reject(line, "siret", siret, error)
                    continue
                if row[i_siren] != siret[:9]:
                    reject(line, "siren", row[i_siren], "le SIREN ne correspond pas au SIRET")
                    continue
                commune = row[i_commune]
                if commune not in places:
                    if not commune and row[i_pays]:
                        self.result.etablissements_abroad += 1
                        continue
                    reject(line, "codeCommuneEtablissement", commune, "code commune inconnu")
                    continue
                if territory is not None and commune not in territory:
                    self.result.etablissements_filtered += 1
                    continue
                band = row[i_band] or HeadcountBand.UNKNOWN
                if band not in BANDS:
                    reject(
                        line,
                        "trancheEffectifsEtablissement",
                        band,
                        "tranche d'effectifs inconnue",
                    )
                    continue
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
                batch.append(
                    [
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
                        row[i_state] != "F",
                        naf if naf in nafs else None,
                        band,
                        diffusible,
                    ]
                )
                if len(batch) >= self.options.batch_size:
                    self._flush(batch, index, use_geo, reject)
                    batch = []
                    progress.update(rows.read)
            if batch:
                self._flush(batch, index, use_geo, reject)
        finally:
            table.close()
        progress.update(rows.read)
        progress.done()
        self.result.etablissements_read = rows.read
