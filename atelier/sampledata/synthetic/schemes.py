"""Synthetic schemes and orientation profiles for the support benchmark: a catalogue scaled to
hundreds of schemes on real territories, deterministic for a seed, loaded through the support
app's own service (so every value passes the checks of the real catalogue) and never mixed
silently with it: slugs start with `synthetique-`, names with "Dispositif synthétique".

    synthetic_schemes(count, *, seed) -> dict            the catalogue file's shape
    synthetic_schemes_load(count, *, seed) -> CatalogueReport
    synthetic_profiles(count, *, seed) -> list[Profile]
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction

from atelier.support.enums import LegalForm, Need, Project, SchemeKind, Situation, Stage
from atelier.support.profile import Profile
from atelier.support.rules.registry import RULES
from atelier.support.services.catalogue import (
    CatalogueReport,
    catalogue_load,
    schemes_delete_by_prefix,
)
from atelier.territories.selectors import commune_codes, commune_levels

from .records import GenerationError

SLUG_PREFIX = "synthetique-"
FINANCING = {"microcredit", "honour_loan", "guarantee", "equity_club", "grant", "call_for_projects"}
SITUATIONS = [s for s in Situation.values if s != Situation.NONE]
FORMS = [f for f in LegalForm.values if f != LegalForm.UNDECIDED]
SECTORS = list("ACFGIJMNPQRS")
BANDS = ["", "", "00", "01", "02", "03", "11", "12", "21"]
START = datetime.date(2024, 1, 1)
PLM = ("75056", "69123", "13055")


def _territories() -> dict[str, list[str]]:
    rows = commune_levels()
    if not rows:
        raise GenerationError(
            "Les données de référence ne sont pas chargées : lancez d'abord « atelier "
            "load-reference »."
        )
    arrondissements = [a for p in PLM for a in commune_codes(p)[1:]]
    return {
        "commune": sorted(r[0] for r in rows if r[0] not in set(arrondissements)),
        "arrondissement": arrondissements,
        "departement": sorted({r[1] for r in rows}),
        "region": sorted({r[2] for r in rows}),
        "epci": sorted({r[3] for r in rows if r[3]}),
        "ept": sorted({r[4] for r in rows if r[4]}),
    }


def _perimeter(rng: random.Random, places: dict[str, list[str]]) -> list[str]:
    level = rng.choices(
        ["country", "region", "departement", "epci", "ept", "commune", "arrondissement"],
        weights=[15, 20, 30, 12, 3, 15, 5],
    )[0]
    if level == "country" or not places.get(level):
        return ["country:FR"]
    codes = rng.sample(places[level], min(len(places[level]), rng.randint(1, 3)))
    return [f"{level}:{code}" for code in codes]


def _subset(rng: random.Random, values: list[str], chance: float, most: int) -> list[str]:
    if rng.random() >= chance:
        return []
    return rng.sample(values, rng.randint(1, min(most, len(values))))


def _amounts(rng: random.Random, rule: str) -> list[dict[str, Any]]:
    maximum = rng.randrange(2_000, 100_000, 500)
    values = [
        {"name": "montant_maximum", "start": START, "value": maximum, "source": "synthétique"}
    ]
    if rng.random() < 0.5:
        minimum = rng.randrange(0, maximum // 2 + 1, 500)
        values.append({"name": "montant_minimum", "start": START, "value": minimum})
    if rule == "pie_honour_loan":
        values.append({"name": "montant_maximum_reprise", "start": START, "value": maximum * 2})
    if rng.random() < 0.3:  # a change on a date: a second value of the maximum
        later = START + datetime.timedelta(days=rng.randint(200, 900))
        values.append({"name": "montant_maximum", "start": later, "value": maximum + 5_000})
    for value in values:
        value.setdefault("source", "synthétique")
        value["is_example"] = True
    return values


def synthetic_schemes(count: int, *, seed: int) -> dict[str, Any]:
    """`count` schemes on the reference's territories, in the catalogue file's shape."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    places = _territories()
    rules = sorted(RULES)
    weights = [12 if key == "standard" else 1 for key in rules]
    schemes = []
    for i in range(count):
        kind = rng.choice(SchemeKind.values)
        rule = rng.choices(rules, weights=weights)[0]
        state = rng.choices(["open", "closed", "budget_exhausted"], weights=[85, 10, 5])[0]
        scheme: dict[str, Any] = {
            "slug": f"{SLUG_PREFIX}{seed}-{i:04d}",
            "name": f"Dispositif synthétique n° {i + 1}",
            "kind": kind,
            "rule": rule,
            "state": state,
            "operator_name": f"Opérateur synthétique {rng.randint(1, 60)}",
            "summary": "Dispositif synthétique du banc d'essai.",
            "perimeter": _perimeter(rng, places),
            "audiences": _subset(rng, SITUATIONS, 0.3, 2),
            "stages": _subset(rng, list(Stage.values), 0.6, 3),
            "projects": _subset(rng, list(Project.values), 0.5, 2),
            "legal_forms": _subset(rng, FORMS, 0.4, 4),
            "sectors": _subset(rng, SECTORS, 0.2, 2),
            "needs": _subset(rng, list(Need.values), 0.9, 2),
            "last_checked_on": START + datetime.timedelta(days=rng.randint(0, 700)),
            "parameters": _amounts(rng, rule) if kind in FINANCING else [],
        }
        if rng.random() < 0.15:
            opens = START + datetime.timedelta(days=rng.randint(0, 900))
            scheme["opens_on"] = opens
            scheme["closes_on"] = opens + datetime.timedelta(days=rng.randint(30, 400))
        schemes.append(scheme)
    return {"schemes": schemes}


@transaction.atomic
def synthetic_schemes_load(count: int, *, seed: int) -> CatalogueReport:
    """Replace the synthetic schemes of the database by `count` new ones (the real catalogue,
    if any, is left alone)."""
    schemes_delete_by_prefix(prefix=SLUG_PREFIX)
    return catalogue_load(data=synthetic_schemes(count, seed=seed), operators_source=None)


def synthetic_profiles(count: int, *, seed: int, on: datetime.date | None = None) -> list[Profile]:
    """`count` questionnaire answers on real communes (a third in Île-de-France)."""
    rng = random.Random(seed + 1)  # noqa: S311
    rows = commune_levels()
    idf = [r[0] for r in rows if r[2] == "11"]
    everywhere = [r[0] for r in rows]
    profiles = []
    for _ in range(count):
        situations = rng.sample(SITUATIONS, rng.choice([0, 1, 1, 2]))
        profiles.append(
            Profile(
                stage=Stage(rng.choice(Stage.values)),
                project=Project(rng.choice(Project.values)),
                commune=rng.choice(idf if idf and rng.random() < 0.35 else everywhere),
                legal_form=LegalForm(rng.choice(LegalForm.values)),
                amount=rng.choice([None, rng.randrange(500, 120_000, 500)]),
                situations=frozenset(Situation(s) for s in situations),
                sector=rng.choice(["", *SECTORS]),
                needs=frozenset(Need(n) for n in rng.sample(Need.values, rng.randint(0, 2))),
                headcount_band=rng.choice(BANDS),
                on=on,
            )
        )
    return profiles
