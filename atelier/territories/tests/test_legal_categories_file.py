"""data/legal_categories.csv: INSEE's catégories juridiques, level III, with their ESS family."""

import csv
import re
from pathlib import Path

from django.conf import settings

from atelier.territories.enums import EssFamily

PATH = Path(settings.BASE_DIR) / "data" / "legal_categories.csv"


def _rows() -> list[dict[str, str]]:
    with PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_codes_are_four_digits_unique_and_families_valid():
    rows = _rows()
    codes = [row["code"] for row in rows]
    assert len(rows) > 200
    assert all(re.fullmatch(r"\d{4}", code) for code in codes)
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert {row["ess_family"] for row in rows} <= set(EssFamily.values)
    assert all(row["label"] == row["label"].strip() and "  " not in row["label"] for row in rows)


def test_known_codes():
    rows = {row["code"]: row for row in _rows()}
    expected = {
        "1000": ("Entrepreneur individuel", "other"),
        "5499": ("Société à responsabilité limitée (sans autre indication)", "other"),
        "5710": ("SAS, société par actions simplifiée", "other"),
        "5458": ("SARL coopérative de production (SCOP)", "cooperative"),
        "5558": ("SA coopérative de production (SCOP) à conseil d'administration", "cooperative"),
        "5560": ("Autre SA coopérative à conseil d'administration", "cooperative"),
        "6317": ("Société coopérative agricole", "cooperative"),
        "6316": ("Coopérative d'utilisation de matériel agricole en commun (CUMA)", "cooperative"),
        "8210": ("Mutuelle", "mutual"),
        "6411": ("Société d'assurance à forme mutuelle", "mutual"),
        "9220": ("Association déclarée", "association"),
        "9230": ("Association déclarée, reconnue d'utilité publique", "association"),
        "9300": ("Fondation", "foundation"),
        "7210": ("Commune et commune nouvelle", "other"),
    }
    for code, (label, family) in expected.items():
        assert (rows[code]["label"], rows[code]["ess_family"]) == (label, family), code


def test_every_association_code_and_cooperative_label_is_in_its_family():
    for row in _rows():
        if row["code"].startswith("92"):
            assert row["ess_family"] == "association", row
        if row["code"].startswith("93"):
            assert row["ess_family"] == "foundation", row
        if re.search(r"coopérative|SCOP", row["label"], re.IGNORECASE):
            assert row["ess_family"] == "cooperative", row
        if row["code"][:2] in ("72", "73", "71"):
            assert row["ess_family"] == "other", row


def test_committed_file_follows_the_rebuild_script_rules():
    import importlib.util

    script = Path(settings.BASE_DIR) / "data" / "scripts" / "legal_categories.py"
    spec = importlib.util.spec_from_file_location("legal_categories_script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for row in _rows():
        assert module.family(row["code"], row["label"]) == row["ess_family"], row
