"""Synthetic organisations for benchmarks and load tests: realistic, deterministic for a seed, on
real communes, never mixed silently with the demo data.

Distributions (rough orders of magnitude of the French ESS): associations ~80 %, cooperatives
~10 %, mutuals ~1.5 %, foundations ~1 %, commercial ESUS and other forms the rest; legal categories
and NAF codes consistent with the family; headcount bands skewed to small; about 1.2
establishments per organisation (most have one, a few have many); SIAE approvals only for
insertion structures. SIRENs are `9` + a 7-digit sequence + a Luhn key (SIRETs: SIREN + NIC +
key); numbers held by a non-synthetic organisation are skipped, so the generator can never collide
with the demo or imported data.

Two outputs share one generator: the database (through the bulk writer, like the SIRENE import)
or StockUniteLegale.csv / StockEtablissement.csv in the exact INSEE layout, for the import
benchmark."""

from __future__ import annotations

import bisect
import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from django.db import transaction
from pyproj import Transformer

from atelier.territories.enums import EssFamily
from atelier.territories.selectors import (
    CommunePlace,
    commune_places,
    legal_category_families,
    naf_codes,
)

from ..enums import SIAE_APPROVALS, Approval, GeoPrecision, Source, Theme
from ..geo import lonlat_to_world
from ..models import Organisation
from .bulk import (
    BulkWriter,
    OrgRecord,
    bounded_memory,
    bulk_restore_pending,
    collector_relaxed,
    memory_release,
    readers_after_bulk_write,
    secondary_indexes_deferred,
)
from .organisations import bits
from .sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS


class GenerationError(Exception):
    """One French sentence for the person who ran the generator."""


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

ASSOCIATION_HEADS = [
    "Association",
    "Les Amis de",
    "Collectif",
    "Maison des",
    "Comité",
    "Union",
    "Fédération",
    "Cercle",
    "Compagnie",
    "Atelier",
    "Club",
    "Foyer",
    "Réseau",
    "Centre social",
]
COOP_HEADS = ["SCOP", "SCIC", "Coopérative", "Coop", "CAE", "Société coopérative"]
MUTUAL_HEADS = ["Mutuelle", "Mutuelle solidaire", "Union mutualiste"]
FOUNDATION_HEADS = ["Fondation", "Fonds de dotation"]
OTHER_HEADS = ["Recyclerie", "Ressourcerie", "Épicerie solidaire", "Atelier", "Café", "Garage"]
THINGS = [
    "Jardins",
    "Ateliers",
    "Amis",
    "Habitants",
    "Voisins",
    "Lilas",
    "Tilleuls",
    "Ruches",
    "Saisons",
    "Couleurs",
    "Ponts",
    "Chemins",
    "Quais",
    "Mots",
    "Notes",
    "Toits",
    "Graines",
    "Vélos",
    "Paniers",
    "Fourneaux",
    "Savoirs",
    "Talents",
    "Liens",
    "Racines",
    "Étoiles",
]
TRADES = [
    "Bois",
    "Pierre",
    "Papier",
    "Lumière",
    "Terre",
    "Fil",
    "Pain",
    "Vélo",
    "Numérique",
    "Énergie",
    "Conseil",
    "Bâtiment",
    "Culture",
    "Paysage",
    "Cuisine",
    "Son",
    "Image",
    "Textile",
]
ADJECTIVES = [
    "solidaire",
    "partagé",
    "citoyen",
    "vivant",
    "ouvert",
    "durable",
    "commun",
    "libre",
    "local",
    "coopératif",
    "joyeux",
]
STREETS = [
    ("RUE", "DE LA REPUBLIQUE"),
    ("AV", "JEAN JAURES"),
    ("RUE", "VICTOR HUGO"),
    ("BD", "GAMBETTA"),
    ("RUE", "DES LILAS"),
    ("PL", "DE LA MAIRIE"),
    ("RUE", "PASTEUR"),
    ("AV", "DU GENERAL LECLERC"),
    ("RUE", "DU MOULIN"),
    ("IMP", "DES ROSIERS"),
    ("CHE", "DES VIGNES"),
    ("RUE", "DE LA GARE"),
    ("QUAI", "DU CANAL"),
    ("RUE", "JULES FERRY"),
    ("RUE", "DE L EGLISE"),
    ("ALL", "DES TILLEULS"),
    ("RUE", "LOUISE MICHEL"),
    ("RUE", "DU FAUBOURG"),
    ("CRS", "DE LA LIBERATION"),
    ("RUE", "SIMONE VEIL"),
]


def luhn_key(digits: str) -> str:
    """The digit that makes `digits + key` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 0:  # these positions are doubled once the key is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def synthetic_siren(n: int) -> str:
    base = f"9{n:07d}"
    return base + luhn_key(base)


def synthetic_siret(siren: str, k: int) -> str:
    """The k-th establishment (1-based) of `siren`: NIC 0001x with a key making the SIRET valid."""
    base = siren + f"{k:04d}"
    return base + luhn_key(base)


@dataclass(slots=True)
class SynthEstablishment:
    siret: str
    nic: str
    commune: str
    postcode: str
    number: str
    street_type: str
    street_name: str
    lon: float
    lat: float
    is_head_office: bool
    is_open: bool
    naf: str
    band: str
    name: str


@dataclass(slots=True)
class SynthOrganisation:
    siren: str
    name: str
    acronym: str
    legal_category: str
    family: str
    naf: str
    band: str
    creation_date: str
    is_active: bool
    ess_flag: str
    theme_bits: int
    approval_bits: int
    staff_approved: bool
    establishments: list[SynthEstablishment] = field(default_factory=list)


class _Weighted:
    """Fast deterministic weighted choice (cumulative weights + bisect)."""

    def __init__(self, items: list, weights: list[float]) -> None:
        if not items:
            raise GenerationError("Aucune valeur disponible pour le tirage.")
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class SyntheticGenerator:
    def __init__(self, *, seed: int, skip_sirens: set[str] | None = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
        self.skip = skip_sirens or set()
        self.places = commune_places()
        if not self.places:
            raise GenerationError(
                "Le référentiel des communes n'est pas chargé : lancez d'abord "
                "« atelier load-reference »."
            )
        self.families = legal_category_families()
        self.nafs = naf_codes()
        codes = sorted(self.places)
        # Weighted by population when the reference gives it (1 otherwise).
        weights = [float(getattr(self.places[c], "population", None) or 1) for c in codes]
        self.communes = _Weighted(codes, weights)
        by_dep: dict[str, tuple[list[str], list[float]]] = {}
        for code, w in zip(codes, weights, strict=True):
            items, ws = by_dep.setdefault(self.places[code].departement_code, ([], []))
            items.append(code)
            ws.append(w)
        self.communes_by_dep = {d: _Weighted(i, w) for d, (i, w) in by_dep.items()}
        self.family_pick = _Weighted([f for f, _ in FAMILY_WEIGHTS], [w for _, w in FAMILY_WEIGHTS])
        self.category_pick: dict[str, _Weighted] = {}
        for family, _ in FAMILY_WEIGHTS:
            available = sorted(c for c, f in self.families.items() if f == family)
            preferred = LEGAL_CATEGORY_WEIGHTS.get(family, {})
            if available:
                self.category_pick[family] = _Weighted(
                    available, [preferred.get(c, 0.2) for c in available]
                )
        fine_nafs = sorted(c for c in self.nafs if len(c) == 6 and c[2] == ".")
        self.naf_pick: dict[str, _Weighted | None] = {}
        for family, _ in FAMILY_WEIGHTS:
            wanted = {c: w for c, w in NAF_WEIGHTS[family].items() if c in self.nafs}
            if wanted:
                self.naf_pick[family] = _Weighted(list(wanted), list(wanted.values()))
            elif fine_nafs:
                self.naf_pick[family] = _Weighted(fine_nafs, [1.0] * len(fine_nafs))
            else:
                self.naf_pick[family] = None
        self.band_pick = _Weighted([b for b, _ in BAND_WEIGHTS], [w for _, w in BAND_WEIGHTS])
        self.count_pick = _Weighted(
            [r for r, _ in ESTABLISHMENT_COUNTS], [w for _, w in ESTABLISHMENT_COUNTS]
        )
        self.themes = list(Theme)

    # -- one organisation -------------------------------------------------------------------

    def _name(self, family: str, category: str, commune: CommunePlace) -> tuple[str, str]:
        rng = self.rng
        town = commune.name
        if family == EssFamily.ASSOCIATION:
            head = rng.choice(ASSOCIATION_HEADS)
            form = rng.random()
            if form < 0.4:
                return f"{head} les {rng.choice(THINGS)} de {town}", ""
            if form < 0.7:
                return f"{head} {rng.choice(TRADES)} {rng.choice(ADJECTIVES)}", ""
            acronym = "".join(rng.choice("ABCDEFGHIJLMNOPRSTUV") for _ in range(rng.randint(3, 5)))
            return f"{head} {rng.choice(THINGS).lower()} {rng.choice(ADJECTIVES)} — {town}", acronym
        if family == EssFamily.COOPERATIVE:
            head = "SCIC" if category == "5560" else rng.choice(COOP_HEADS)
            if rng.random() < 0.5:
                return f"{head} {rng.choice(TRADES)} & Compagnie", ""
            return f"{head} {rng.choice(TRADES)} {rng.choice(ADJECTIVES)}", ""
        if family == EssFamily.MUTUAL:
            return f"{rng.choice(MUTUAL_HEADS)} {rng.choice(ADJECTIVES)} de {town}", ""
        if family == EssFamily.FOUNDATION:
            return (
                f"{rng.choice(FOUNDATION_HEADS)} {rng.choice(THINGS)} {rng.choice(ADJECTIVES)}",
                "",
            )
        return (
            f"{rng.choice(OTHER_HEADS)} du {rng.choice(['Canal', 'Marché', 'Port', 'Parc'])}"
            f" {rng.choice(TRADES).lower()}",
            "",
        )

    def _approvals(self, family: str, category: str, naf: str) -> tuple[int, int, bool]:
        rng = self.rng
        approvals: list[Approval] = []
        themes: list[Theme] = []
        staff = False
        insertion = False
        if family == EssFamily.ASSOCIATION and rng.random() < 0.025:
            approvals.append(rng.choice([Approval.SIAE_ACI, Approval.SIAE_ACI, Approval.SIAE_AI]))
            insertion = True
        elif family == EssFamily.OTHER:
            if rng.random() < 0.35:
                approvals.append(Approval.ESUS)
                staff = rng.random() < 0.3
            if rng.random() < 0.08:
                approvals.append(
                    rng.choice([Approval.SIAE_EI, Approval.SIAE_EI, Approval.SIAE_ETTI])
                )
                insertion = True
        elif family == EssFamily.COOPERATIVE:
            if category in ("5458", "5460", "5385"):
                approvals.append(Approval.SCOP)
            elif category == "5560":
                approvals.append(Approval.SCIC)
            if rng.random() < 0.02:
                approvals.append(Approval.CAE)
            elif rng.random() < 0.01:
                approvals.append(Approval.SIAE_EI)
                insertion = True
        if family == EssFamily.ASSOCIATION and rng.random() < 0.005:
            approvals.append(Approval.COUVEUSE)
        if insertion:
            themes.append(Theme.INSERTION)
        if rng.random() < 0.55:
            themes.append(rng.choice(self.themes))
            if rng.random() < 0.25:
                themes.append(rng.choice(self.themes))
        if naf.startswith("38.") or naf == "47.79Z":
            themes.append(Theme.CIRCULAR_ECONOMY)
        assert not any(a in SIAE_APPROVALS for a in approvals) or insertion
        return bits(set(themes)), bits(set(approvals)), staff

    def _position(self, place: CommunePlace) -> tuple[float, float]:
        rng = self.rng
        distance = min(200.0 + rng.expovariate(1 / 1200.0), 6000.0)
        angle = rng.random() * 2 * math.pi
        lat = place.latitude + distance * math.cos(angle) / 111_320.0
        lon = place.longitude + distance * math.sin(angle) / (
            111_320.0 * max(math.cos(math.radians(place.latitude)), 0.1)
        )
        return round(lon, 6), round(lat, 6)

    def _establishment(
        self, siren: str, k: int, code: str, head: bool, naf: str, band: str
    ) -> SynthEstablishment:
        rng = self.rng
        place = self.places[code]
        lon, lat = self._position(place)
        street_type, street_name = rng.choice(STREETS)
        siret = synthetic_siret(siren, k)
        return SynthEstablishment(
            siret=siret,
            nic=siret[9:],
            commune=code,
            postcode=rng.choice(place.postal_codes) if place.postal_codes else "",
            number=str(rng.randint(1, 180)),
            street_type=street_type,
            street_name=street_name,
            lon=lon,
            lat=lat,
            is_head_office=head,
            is_open=head or rng.random() > 0.12,
            naf=naf,
            band=band if head else self.band_pick.pick(rng),
            name="" if head or rng.random() < 0.6 else f"Antenne {place.name}",
        )

    def organisations(self, count: int, *, start: int = 1) -> Iterator[SynthOrganisation]:
        rng = self.rng
        n = start
        made = 0
        while made < count:
            siren = synthetic_siren(n)
            n += 1
            if n > 9_999_999:
                raise GenerationError("Au plus 9 999 999 organisations synthétiques.")
            if siren in self.skip:
                continue
            made += 1
            family = self.family_pick.pick(rng)
            cat_pick = self.category_pick.get(family)
            category = cat_pick.pick(rng) if cat_pick else ""
            naf_pick = self.naf_pick[family]
            naf = naf_pick.pick(rng) if naf_pick else ""
            band = self.band_pick.pick(rng)
            head_code = self.communes.pick(rng)
            place = self.places[head_code]
            name, acronym = self._name(family, category, place)
            theme_bits, approval_bits, staff = self._approvals(family, category, naf)
            year = 2025 - int(min(rng.expovariate(1 / 14.0), 120))
            creation = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            in_ess_family = family != EssFamily.OTHER
            if in_ess_family:
                flag = "O" if rng.random() < 0.85 else ""
            else:
                flag = "O" if approval_bits & (1 << Approval.ESUS) else "N"
            org = SynthOrganisation(
                siren=siren,
                name=name,
                acronym=acronym,
                legal_category=category,
                family=family,
                naf=naf,
                band=band,
                creation_date=creation,
                is_active=rng.random() > 0.04,
                ess_flag=flag,
                theme_bits=theme_bits,
                approval_bits=approval_bits,
                staff_approved=staff,
            )
            lo, hi = self.count_pick.pick(rng)
            k = lo if lo == hi else rng.randint(lo, hi)
            dep_pick = self.communes_by_dep[place.departement_code]
            for i in range(1, k + 1):
                code = head_code if i == 1 or rng.random() < 0.5 else dep_pick.pick(rng)
                org.establishments.append(self._establishment(siren, i, code, i == 1, naf, band))
            yield org


# ---------------------------------------------------------------------------------------------
# Outputs


@dataclass
class GenerateResult:
    organisations: int = 0
    establishments: int = 0
    files: list[Path] = field(default_factory=list)


def _batches(it: Iterator[SynthOrganisation], size: int) -> Iterator[list[SynthOrganisation]]:
    batch: list[SynthOrganisation] = []
    for org in it:
        batch.append(org)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def demo_data_present() -> bool:
    return Organisation.objects.filter(source=Source.DEMO).exists()


def organisations_generate(
    *, count: int, seed: int, batch_size: int = 10_000, progress=None
) -> GenerateResult:
    """Write `count` synthetic organisations (and their establishments) into the database."""
    skip = {
        siren
        for siren in Organisation.objects.exclude(source=Source.SYNTHETIC)
        .filter(siren__startswith="9")
        .values_list("siren", flat=True)
        if siren
    }
    gen = SyntheticGenerator(seed=seed, skip_sirens=skip)
    writer = BulkWriter()
    result = GenerateResult()
    bulk_restore_pending()  # an earlier bulk write killed midway
    with (
        collector_relaxed(),
        bounded_memory(),
        secondary_indexes_deferred(),
    ):
        _write_synthetic(gen, writer, result, count, batch_size, progress)
        memory_release()
    readers_after_bulk_write()
    return result


def _write_synthetic(gen, writer, result, count, batch_size, progress) -> None:
    nafs, families, places = gen.nafs, gen.families, gen.places
    for batch in _batches(gen.organisations(count), batch_size):
        records = []
        for o in batch:
            record = OrgRecord(
                siren=o.siren,
                name=o.name,
                source=Source.SYNTHETIC,
                acronym=o.acronym,
                legal_category_id=o.legal_category or None,
                sirene_ess_flag=o.ess_flag,
                staff_approved=o.staff_approved,
                approval_bits=o.approval_bits,
                theme_bits=o.theme_bits,
                headcount_band=o.band,
                naf_id=o.naf or None,
                creation_date=o.creation_date,
                is_active=o.is_active,
            )
            record.derive(
                family=families.get(o.legal_category, EssFamily.OTHER),
                place=places[o.establishments[0].commune],
                naf=nafs.get(o.naf),
            )
            records.append(record)
        with transaction.atomic():
            writer.upsert_organisations(records)
            ids = writer.organisation_ids([o.siren for o in batch])
            rows = []
            for o in batch:
                for e in o.establishments:
                    mx, my = lonlat_to_world(e.lon, e.lat)
                    rows.append(
                        (
                            e.siret,
                            ids[o.siren],
                            e.name,
                            "",
                            f"{e.number} {e.street_type.lower()} {e.street_name.title()}",
                            e.postcode,
                            e.commune,
                            e.lat,
                            e.lon,
                            GeoPrecision.ADDRESS,
                            mx,
                            my,
                            e.is_head_office,
                            e.is_open,
                            e.naf or None,
                            e.band,
                        )
                    )
            writer.upsert_establishments(rows)
        result.organisations += len(batch)
        result.establishments += len(rows)
        if progress is not None:
            progress.update(result.organisations)


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
        for batch in _batches(gen.organisations(count), batch_size):
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
