"""Import of the INSEE SIRENE stock files (StockUniteLegale, StockEtablissement and, optionally,
the file of geolocated establishments) into organisations (by SIREN) and establishments (by
SIRET), with bounded memory whatever the size of the files.

How memory stays bounded. The establishment pass needs, for each establishment, the data of its
legal unit; the legal-unit file has ~30 million rows, far too many for a dictionary. So:

1. pass 1 streams StockUniteLegale, validates and filters each row (`--ess-only`) and stores the
   few columns needed later in a temporary, on-disk SQLite index (one WITHOUT ROWID table keyed by
   SIREN, journal off). Its page cache is capped, so memory does not grow with the file;
2. the optional geolocation file is streamed into a second temporary table keyed by SIRET;
3. pass 2 streams StockEtablissement in batches: each batch looks its SIRENs (and SIRETs) up in the
   temporary index, converts Lambert-93 coordinates with one vectorised pyproj call, derives the
   organisations in memory (`organisation_derive`, with nomenclatures and commune places preloaded
   once) and writes organisations then establishments through `BulkWriter` in one transaction;
4. without `--territory`, the kept legal units that had no establishment in the file are written
   last, without a commune.

Organisations take their commune (and so their département, EPCI…) from their head office when it
is open, else from another open establishment, else from a closed one — the same order as
`organisation_refresh_derived`. The stock file is sorted by SIRET, so an organisation's
establishments are nearly always in the same batch; when a better one turns up later, the
organisation is derived and upserted again.

Speed (see services/bulk.py): into EMPTY tables (a first import), secondary indexes — and on
PostgreSQL foreign keys — are dropped and built once at the end; the SQLite full-text index is
rebuilt once; PostgreSQL receives each batch by COPY; the cyclic garbage collector leaves the
long-lived objects alone. Bulk writes create no django-simple-history rows.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import DatabaseError, transaction
from pyproj import Transformer
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from atelier.territories.enums import EssFamily
from atelier.territories.selectors import (
    CommunePlace,
    commune_places,
    legal_category_families,
    naf_codes,
    territory_parse,
)

from ..enums import GeoPrecision, HeadcountBand, Source
from ..geo import lonlat_to_world
from .bulk import (
    BulkWriter,
    Existing,
    OrgRecord,
    UpsertResult,
    bounded_memory,
    bulk_restore_pending,
    collector_relaxed,
    memory_release,
    readers_after_bulk_write,
    secondary_indexes_deferred,
)
from .organisations import ess_rule_for
from .reports import ImportFormatError, ImportReport, Progress, Table, open_table

# ---------------------------------------------------------------------------------------------
# The INSEE layouts, every column in file order (public INSEE documentation of the stock files).

UNITE_LEGALE_COLUMNS: tuple[str, ...] = (
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
)

_ADDRESS_2 = (
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
)

ETABLISSEMENT_COLUMNS: tuple[str, ...] = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    *_ADDRESS_2,
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)

# GeolocalisationEtablissement_Sirene_pour_etudes_statistiques (semicolon-separated).
GEO_COLUMNS: tuple[str, ...] = (
    "siret",
    "x",
    "y",
    "qualite_xy",
    "epsg",
    "plg_qp",
    "plg_iris",
    "plg_zus",
    "plg_qva",
    "plg_code_commune",
    "distance_precision",
    "qualite_qp",
    "qualite_iris",
    "qualite_zus",
    "qualite_qva",
    "y_latitude",
    "x_longitude",
)

UL_REQUIRED = [
    "siren",
    "statutDiffusionUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "prenom1UniteLegale",
    "prenomUsuelUniteLegale",
    "trancheEffectifsUniteLegale",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "economieSocialeSolidaireUniteLegale",
]
EST_REQUIRED = [
    "siren",
    "siret",
    "statutDiffusionEtablissement",
    "trancheEffectifsEtablissement",
    "etablissementSiege",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "codeCommuneEtablissement",
    "codePaysEtrangerEtablissement",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
]
GEO_REQUIRED = ["siret", "x", "y", "epsg", "y_latitude", "x_longitude"]

UL_LABEL = "StockUniteLegale"
EST_LABEL = "StockEtablissement"
GEO_LABEL = "géolocalisation des établissements"

BATCH_SIZE = 10_000
INDIVIDUAL_ENTREPRENEUR = "1000"
BANDS = frozenset(b.value for b in HeadcountBand)
# Abbreviations of typeVoieEtablissement (INSEE), spelled out for the address line.
STREET_TYPES = {
    "ALL": "allée",
    "AV": "avenue",
    "BD": "boulevard",
    "CAR": "carrefour",
    "CHE": "chemin",
    "CHS": "chaussée",
    "CITE": "cité",
    "COR": "corniche",
    "CRS": "cours",
    "DOM": "domaine",
    "DSC": "descente",
    "ECA": "écart",
    "ESP": "esplanade",
    "FG": "faubourg",
    "GR": "grande rue",
    "HAM": "hameau",
    "HLE": "halle",
    "IMP": "impasse",
    "LD": "lieu-dit",
    "LOT": "lotissement",
    "MAR": "marché",
    "MTE": "montée",
    "PARC": "parc",
    "PAS": "passage",
    "PL": "place",
    "PLN": "plaine",
    "PLT": "plateau",
    "PRO": "promenade",
    "PRV": "parvis",
    "QUA": "quartier",
    "QUAI": "quai",
    "RES": "résidence",
    "RLE": "ruelle",
    "ROC": "rocade",
    "RPT": "rond-point",
    "RTE": "route",
    "RUE": "rue",
    "SEN": "sentier",
    "SQ": "square",
    "TPL": "terre-plein",
    "TRA": "traverse",
    "VLA": "villa",
    "VLGE": "village",
}
REPETITION = {"B": "bis", "T": "ter", "Q": "quater", "C": "quinquies"}
# Municipal arrondissements of Paris, Lyon and Marseille, for `--territory commune:75056`.
ARRONDISSEMENTS = {
    "75056": {f"751{i:02d}" for i in range(1, 21)},
    "69123": {f"6938{i}" for i in range(1, 10)},
    "13055": {f"132{i:02d}" for i in range(1, 17)},
}

# ---------------------------------------------------------------------------------------------
# Identifiers


_DOUBLED = str.maketrans("0123456789", "0246813579")  # digit -> digit sum of its double


def _luhn_ok(digits: str) -> bool:
    """Luhn check of an all-digit string (sums of byte values, minus 48 per digit)."""
    total = sum(digits[-1::-2].encode()) + sum(digits[-2::-2].translate(_DOUBLED).encode())
    return (total - 48 * len(digits)) % 10 == 0


def siren_error(value: str) -> str:
    """'' when `value` is a valid SIREN, else the reason in French."""
    if len(value) != 9 or not value.isdigit():
        return "SIREN invalide : 9 chiffres attendus"
    if not _luhn_ok(value):
        return "SIREN invalide : clé de contrôle (Luhn) fausse"
    return ""


def siret_error(value: str) -> str:
    """'' when `value` is a valid SIRET, else the reason. Same rules as python-stdnum's
    stdnum.fr.siret (La Poste SIRETs follow a different check, left to stdnum), with a fast path
    for the millions of ordinary numbers."""
    if len(value) != 14 or not value.isdigit():
        return "SIRET invalide : 14 chiffres attendus"
    if value.startswith("356000000"):
        return "" if stdnum_siret.is_valid(value) else "SIRET invalide : clé de contrôle fausse"
    if not _luhn_ok(value) or not _luhn_ok(value[:9]):
        return "SIRET invalide : clé de contrôle (Luhn) fausse"
    return ""


def is_valid_siren(value: str) -> bool:
    return stdnum_siren.is_valid(value)


def _iso_date(value: str) -> str | None:
    """'2019-05-01' -> same string; '' -> None; anything else raises ValueError."""
    if not value:
        return None
    dt.date.fromisoformat(value)
    if len(value) != 10:
        raise ValueError(value)
    return value


# ---------------------------------------------------------------------------------------------
# Options and result


@dataclass
class SireneOptions:
    unites_legales: Path
    etablissements: Path
    geo: Path | None = None
    ess_only: bool = False
    territory: str = ""
    batch_size: int = BATCH_SIZE
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
    territory_label: str = ""
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
    attr = {
        "region": "region_code",
        "departement": "departement_code",
        "epci": "epci_code",
        "ept": "ept_code",
    }.get(ref.level)
    if attr:
        codes = {c for c, p in places.items() if getattr(p, attr) == ref.code}
    else:
        codes = {ref.code} | ARRONDISSEMENTS.get(ref.code, set())
    return codes, ref.label


# ---------------------------------------------------------------------------------------------
# The temporary on-disk index


class _TempIndex:
    """Legal units (and geolocations) needed by the establishment pass, on disk."""

    UL_FIELDS = (
        "siren",
        "status",
        "line",
        "name",
        "acronym",
        "legal_category_id",
        "flag",
        "band",
        "naf_id",
        "creation_date",
        "is_active",
    )
    KEPT, FILTERED, REJECTED = 1, 0, 2

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="atelier-sirene-")
        self.db = sqlite3.connect(os.path.join(self.dir, "index.sqlite3"), isolation_level=None)
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-32768",  # 32 MB at most
            "temp_store=FILE",
            "locking_mode=EXCLUSIVE",
        ):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(
            "CREATE TABLE ul (siren TEXT PRIMARY KEY, status INT, line INT, name TEXT, "
            "acronym TEXT, legal_category_id TEXT, flag TEXT, band TEXT, naf_id TEXT, "
            "creation_date TEXT, is_active INT, written INT DEFAULT 0, "
            "place_rank INT DEFAULT -1) WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE geo (siret TEXT PRIMARY KEY, lon REAL, lat REAL) WITHOUT ROWID"
        )

    def add_units(self, rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(self.UL_FIELDS))
        self.db.execute("BEGIN")
        self.db.executemany(
            f"INSERT OR REPLACE INTO ul ({', '.join(self.UL_FIELDS)}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        self.db.execute("COMMIT")

    def add_geo(self, rows: list[tuple]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR REPLACE INTO geo VALUES (?, ?, ?)", rows)
        self.db.execute("COMMIT")

    def units(self, sirens: Sequence[str]) -> dict[str, tuple]:
        out: dict[str, tuple] = {}
        cols = ", ".join(self.UL_FIELDS)
        for i in range(0, len(sirens), 5000):
            chunk = sirens[i : i + 5000]
            marks = ", ".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT {cols}, written, place_rank FROM ul WHERE siren IN ({marks})",  # noqa: S608
                chunk,
            ):
                out[row[0]] = row
        return out

    def geo(self, sirets: Sequence[str]) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for i in range(0, len(sirets), 5000):
            chunk = sirets[i : i + 5000]
            marks = ", ".join("?" * len(chunk))
            for siret, lon, lat in self.db.execute(
                f"SELECT siret, lon, lat FROM geo WHERE siret IN ({marks})",  # noqa: S608
                chunk,
            ):
                out[siret] = (lon, lat)
        return out

    def mark_written(self, ranks: dict[str, int]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(
            "UPDATE ul SET written = 1, place_rank = ? WHERE siren = ?",
            [(rank, siren) for siren, rank in ranks.items()],
        )
        self.db.execute("COMMIT")

    def unwritten(self, batch_size: int) -> Iterator[list[tuple]]:
        cols = ", ".join(self.UL_FIELDS)
        cursor = self.db.execute(
            f"SELECT {cols}, written, place_rank FROM ul WHERE status = ? AND written = 0",  # noqa: S608
            (self.KEPT,),
        )
        while rows := cursor.fetchmany(batch_size):
            yield rows

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The importer


class _CompleteRows:
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


class SireneImporter:
    def __init__(self, options: SireneOptions, report: ImportReport) -> None:
        self.options = options
        self.report = report
        self.result = SireneResult()
        self.families = legal_category_families()
        self.nafs = naf_codes()
        self.places = commune_places()
        if not self.places:
            raise ImportFormatError(
                "Le référentiel des communes n'est pas chargé : lancez d'abord "
                "« atelier load-reference »."
            )
        self.territory: set[str] | None = None
        if options.territory:
            self.territory, self.result.territory_label = territory_communes(
                options.territory, self.places
            )
        self.writer = BulkWriter()
        self.to_wgs84 = Transformer.from_crs(2154, 4326, always_xy=True)
        self._geo_transformers: dict[str, Transformer] = {}

    # -- pass 1: legal units ----------------------------------------------------------------

    def _read_units(self, index: _TempIndex) -> None:
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
        rows = _CompleteRows(table, c, reject)
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
                    batch.append((siren, _TempIndex.REJECTED, line, *(None,) * 8))
                    continue
                if ess_only and not ess_rule_for(
                    sirene_flag=flag, family=family, staff_approved=False
                ):
                    batch.append((siren, _TempIndex.FILTERED, line, *(None,) * 8))
                    continue
                diffusion = row[i_diff]
                try:
                    creation = _iso_date(row[i_date])
                except ValueError:
                    reject(line, "dateCreationUniteLegale", row[i_date], "date invalide")
                    batch.append((siren, _TempIndex.REJECTED, line, *(None,) * 8))
                    continue
                band = row[i_band] or HeadcountBand.UNKNOWN
                if band not in BANDS:
                    reject(
                        line, "trancheEffectifsUniteLegale", band, "tranche d'effectifs inconnue"
                    )
                    batch.append((siren, _TempIndex.REJECTED, line, *(None,) * 8))
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
                        _TempIndex.KEPT,
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

    def _read_geo(self, index: _TempIndex, path: Path) -> None:
        table = open_table(path, label=GEO_LABEL, delimiter=";", required=GEO_REQUIRED)
        progress = self._progress("Géolocalisation")
        c = table.columns
        i_siret, i_x, i_y, i_epsg = c["siret"], c["x"], c["y"], c["epsg"]
        i_lat, i_lon = c["y_latitude"], c["x_longitude"]
        reject = self._rejecter(table)
        rows = _CompleteRows(table, c, reject)
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

    def _read_establishments(self, index: _TempIndex, use_geo: bool) -> None:
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
        rows = _CompleteRows(table, c, reject)
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

    def _flush(self, batch: list[list], index: _TempIndex, use_geo: bool, reject: Callable) -> None:
        """Write one batch of parsed establishments and the organisations they need."""
        units = index.units(list({e[2] for e in batch}))
        kept: list[list] = []
        for e in batch:
            unit = units.get(e[2])
            if unit is None:
                reject(e[0], "siren", e[2], "SIREN absent du fichier des unités légales")
            elif unit[1] == _TempIndex.FILTERED:
                self.result.etablissements_filtered += 1
            elif unit[1] == _TempIndex.REJECTED:
                reject(e[0], "siren", e[2], f"unité légale rejetée (ligne {unit[2]})")
            else:
                kept.append(e)
        if not kept:
            return
        geo = index.geo([e[1] for e in kept if e[14]]) if use_geo else {}
        to_convert = [e for e in kept if e[8] is not None and e[1] not in geo]
        if to_convert:
            lons, lats = self.to_wgs84.transform(
                [e[8] for e in to_convert], [e[9] for e in to_convert]
            )
            for e, lon, lat in zip(to_convert, lons, lats, strict=True):
                e[8], e[9] = lon, lat
        places = self.places
        # Best place per organisation in this batch: open head office > open > closed head office.
        best: dict[str, tuple[int, str]] = {}
        est_rows: list[tuple] = []
        for e in kept:
            siret, commune = e[1], e[7]
            position = geo.get(siret)
            if position is None and e[8] is not None:
                position = (e[8], e[9])
            if position is not None:
                lon, lat = position
                precision = GeoPrecision.ADDRESS
            else:
                place = places[commune]
                lon, lat = place.longitude, place.latitude
                precision = GeoPrecision.COMMUNE
            mx, my = lonlat_to_world(lon, lat)
            rank = 2 * e[11] + e[10]
            current = best.get(e[2])
            if current is None or rank > current[0]:
                best[e[2]] = (rank, commune)
            est_rows.append(
                (
                    siret,
                    e[2],  # replaced by the organisation id once it is known
                    e[3],
                    e[4],
                    e[5],
                    e[6],
                    commune,
                    lat,
                    lon,
                    precision,
                    mx,
                    my,
                    e[10],
                    e[11],
                    e[12],
                    e[13],
                )
            )
        to_write = {
            siren: best[siren]
            for siren in best
            if not units[siren][11] or best[siren][0] > units[siren][12]
        }
        records = [
            self._record(units[siren], places.get(commune))
            for siren, (_, commune) in to_write.items()
        ]
        lines = {e[1]: e[0] for e in kept}
        self.result.etablissements_kept += len(kept)
        self._write(records, est_rows, lines, reject)
        index.mark_written({s: r for s, (r, _) in to_write.items()})

    def _record(
        self, unit: tuple, place: CommunePlace | None
    ) -> tuple[OrgRecord, CommunePlace | None]:
        (siren, _s, _l, name, acronym, cj, flag, band, naf, creation, active) = unit[:11]
        return OrgRecord(
            siren=siren,
            name=name,
            source=Source.SIRENE,
            acronym=acronym,
            legal_category_id=cj,
            sirene_ess_flag=flag,
            headcount_band=band,
            naf_id=naf,
            creation_date=creation,
            is_active=bool(active),
        ), place

    def _derive(self, pairs: list, existing: dict[str, Existing]) -> list[OrgRecord]:
        out = []
        for record, place in pairs:
            old = existing.get(record.siren)
            if old is not None:
                record.staff_approved = old.staff_approved
                record.approval_bits = old.approval_bits
                record.theme_bits = old.theme_bits
                record.description = old.description
                record.website = old.website
                record.source = old.source
            family = self.families.get(record.legal_category_id or "", EssFamily.OTHER)
            out.append(
                record.derive(
                    family=family,
                    place=place,
                    naf=self.nafs.get(record.naf_id) if record.naf_id else None,
                )
            )
        return out

    def _write(
        self,
        pairs: list,
        est_rows: list[tuple],
        lines: dict[str, int],
        reject: Callable,
    ) -> None:
        writer = self.writer
        try:
            with transaction.atomic():
                existing = writer.existing_organisations([r.siren for r, _ in pairs])
                records = self._derive(pairs, existing)
                orgs = writer.upsert_organisations(records, existing=existing)
                ids = writer.organisation_ids(list({r[1] for r in est_rows}))
                rows = [(r[0], ids[r[1]], *r[2:]) for r in est_rows]
                sirets = writer.existing_sirets([r[0] for r in rows])
                ests = writer.upsert_establishments(rows, existing=sirets)
        except (DatabaseError, KeyError):
            orgs, ests = self._write_one_by_one(pairs, est_rows, lines, reject)
        self._count(orgs, ests)

    def _count(self, orgs: UpsertResult, ests: UpsertResult) -> None:
        r = self.result
        r.organisations_created += orgs.created
        # An organisation derived again for a better head office may count twice as updated.
        r.organisations_updated += orgs.updated
        r.establishments_created += ests.created
        r.establishments_updated += ests.updated

    def _write_one_by_one(
        self, pairs: list, est_rows: list[tuple], lines: dict[str, int], reject: Callable
    ) -> tuple[UpsertResult, UpsertResult]:
        """A batch failed and was rolled back: write each row in its own transaction, so that
        every good row is kept and every bad one is reported with its line."""
        writer = self.writer
        orgs, ests = UpsertResult(), UpsertResult()
        failed: set[str] = set()
        for pair in pairs:
            try:
                with transaction.atomic():
                    existing = writer.existing_organisations([pair[0].siren])
                    result = writer.upsert_organisations(
                        self._derive([pair], existing), existing=existing
                    )
                orgs.created += result.created
                orgs.updated += result.updated
            except DatabaseError as exc:
                failed.add(pair[0].siren)
                reject(0, "siren", pair[0].siren, f"écriture refusée par la base : {exc}")
        for row in est_rows:
            if row[1] in failed:
                reject(lines[row[0]], "siren", row[1], "organisation non écrite")
                continue
            try:
                with transaction.atomic():
                    ids = writer.organisation_ids([row[1]])
                    if row[1] not in ids:
                        reject(lines[row[0]], "siren", row[1], "organisation introuvable")
                        continue
                    full = (row[0], ids[row[1]], *row[2:])
                    result = writer.upsert_establishments(
                        [full], existing=writer.existing_sirets([row[0]])
                    )
                ests.created += result.created
                ests.updated += result.updated
            except DatabaseError as exc:
                reject(lines[row[0]], "siret", row[0], f"écriture refusée par la base : {exc}")
        return orgs, ests

    def _write_remaining(self, index: _TempIndex) -> None:
        """Legal units kept but with no establishment in the file (no `--territory`)."""
        for units in index.unwritten(self.options.batch_size):
            pairs = [self._record(u, None) for u in units]
            self._write(pairs, [], {}, self._rejecter_for(UL_LABEL))

    # -- helpers ----------------------------------------------------------------------------

    def _progress(self, label: str) -> Progress:
        return Progress(
            label, stream=self.options.progress_stream, every=self.options.progress_every
        )

    def _rejecter(self, table: Table) -> Callable:
        return self._rejecter_for(table.path.name)

    def _rejecter_for(self, name: str) -> Callable:
        report = self.report

        def reject(line: int, column: str, value: str, reason: str) -> None:
            report.reject(file=name, line=line, column=column, value=value or "", reason=reason)

        return reject

    def run(self) -> SireneResult:
        start = time.perf_counter()
        bulk_restore_pending()  # an earlier bulk write killed midway
        index = _TempIndex()
        try:
            with collector_relaxed():
                self._read_units(index)
                if self.options.geo is not None:
                    self._read_geo(index, self.options.geo)
                with bounded_memory(), secondary_indexes_deferred():
                    self._read_establishments(index, use_geo=self.options.geo is not None)
                    if self.territory is None:
                        self._write_remaining(index)
                    index.close()  # its page cache is given back before the index builds
                    memory_release()
            readers_after_bulk_write()
        finally:
            index.close()
        self.result.seconds = time.perf_counter() - start
        return self.result


def organisation_import_sirene(*, options: SireneOptions, report: ImportReport) -> SireneResult:
    """Import the SIRENE stock files described by `options`; rejected rows go to `report`.
    Raises ImportFormatError when a file is not in the expected format."""
    return SireneImporter(options, report).run()
