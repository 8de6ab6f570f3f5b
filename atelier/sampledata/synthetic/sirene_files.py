"""Synthetic organisations as StockUniteLegale.csv / StockEtablissement.csv in the exact INSEE
layout (every column, in order), for the import benchmark; positions as Lambert-93."""

from __future__ import annotations

import csv
from pathlib import Path

from pyproj import Transformer

from atelier.directory.services.sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS

from .generator import SyntheticGenerator
from .records import GenerateResult, batches


def sirene_files_generate(
    *, count: int, seed: int, directory: Path, progress=None, batch_size: int = 10_000
) -> GenerateResult:
    """Write StockUniteLegale.csv and StockEtablissement.csv (INSEE layout, every column in
    order) for `count` synthetic organisations; positions as Lambert-93 coordinates."""
    directory.mkdir(parents=True, exist_ok=True)
    gen = SyntheticGenerator(seed=seed)
    to_lambert = Transformer.from_crs(4326, 2154, always_xy=True)
    ul_path = directory / "StockUniteLegale.csv"
    est_path = directory / "StockEtablissement.csv"
    result = GenerateResult(files=[ul_path, est_path])
    ul_index = {c: i for i, c in enumerate(UNITE_LEGALE_COLUMNS)}
    est_index = {c: i for i, c in enumerate(ETABLISSEMENT_COLUMNS)}
    with (
        ul_path.open("w", encoding="utf-8", newline="") as ul_fh,
        est_path.open("w", encoding="utf-8", newline="") as est_fh,
    ):
        ul_w = csv.writer(ul_fh, lineterminator="\n")
        est_w = csv.writer(est_fh, lineterminator="\n")
        ul_w.writerow(UNITE_LEGALE_COLUMNS)
        est_w.writerow(ETABLISSEMENT_COLUMNS)
        for batch in batches(gen.organisations(count), batch_size):
            ests = [e for o in batch for e in o.establishments]
            xs, ys = to_lambert.transform([e.lon for e in ests], [e.lat for e in ests])
            coords = iter(zip(xs, ys, strict=True))
            for o in batch:
                row = [""] * len(UNITE_LEGALE_COLUMNS)
                row[ul_index["siren"]] = o.siren
                row[ul_index["statutDiffusionUniteLegale"]] = "O"
                row[ul_index["dateCreationUniteLegale"]] = o.creation_date
                row[ul_index["sigleUniteLegale"]] = o.acronym
                row[ul_index["trancheEffectifsUniteLegale"]] = o.band
                row[ul_index["dateDernierTraitementUniteLegale"]] = (
                    "2025-01-01T00:00:00"  # fixed: same seed, same files
                )
                row[ul_index["nombrePeriodesUniteLegale"]] = "1"
                row[ul_index["dateDebut"]] = o.creation_date
                row[ul_index["etatAdministratifUniteLegale"]] = "A" if o.is_active else "C"
                row[ul_index["denominationUniteLegale"]] = o.name
                row[ul_index["categorieJuridiqueUniteLegale"]] = o.legal_category
                row[ul_index["activitePrincipaleUniteLegale"]] = o.naf
                row[ul_index["nomenclatureActivitePrincipaleUniteLegale"]] = "NAFRev2"
                row[ul_index["nicSiegeUniteLegale"]] = o.establishments[0].nic
                row[ul_index["economieSocialeSolidaireUniteLegale"]] = o.ess_flag
                row[ul_index["caractereEmployeurUniteLegale"]] = "N" if o.band in "NN00" else "O"
                ul_w.writerow(row)
                for e in o.establishments:
                    x, y = next(coords)
                    r = [""] * len(ETABLISSEMENT_COLUMNS)
                    r[est_index["siren"]] = o.siren
                    r[est_index["nic"]] = e.nic
                    r[est_index["siret"]] = e.siret
                    r[est_index["statutDiffusionEtablissement"]] = "O"
                    r[est_index["dateCreationEtablissement"]] = o.creation_date
                    r[est_index["trancheEffectifsEtablissement"]] = e.band
                    r[est_index["etablissementSiege"]] = "true" if e.is_head_office else "false"
                    r[est_index["nombrePeriodesEtablissement"]] = "1"
                    r[est_index["numeroVoieEtablissement"]] = e.number
                    r[est_index["typeVoieEtablissement"]] = e.street_type
                    r[est_index["libelleVoieEtablissement"]] = e.street_name
                    r[est_index["codePostalEtablissement"]] = e.postcode
                    r[est_index["libelleCommuneEtablissement"]] = gen.places[e.commune].name.upper()
                    r[est_index["codeCommuneEtablissement"]] = e.commune
                    r[est_index["coordonneeLambertAbscisseEtablissement"]] = f"{x:.1f}"
                    r[est_index["coordonneeLambertOrdonneeEtablissement"]] = f"{y:.1f}"
                    r[est_index["dateDebut"]] = o.creation_date
                    r[est_index["etatAdministratifEtablissement"]] = "A" if e.is_open else "F"
                    r[est_index["enseigne1Etablissement"]] = e.name
                    r[est_index["activitePrincipaleEtablissement"]] = e.naf
                    r[est_index["nomenclatureActivitePrincipaleEtablissement"]] = "NAFRev2"
                    r[est_index["caractereEmployeurEtablissement"]] = "N"
                    est_w.writerow(r)
                    result.establishments += 1
            result.organisations += len(batch)
            if progress is not None:
                progress.update(result.organisations)
    return result
