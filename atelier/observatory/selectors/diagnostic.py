"""A short written diagnostic in plain French, generated from the indicators: each sentence
states one figure of the page and names it (`figure`: the id of the table or chart it comes
from), so that a reader can trace it. Nothing is said of a secret figure but that it is
secret."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..enums import Dimension
from .indicators import Indicators, Jobs
from .secrecy import Secret

# Figure ids (anchors of the page).
KEY_FIGURES = "chiffres-cles"
COMPARISONS = "comparaisons"
SERIES = "evolution"
TREND_YEARS = 5


def breakdown_anchor(dimension: str) -> str:
    return f"repartition-{dimension}"


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    figure: str  # the anchor of the figure it states


def _n(value: float, decimals: int = 0) -> str:
    return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


def _position(index: float) -> str:
    if index >= 110:
        return _("au-dessus")
    if index <= 90:
        return _("en dessous")
    return _("proche")


def diagnostic(ind: Indicators) -> list[Sentence]:
    name = ind.territory.name
    if ind.empty:
        return [Sentence(_("%(name)s ne compte aucune organisation de l'ESS active recensée "
                           "dans l'Atlas.") % {"name": name}, KEY_FIGURES)]  # fmt: skip
    out = [
        Sentence(
            ngettext(
                "%(name)s compte %(orgs)s organisation de l'ESS active (siège dans le "
                "territoire) et %(ests)s établissements ouverts.",
                "%(name)s compte %(orgs)s organisations de l'ESS actives (siège dans le "
                "territoire) et %(ests)s établissements ouverts.",
                ind.organisations,
            )
            % {"name": name, "orgs": _n(ind.organisations), "ests": _n(ind.establishments)},
            KEY_FIGURES,
        )
    ]
    if isinstance(ind.employees, Jobs) and ind.employees.high == 0:
        out.append(
            Sentence(
                _(
                    "Aucun emploi salarié n'est estimé : les tranches d'effectifs de ces "
                    "établissements sont inconnues ou nulles (NN, 00)."
                ),
                KEY_FIGURES,
            )
        )
    elif isinstance(ind.employees, Jobs):
        out.append(
            Sentence(
                _(
                    "Ces établissements emploient entre %(low)s et %(high)s salariés "
                    "(estimation centrale : %(central)s), d'après les tranches d'effectifs "
                    "de l'INSEE."
                )  # fmt: skip
                % {
                    "low": _n(ind.employees.low),
                    "high": _n(ind.employees.high),
                    "central": _n(ind.employees.central),
                },
                KEY_FIGURES,
            )
        )
    else:
        out.append(Sentence(_("L'estimation des emplois du territoire est couverte par le "
                              "secret statistique."), KEY_FIGURES))  # fmt: skip
    out += _comparison_sentences(ind)
    out += _breakdown_sentences(ind)
    out += _trend_sentences(ind)
    return out


def _comparison_sentences(ind: Indicators) -> list[Sentence]:
    out: list[Sentence] = []
    own = ind.comparisons[0] if ind.comparisons else None
    if own is None or own.per_10k.get("establishments") is None:
        return out
    density = own.per_10k["establishments"] or 0.0
    for reference, index in (
        (_("de sa région"), (own.index_region or {}).get("establishments")),
        (_("nationale"), own.index_france.get("establishments")),
    ):
        if index is None:
            continue
        out.append(
            Sentence(
                _(
                    "Avec %(density)s établissements de l'ESS pour 10 000 habitants, le "
                    "territoire est %(position)s de la moyenne %(reference)s (indice "
                    "%(index)s, référence = 100)."
                )  # fmt: skip
                % {
                    "density": _n(density, 1),
                    "position": _position(index),
                    "reference": reference,
                    "index": _n(index),
                },
                COMPARISONS,
            )
        )
    return out


def _breakdown_sentences(ind: Indicators) -> list[Sentence]:
    out: list[Sentence] = []
    for dimension, template in (
        (
            Dimension.NAF,
            _("Le premier secteur d'activité est « %(label)s » : %(count)s établissements, "
              "%(share)s %% de ceux du territoire."),
        ),
        (
            Dimension.FAMILY,
            _("La famille la plus représentée est « %(label)s » : %(count)s établissements, "
              "%(share)s %% de ceux du territoire."),
        ),
    ):  # fmt: skip
        cells = [
            (c.establishments, c.label)
            for c in ind.breakdown(dimension).cells
            if isinstance(c.establishments, int) and c.value
        ]
        if not cells or not ind.establishments:
            continue
        count, label = max(cells)
        share = 100 * count / ind.establishments
        out.append(
            Sentence(
                template % {"label": label, "count": _n(count), "share": _n(share)},
                breakdown_anchor(dimension),
            )
        )
    return out


def _trend_sentences(ind: Indicators) -> list[Sentence]:
    window = ind.series[-TREND_YEARS:]
    if not window:
        return []
    first, last = window[0].year, window[-1].year
    values = [y.creations for y in window] + [y.closures for y in window]
    if any(isinstance(v, Secret) for v in values):
        return [Sentence(_("Certaines années de %(first)s à %(last)s sont couvertes par le "
                           "secret statistique : les créations et cessations ne sont pas "
                           "résumées ici.") % {"first": first, "last": last}, SERIES)]  # fmt: skip
    creations = sum(y.creations for y in window if isinstance(y.creations, int))
    closures = sum(y.closures for y in window if isinstance(y.closures, int))
    return [
        Sentence(
            _(
                "De %(first)s à %(last)s, %(creations)s organisations de l'ESS ont été créées "
                "et %(closures)s ont cessé leur activité."
            )  # fmt: skip
            % {"first": first, "last": last, "creations": _n(creations), "closures": _n(closures)},
            SERIES,
        )
    ]
