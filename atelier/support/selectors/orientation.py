"""Orientation: which schemes of the catalogue fit a project holder's answers, ranked, each
with its explanation. The public interface of the rules for the /orientation/ page, the API
and the other parts (cases):

    orient(profile: Profile) -> list[SchemeAnswer]
        every scheme of the catalogue for one profile, ranked (eligible first), each with
        `eligible`, `checks` (code, held, text) and the reasons of its rank;
    orient_batch(profiles: Sequence[Profile]) -> OrientationBatch
        the same for many profiles at once (bit masks, explanations written on demand):
        `eligible(i)` the slugs profile i is eligible to, `answers(i)` as `orient`,
        `counts()` how many profiles each scheme takes.

Both raise OrientationError (French messages, per field) for an answer the questionnaire does
not allow or a commune the reference does not know. The rules apply on `profile.on` (today
when None), with the parameters in force that day: an answer given on a day stays the same
after a parameter changes on a later day.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils.translation import gettext as _

from atelier.directory.enums import HeadcountBand

from ..enums import LegalForm, Need, Project, Situation, Stage
from ..profile import Profile
from ..rules.evaluate import BatchResult, Check, SchemeAnswer
from ..rules.nodes import Facts
from .catalogue import catalogue_on, today
from .places import NAF_SECTIONS, places_resolve

__all__ = [
    "Check",
    "OrientationBatch",
    "OrientationError",
    "SchemeAnswer",
    "orient",
    "orient_batch",
]

HEADCOUNT_BANDS = frozenset(HeadcountBand.values) | {""}


class OrientationError(ValueError):
    """Answers the rules cannot read: `messages` lists (field, French sentence)."""

    def __init__(self, messages: list[tuple[str, str]]):
        self.messages = messages
        super().__init__(" ".join(m for _f, m in messages))


def _choice(name: str, value: object, allowed: Sequence[str]) -> list[tuple[str, str]]:
    if str(value) in allowed:
        return []
    return [
        (
            name,
            _("« %(value)s » n'est pas une valeur possible (valeurs : %(values)s).")
            % {"value": value, "values": ", ".join(allowed)},
        )
    ]


def profile_errors(profile: Profile) -> list[tuple[str, str]]:
    """What the questionnaire does not allow in `profile`, (field, sentence) per mistake."""
    errors = _choice("stage", profile.stage, Stage.values)
    errors += _choice("project", profile.project, Project.values)
    errors += _choice("legal_form", profile.legal_form, LegalForm.values)
    for situation in profile.situations:
        errors += _choice("situations", situation, Situation.values)
    if Situation.NONE in profile.situations and len(profile.situations) > 1:
        errors.append(
            ("situations", _("« aucune de ces situations » ne se combine pas avec une autre."))
        )
    for value in profile.needs:
        errors += _choice("needs", value, Need.values)
    if profile.sector:
        errors += _choice("sector", profile.sector, NAF_SECTIONS)
    if profile.headcount_band not in HEADCOUNT_BANDS:
        errors += _choice("headcount_band", profile.headcount_band, sorted(HEADCOUNT_BANDS - {""}))
    if profile.amount is not None and (not isinstance(profile.amount, int) or profile.amount < 0):
        errors.append(("amount", _("Le montant est un nombre entier d'euros, positif ou nul.")))
    return errors


def profiles_facts(profiles: Sequence[Profile]) -> list[Facts]:
    """The profiles as the rules read them, communes resolved once for all of them."""
    errors = [e for p in profiles for e in profile_errors(p)]
    if errors:
        raise OrientationError(errors[:10])
    places = places_resolve({p.commune for p in profiles})
    unknown = sorted({p.commune for p in profiles} - places.keys())
    if unknown:
        raise OrientationError(
            [("commune", _("Commune inconnue : %(codes)s.") % {"codes": ", ".join(unknown[:5])})]
        )
    day = today()
    return [
        Facts(
            stage=str(p.stage),
            project=str(p.project),
            commune=p.commune,
            commune_name=places[p.commune].name,
            territory=places[p.commune].keys,
            on=p.on or day,
            legal_form=str(p.legal_form),
            amount=p.amount,
            situations=frozenset(str(s) for s in p.situations if s != Situation.NONE),
            sector=p.sector,
            needs=frozenset(str(n) for n in p.needs),
            headcount_band=p.headcount_band,
        )
        for p in profiles
    ]


def orient(profile: Profile) -> list[SchemeAnswer]:
    """Every scheme of the catalogue for `profile`, ranked, each with its explanation."""
    facts = profiles_facts([profile])[0]
    return catalogue_on(facts.on).evaluate(facts)


class OrientationBatch:
    """The answers of `orient_batch`, in the order of the profiles given."""

    def __init__(self, groups: list[tuple[BatchResult, list[int]]], size: int):
        self._where: list[tuple[BatchResult, int]] = [None] * size  # type: ignore[list-item]
        self._groups = groups
        for result, positions in groups:
            for j, i in enumerate(positions):
                self._where[i] = (result, j)

    def __len__(self) -> int:
        return len(self._where)

    def eligible(self, i: int) -> list[str]:
        """Slugs of the schemes profile `i` is eligible to (catalogue order, unranked)."""
        result, j = self._where[i]
        return result.eligible(j)

    def answers(self, i: int) -> list[SchemeAnswer]:
        """Every scheme for profile `i`, ranked, with its explanation (as `orient`)."""
        result, j = self._where[i]
        return result.answers(j)

    def counts(self) -> dict[str, int]:
        """Slug -> number of profiles of the batch eligible to the scheme."""
        total: dict[str, int] = {}
        for result, _positions in self._groups:
            for slug, count in result.counts().items():
                total[slug] = total.get(slug, 0) + count
        return total


def orient_batch(profiles: Sequence[Profile]) -> OrientationBatch:
    """`orient` for many profiles at once: each day's catalogue compiled once, each distinct
    condition evaluated once over all the profiles of that day."""
    facts = profiles_facts(profiles)
    by_day: dict[datetime.date, list[int]] = {}
    for i, f in enumerate(facts):
        by_day.setdefault(f.on, []).append(i)
    groups = [
        (catalogue_on(day).evaluate_batch([facts[i] for i in positions]), positions)
        for day, positions in sorted(by_day.items())
    ]
    return OrientationBatch(groups, len(facts))
