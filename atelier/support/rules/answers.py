"""What an answer is made of — `Check` (one condition for one profile) and `SchemeAnswer` (a
scheme for one profile, ranked) — and how the ranking's fit, score and reasons are computed
(see evaluate.py's docstring for the ranking). Shared by the compiled and naive evaluations
(evaluate.py) and the single-profile path (single.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .nodes import Context, Facts
from .speech import gettext as _
from .speech import ngettext
from .texts import euros, quoted, value_label

if TYPE_CHECKING:
    from .evaluate import CompiledScheme


@dataclass(frozen=True, slots=True)
class Check:
    """One condition of a scheme for one profile: its code, whether it held, and the sentence
    that says so with the values compared."""

    code: str
    held: bool
    text: str


@dataclass(frozen=True, slots=True)
class SchemeAnswer:
    """A scheme for one profile: eligible or not, why (checks), and its place in the ranking
    (rank from 1, score and reasons)."""

    slug: str
    name: str
    kind: str
    operator: str
    operator_id: int | None
    variant_of: str
    eligible: bool
    rank: int
    score: int
    reasons: tuple[str, ...]
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.held)


# How well a scheme fits a profile: (needs covered, situations it is reserved to and the
# holder has, amount: 2 finances the amount asked / 1 no amount condition / 0 outside its
# limits, locality: depth of the most specific perimeter key containing the commune or -1,
# that key). A plain tuple: hashed for the sentences' cache.
Fit = tuple[tuple[str, ...], tuple[str, ...], int, int, str]


def _score(fit: Fit) -> int:
    """Needs, then audience, then amount, then locality (each weighs more than all the next
    ones together: the score orders as the tuple would)."""
    needs, audience, amount, locality, _place = fit
    return 1000 * len(needs) + (100 if audience else 0) + 10 * amount + locality + 1


def _fit(scheme: CompiledScheme, facts: Facts, amount_held: bool) -> Fit:
    spec = scheme.spec
    needs = tuple(sorted(facts.needs & spec.needs)) if facts.needs and spec.needs else ()
    audience = (
        tuple(sorted(facts.situations & spec.audiences))
        if facts.situations and spec.audiences
        else ()
    )
    if facts.amount is None:
        amount = 1
    else:
        amount = (2 if amount_held else 0) if scheme.finances else 1
    locality, place = (-1, "") if spec.perimeter else (0, "country:FR")
    territory = facts.territory
    for key, depth in scheme.depths.items():
        if depth > locality and key in territory:
            locality, place = depth, key
    return needs, audience, amount, locality, place


def _reasons(scheme: CompiledScheme, facts: Facts, fit: Fit, failed: int, cx: Context, pieces):
    """Why the scheme stands where it is, in sentences (each sentence built once per language
    and kept in `pieces`)."""
    needs, audience, amount, locality, place = fit
    key: tuple = ("failed", failed)
    reasons = [pieces.get(key) or pieces.setdefault(key, _failed(failed))]
    if facts.needs:
        key = ("needs", needs)
        reasons.append(pieces.get(key) or pieces.setdefault(key, _needs(needs)))
    if audience:
        key = ("audience", audience)
        reasons.append(pieces.get(key) or pieces.setdefault(key, _audience(audience)))
    if facts.amount is not None and scheme.finances:
        key = ("amount", amount, facts.amount)
        reasons.append(pieces.get(key) or pieces.setdefault(key, _amount(amount, facts.amount)))
    key = ("place", locality, place)
    reasons.append(pieces.get(key) or pieces.setdefault(key, _locality(locality, place, cx)))
    if scheme.spec.variant_of:
        reasons.append(_("déclinaison locale d'un dispositif national"))
    return tuple(reasons)


def _failed(failed: int) -> str:
    if not failed:
        return _("toutes les conditions sont remplies")
    return ngettext("%(n)d condition non remplie", "%(n)d conditions non remplies", failed) % {
        "n": failed
    }


def _needs(needs: tuple[str, ...]) -> str:
    if not needs:
        return _("ne répond à aucun des besoins indiqués")
    return _("répond à vos besoins : %(needs)s") % {
        "needs": quoted([value_label("needs", n) for n in needs])
    }


def _audience(audience: tuple[str, ...]) -> str:
    return _("s'adresse à votre situation : %(situations)s") % {
        "situations": quoted([value_label("situations", s) for s in audience])
    }


def _amount(fit: int, amount: int) -> str:
    if fit == 2:
        return _("finance le montant demandé (%(a)s)") % {"a": euros(amount)}
    return _("le montant demandé est hors de ses limites")


def _locality(locality: int, key: str, cx: Context) -> str:
    place = cx.territory(key)
    if locality >= 5:
        return _("dispositif de proximité : %(place)s") % {"place": place}
    if locality >= 3:
        return _("dispositif intercommunal : %(place)s") % {"place": place}
    if locality == 2:
        return _("dispositif départemental : %(place)s") % {"place": place}
    if locality == 1:
        return _("dispositif régional : %(place)s") % {"place": place}
    if locality == 0:
        return _("dispositif national")
    return _("hors de votre territoire")
