"""GET /api/v1/indicators/{level}/{code}: the observatory's indicators of a territory (open
data). Figures covered by statistical confidentiality are the string "secret"."""

import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from atelier.api.access import PUBLIC, access
from atelier.api.errors import ApiError
from atelier.observatory.enums import BAND_BOUNDS, PAGE_LEVELS
from atelier.observatory.selectors.comparisons import Comparison
from atelier.observatory.selectors.economy import NO_COUNT, economy_share
from atelier.observatory.selectors.indicators import Indicators, Jobs, indicators
from atelier.observatory.selectors.secrecy import RULE_EXPLANATION, Secret
from atelier.observatory.selectors.territory import Territory, territory_resolve
from atelier.observatory.tasks import observatory_refresh_if_stale

router = Router(tags=["observatoire"])

LevelName = Literal["commune", "arrondissement", "epci", "ept", "departement", "region", "custom"]
assert set(LevelName.__args__) == {str(level) for level in PAGE_LEVELS}  # noqa: S101
SecretMark = Literal["secret"]
BANDS_DOC = ", ".join(f"{band} = {low}–{high}" for band, (low, high) in BAND_BOUNDS.items())


class JobsOut(Schema):
    low: float = Field(description="Borne basse : somme des bornes basses des tranches.")
    central: float = Field(description="Valeur centrale : milieu de chaque tranche.")
    high: float = Field(description="Borne haute (tranche 53 plafonnée à 20 000).")


class CellOut(Schema):
    value: str = Field(description="Code de la modalité (famille, catégorie juridique, "
                       "section NAF, tranche, numéro de thème ; -1 : sans thème).")  # fmt: skip
    label: str
    organisations: int | SecretMark
    establishments: int | SecretMark
    employees_estimate: JobsOut | SecretMark
    secret_rule: str | None = Field(None, description="Pourquoi la case est secrète.")


class BreakdownOut(Schema):
    dimension: str = Field(description="family, legal, naf, band ou theme.")
    label: str
    additive: bool = Field(description="Vrai quand les cases forment une partition du total "
                           "(faux pour les thèmes : plusieurs thèmes possibles).")  # fmt: skip
    cells: list[CellOut]


class YearOut(Schema):
    year: int
    creations: int | SecretMark
    closures: int | SecretMark


class PerTenThousandOut(Schema):
    organisations: float | None
    establishments: float | None
    employees: float | None = Field(description="Emplois estimés (central).")


class TerritoryOut(Schema):
    level: str
    code: str
    name: str
    label: str


class ComparisonOut(Schema):
    territory: TerritoryOut
    organisations: int
    establishments: int
    employees_central: float | SecretMark
    population: int | None
    per_10000_inhabitants: PerTenThousandOut
    index_region: PerTenThousandOut | None = Field(
        description="Indice par habitant, région du territoire = 100 (absent pour une région "
        "et pour la France)."
    )
    index_france: PerTenThousandOut = Field(description="Indice par habitant, France = 100.")


class EconomyShareOut(Schema):
    all_establishments: int = Field(description="Établissements actifs du territoire, ESS ou "
                                    "non (import-sirene --count-all).")  # fmt: skip
    all_employees_estimate: JobsOut = Field(description="Leurs emplois estimés (mêmes bornes).")
    establishments_percent: float | None = Field(description="Part de l'ESS, en %.")
    employees_percent_low: float | None = Field(description="Part des emplois, borne basse.")
    employees_percent_high: float | None = Field(description="Part des emplois, borne haute.")


class IndicatorsOut(Schema):
    territory: TerritoryOut
    parents: list[TerritoryOut]
    organisations: int = Field(
        description="Organisations de l'ESS actives dont le siège est dans le territoire."
    )
    establishments: int = Field(description="Établissements ouverts dans le territoire.")
    employees_estimate: JobsOut | SecretMark = Field(
        description=f"Emplois salariés estimés à partir des tranches INSEE : {BANDS_DOC}."
    )
    breakdowns: list[BreakdownOut]
    series: list[YearOut] = Field(description="Créations (date de création SIRENE) et "
                                  "cessations (année d'enregistrement) par année.")  # fmt: skip
    comparisons: list[ComparisonOut] = Field(
        description="Le territoire, ses territoires englobants, puis la France."
    )
    built_at: datetime.datetime | None = Field(description="Date du calcul des agrégats.")
    explanation: str = Field(description="Pourquoi les chiffres sont nuls, le cas échéant.")
    confidentiality: str = Field(description="La règle du secret statistique appliquée.")
    economy_share: EconomyShareOut | None = Field(
        description="Poids de l'ESS dans toute l'économie locale ; absent (null) quand les "
        "établissements de toute l'économie n'ont pas été comptés pour tout le territoire."
    )
    economy_share_text: str = Field(description="La part en une phrase, ou pourquoi elle manque.")


def _secret(value):
    return "secret" if isinstance(value, Secret) else value


def _jobs(jobs: Jobs | Secret):
    if isinstance(jobs, Secret):
        return "secret"
    return {"low": jobs.low, "central": jobs.central, "high": jobs.high}


def _territory(t: Territory) -> dict:
    return {"level": t.level, "code": t.code, "name": t.name, "label": t.label}


def _comparison(c: Comparison) -> dict:
    return {
        "territory": _territory(c.territory),
        "organisations": c.organisations,
        "establishments": c.establishments,
        "employees_central": _secret(c.employees),
        "population": c.population,
        "per_10000_inhabitants": c.per_10k,
        "index_region": c.index_region,
        "index_france": c.index_france,
    }


def indicators_body(ind: Indicators) -> dict:
    return {
        "territory": _territory(ind.territory),
        "parents": [_territory(p) for p in ind.territory.parents],
        "organisations": ind.organisations,
        "establishments": ind.establishments,
        "employees_estimate": _jobs(ind.employees),
        "breakdowns": [
            {
                "dimension": b.dimension,
                "label": b.label,
                "additive": b.additive,
                "cells": [
                    {
                        "value": c.value,
                        "label": c.label,
                        "organisations": _secret(c.organisations),
                        "establishments": _secret(c.establishments),
                        "employees_estimate": _jobs(c.employees),
                        "secret_rule": c.secret.reason if c.secret else None,
                    }
                    for c in b.cells
                ],
            }
            for b in ind.breakdowns
        ],
        "series": [
            {"year": y.year, "creations": _secret(y.creations), "closures": _secret(y.closures)}
            for y in ind.series
        ],
        "comparisons": [_comparison(c) for c in ind.comparisons],
        "built_at": ind.built_at,
        "explanation": ind.explanation,
        "confidentiality": str(RULE_EXPLANATION),
        **_economy(ind),
    }


def _economy(ind: Indicators) -> dict:
    share = economy_share(ind)
    if share is None or share.establishments_share is None:
        return {"economy_share": None, "economy_share_text": share.text if share else str(NO_COUNT)}
    body = {
        "all_establishments": share.establishments,
        "all_employees_estimate": _jobs(share.jobs),
        "establishments_percent": share.establishments_share,
        "employees_percent_low": share.jobs_share_low,
        "employees_percent_high": share.jobs_share_high,
    }
    return {"economy_share": body, "economy_share_text": share.text}


@router.get(
    "/{level}/{code}",
    openapi_extra=access(PUBLIC),
    response={200: IndicatorsOut, 404: ApiError, 422: ApiError},
    summary="Indicateurs de l'ESS d'un territoire",
    description="Organisations et établissements de l'ESS actifs, emplois estimés (fourchette "
    "basse, centrale, haute), répartitions par famille, forme juridique, section NAF, tranche "
    "d'effectifs et thème, créations et cessations par année, et comparaisons avec les "
    "territoires englobants (indices région = 100 et France = 100). Niveaux : commune, "
    "arrondissement (municipal), epci, ept, departement, region, et custom : un territoire "
    "personnalisé (liste de communes enregistrée par l'équipe d'un réseau, code choisi à sa "
    "création, page /observatoire/custom/{code}/ ; chaque organisation comptée une fois, à son "
    "siège). Les cases couvertes par le "
    'secret statistique valent "secret". Un territoire sans organisation répond par des '
    "zéros et une explication.",
)
def territory_indicators(request: HttpRequest, level: LevelName, code: str):
    territory = territory_resolve(level, code)
    if territory is None:
        raise HttpError(404, _("Territoire inconnu : %(key)s.") % {"key": f"{level}:{code}"[:60]})
    observatory_refresh_if_stale()
    return indicators_body(indicators(territory))
