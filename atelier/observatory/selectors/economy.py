"""The ESS's share in the whole local economy: its establishments and estimated jobs over
every active establishment of the territory (counted by `import-sirene --count-all`, stored in
the directory and summed per territory by the rebuild: models.EconomyAggregate).

Shares: establishments = ESS open establishments / all active establishments; jobs = the ESS's
estimate over the economy's with the same band bounds (low / low and high / high, the smaller
first). No ratio when a place of the territory was never counted; no jobs share when the ESS's
jobs are secret."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import EconomyAggregate
from .indicators import Indicators, Jobs


@dataclass(frozen=True, slots=True)
class Share:
    establishments: int  # every active establishment of the territory, ESS or not
    jobs: Jobs  # their estimated jobs (same band bounds)
    establishments_share: float | None  # percent
    jobs_share_low: float | None
    jobs_share_high: float | None
    text: str  # "ESS = x % des établissements, y–z % des emplois estimés", or why not


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _fmt(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def economy_share(ind: Indicators) -> Share | None:
    """The share of the ESS in the territory's economy, or None when no count was imported
    anywhere in it (Share.text says when the counts cover only part of the territory)."""
    t = ind.territory
    row = EconomyAggregate.objects.filter(level=t.level, code=t.code).first()
    if row is None:
        return None
    jobs = Jobs(row.jobs_low, row.jobs_central, row.jobs_high)
    if row.communes_missing and row.establishments == 0:
        return None
    if row.communes_missing:
        text = _(
            "Les établissements de toute l'économie n'ont été comptés que pour une partie des "
            "communes du territoire (%(missing)d sans comptage) : pas de part de l'ESS."
        ) % {"missing": row.communes_missing}
        return Share(row.establishments, jobs, None, None, None, text)
    est_share = _percent(ind.establishments, row.establishments)
    low = high = None
    if isinstance(ind.employees, Jobs):
        shares = [
            s
            for s in (
                _percent(ind.employees.low, row.jobs_low),
                _percent(ind.employees.high, row.jobs_high),
            )
            if s is not None
        ]
        if shares:
            low, high = min(shares), max(shares)
    if est_share is None:
        text = _("Aucun établissement actif n'est recensé dans le territoire.")
    elif low is None or high is None:
        text = _("ESS = %(est)s %% des établissements (emplois : secret statistique).") % {
            "est": _fmt(est_share)
        }
    else:
        text = _(
            "ESS = %(est)s %% des établissements, %(low)s–%(high)s %% des emplois estimés."
        ) % {
            "est": _fmt(est_share),
            "low": _fmt(low),
            "high": _fmt(high),
        }
    return Share(row.establishments, jobs, est_share, low, high, text)


NO_COUNT = gettext_lazy(
    "Les établissements de toute l'économie (ESS ou non) n'ont pas été comptés pour ce "
    "territoire : lancez « atelier import-sirene --count-all » pour connaître la part de l'ESS."
)
