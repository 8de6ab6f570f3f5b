"""Reading the administrative geography (INSEE COG as packaged on npm)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..enums import CommuneKind, GroupingKind, Zone
from .sources import (
    ReferenceSourceError,
    ReferenceSources,
)

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


def read_geography(sources: ReferenceSources, scope: list[str] | None) -> Geography:
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
            served = communes.get(row.get("codeCommune", ""))
            code = row.get("codePostal", "")
            if served and re.fullmatch(r"\d{5}", code):
                served.postal_codes.add(code)
    return Geography(regions, departements, groupings, communes)
