"""The YAML test cases of the rules (atelier/support/rules/tests/*.yaml, format in the README
there), run against the catalogue of data/support/schemes.yaml; and every registered rule has
cases in the YAML file of its module."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from atelier.support.models import Scheme, SchemeParameter
from atelier.support.profile import Profile
from atelier.support.rules.registry import RULES
from atelier.support.selectors.orientation import orient

CASES_DIR = Path(__file__).resolve().parent.parent / "rules" / "tests"
CATALOGUE = Path(__file__).resolve().parents[3] / "data" / "support" / "schemes.yaml"
NBSP = "\u00a0"


def _files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def _cases():
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(case, id=f"{path.stem}: {case['name']}")


def _profile(raw: dict, on: datetime.date) -> Profile:
    raw = dict(raw)
    raw["situations"] = frozenset(raw.get("situations", ()))
    raw["needs"] = frozenset(raw.get("needs", ()))
    return Profile(**raw, on=on)


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(_cases()))
def test_rule_case(catalogue, case):
    scheme = Scheme.objects.get(slug=case["scheme"])
    for name, value in (case.get("scheme_changes") or {}).items():
        setattr(scheme, name, value)
    scheme.save()
    for raw in case.get("parameters") or []:
        SchemeParameter.objects.create(
            scheme=scheme, name=raw["name"], start=raw["start"], value=Decimal(str(raw["value"]))
        )
    answers = orient(_profile(case["profile"], case["date"]))
    answer = next(a for a in answers if a.slug == case["scheme"])
    codes = {c.code: c for c in answer.checks}
    texts = [c.text.replace(NBSP, " ") for c in answer.checks]
    assert answer.eligible is case["eligible"], texts
    if "failed" in case:
        assert sorted(c.code for c in answer.failed) == sorted(case["failed"]), texts
    for code in case.get("held", []):
        assert codes[code].held, texts
    for code in case.get("absent", []):
        assert code not in codes, texts
    for text in case.get("texts", []):
        assert text in texts, f"{text!r} not in {texts}"


def test_every_registered_rule_has_yaml_cases():
    schemes = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["schemes"]
    rule_of = {s["slug"]: s.get("rule", "standard") for s in schemes}
    covered: dict[str, set[str]] = {}
    for path in _files():
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            covered.setdefault(path.stem, set()).add(rule_of[case["scheme"]])
    missing = [k for k, r in RULES.items() if k not in covered.get(r.module, set())]
    assert missing == [], f"rules without YAML cases in rules/tests/<module>.yaml: {missing}"


def test_every_case_file_belongs_to_a_rule_module():
    modules = {r.module for r in RULES.values()}
    assert {p.stem for p in _files()} <= modules
