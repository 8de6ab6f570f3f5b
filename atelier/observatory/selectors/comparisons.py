"""A territory beside its parent territories and France: totals per 10,000 inhabitants and
indexes (région = 100, France = 100).

Index of a figure = 100 × (figure per inhabitant of the territory) / (the same for the
reference: the territory's région, or France). The population is the sum of the populations
the reference gives its communes (INSEE légale via the territories reference; communes without
one are left out, and counted in `communes_without_population`). Without a population, or
when a figure is secret, no index is given (None)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from ..enums import Dimension, Level
from ..models import Aggregate, TerritoryPopulation
from .secrecy import Secret, primary_secret
from .territory import Territory, france, reference_region

FIGURES = ("organisations", "establishments", "employees")
PER = 10_000


@dataclass(frozen=True, slots=True)
class Comparison:
    territory: Territory
    organisations: int
    establishments: int
    employees: float | Secret  # central estimate
    population: int | None
    communes_without_population: int
    per_10k: dict[str, float | None]
    index_region: dict[str, float | None] | None  # None: no région to compare with
    index_france: dict[str, float | None]


def _figures(keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int, float | Secret]]:
    condition = Q(pk__in=[])
    for level, code in keys:
        condition |= Q(level=level, code=code)
    found: dict[tuple[str, str], tuple[int, int, float | Secret]] = {}
    rows = Aggregate.objects.filter(condition, dimension=Dimension.TOTAL).values_list(
        "level",
        "code",
        "organisations",
        "establishments",
        "contributors",
        "jobs_central",
        "max_org_jobs",
    )
    for level, code, orgs, ests, contributors, jobs, max_jobs in rows:
        found[(level, code)] = (orgs, ests, primary_secret(contributors, jobs, max_jobs) or jobs)
    return found


def _populations(keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int | None, int]]:
    condition = Q(pk__in=[])
    for level, code in keys:
        condition |= Q(level=level, code=code)
    return {
        (level, code): (population or None, missing)
        for level, code, population, missing in TerritoryPopulation.objects.filter(
            condition
        ).values_list("level", "code", "population", "communes_without_population")
    }


def _per(value: float | Secret, population: int | None) -> float | None:
    if isinstance(value, Secret) or not population:
        return None
    return value * PER / population


def _index(mine: dict[str, float | None], ref: dict[str, float | None]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name in FIGURES:
        a, b = mine.get(name), ref.get(name)
        out[name] = None if a is None or not b else 100 * a / b
    return out


def comparisons_for(territory: Territory) -> tuple[Comparison, ...]:
    """The territory, its parents (narrowest first) and France."""
    chain = [territory, *territory.parents]
    if territory.level != Level.FRANCE:
        chain.append(france())
    region = reference_region(territory)
    keys = [(t.level, t.code) for t in chain]
    figures = _figures(keys)
    populations = _populations(keys)
    per: dict[tuple[str, str], dict[str, float | None]] = {}
    for key in keys:
        orgs, ests, jobs = figures.get(key, (0, 0, 0.0))
        population = populations.get(key, (None, 0))[0]
        per[key] = {
            "organisations": _per(orgs, population),
            "establishments": _per(ests, population),
            "employees": _per(jobs, population),
        }
    france_key = (Level.FRANCE.value, france().code)
    region_key = (region.level, region.code) if region else None
    out = []
    for t, key in zip(chain, keys, strict=True):
        orgs, ests, jobs = figures.get(key, (0, 0, 0.0))
        population, missing = populations.get(key, (None, 0))
        out.append(
            Comparison(
                territory=t,
                organisations=orgs,
                establishments=ests,
                employees=jobs,
                population=population,
                communes_without_population=missing,
                per_10k=per[key],
                index_region=(
                    _index(per[key], per[region_key])
                    if region_key and t.level not in (Level.REGION, Level.FRANCE)
                    else None
                ),
                index_france=_index(per[key], per[france_key]),
            )
        )
    return tuple(out)
