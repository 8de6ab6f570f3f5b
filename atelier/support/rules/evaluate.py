"""Evaluating a catalogue: every scheme for one profile (`Catalogue.evaluate`), or for a batch
of profiles at once (`Catalogue.evaluate_batch`), each answer with its explanation and ranked.

A `Catalogue` is compiled once for a day (`compile_catalogue`): each scheme's conditions with
their parameters resolved for that day, so that evaluating a profile reads no parameter and
no database. `interpret` is the reference semantics and the naive way, kept for the tests and
the benchmark: it rebuilds each scheme's rule and looks its parameters up by date for every
profile and every scheme; both must give the same answers (tests/test_engine.py).

Ranking (deterministic, each answer says why): eligible schemes first, then those with fewer
failed conditions; then how well the scheme fits: the needs it covers among those the holder
gave, whether it is reserved to the holder's situation (RSA, job seeker…), whether it
finances the amount asked, how local it is (the most specific territory of
its perimeter containing the holder's commune: arrondissement or commune before EPT/EPCI,
before département, région, France); then by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .batch import BatchIndex, positions_of
from .generic import AMOUNT_CODES
from .nodes import Context, Facts, Node, ParamValue
from .registry import scheme_tree
from .spec import SchemeSpec, key_depth
from .texts import euros, quoted, value_label

TEXT_CACHE_MAX = 200_000  # sentences kept per language and catalogue (then forgotten at once)


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


@dataclass(frozen=True, slots=True)
class CompiledScheme:
    spec: SchemeSpec
    nodes: tuple[Node, ...]  # bound for the catalogue's day
    depths: Mapping[str, int]  # perimeter key -> depth of its level
    finances: bool  # has a condition on the amount asked

    def describe(self, context: Context) -> list[tuple[str, str]]:
        """(code, the condition in plain French) of each condition in force that day."""
        return [(node.code, node.describe(context)) for node in self.nodes]


def values_on(history: Mapping[str, Sequence[ParamValue]], on: date) -> dict[str, ParamValue]:
    """The value of each parameter in force on `on`: the latest start on or before it
    (`history`: each parameter's values, by start ascending)."""
    found = {}
    for name, values in history.items():
        current = None
        for value in values:
            if value.start > on:
                break
            current = value
        if current is not None:
            found[name] = current
    return found


def bind_tree(tree: Iterable[Node], values: Mapping[str, ParamValue], on: date) -> tuple[Node, ...]:
    bound = (node.bind(values, on) for node in tree)
    return tuple(node for node in bound if node is not None)


def compile_scheme(
    spec: SchemeSpec, history: Mapping[str, Sequence[ParamValue]], on: date
) -> CompiledScheme:
    nodes = bind_tree(scheme_tree(spec), values_on(history, on), on)
    depths = {key: key_depth(key) for key in spec.perimeter}
    finances = any(node.code in AMOUNT_CODES for node in nodes)
    return CompiledScheme(spec, nodes, depths, finances)


@dataclass(frozen=True, slots=True)
class _Fit:
    needs: tuple[str, ...]  # the holder's needs the scheme covers
    audience: tuple[str, ...]  # the holder's situations the scheme is reserved to
    amount: int  # 2 finances the amount asked, 1 no amount condition, 0 outside its limits
    locality: int  # depth of the most specific perimeter key containing the commune; -1 none
    place: str  # that key

    def score(self) -> int:
        """Needs, then audience, then amount, then locality (each weighs more than all the
        next ones together: the score orders as the tuple would)."""
        targeted = 1 if self.audience else 0
        return 1000 * len(self.needs) + 100 * targeted + 10 * self.amount + self.locality + 1


def _fit(scheme: CompiledScheme, facts: Facts, amount_held: bool) -> _Fit:
    spec = scheme.spec
    needs = tuple(sorted(facts.needs & spec.needs))
    audience = tuple(sorted(facts.situations & spec.audiences))
    if facts.amount is None:
        amount = 1
    else:
        amount = (2 if amount_held else 0) if scheme.finances else 1
    locality, place = (-1, "") if spec.perimeter else (0, "country:FR")
    for key in facts.territory:
        depth = scheme.depths.get(key)
        if depth is not None and depth > locality:
            locality, place = depth, key
    return _Fit(needs, audience, amount, locality, place)


def _reasons(scheme: CompiledScheme, facts: Facts, fit: _Fit, failed: int, cx: Context):
    reasons = [
        _("toutes les conditions sont remplies")
        if not failed
        else ngettext("%(n)d condition non remplie", "%(n)d conditions non remplies", failed)
        % {"n": failed}
    ]
    if facts.needs:
        if fit.needs:
            labels = quoted([value_label("needs", n) for n in fit.needs])
            reasons.append(_("répond à vos besoins : %(needs)s") % {"needs": labels})
        else:
            reasons.append(_("ne répond à aucun des besoins indiqués"))
    if fit.audience:
        labels = quoted([value_label("situations", s) for s in fit.audience])
        reasons.append(_("s'adresse à votre situation : %(situations)s") % {"situations": labels})
    if facts.amount is not None and scheme.finances:
        if fit.amount == 2:
            reasons.append(_("finance le montant demandé (%(a)s)") % {"a": euros(facts.amount)})
        else:
            reasons.append(_("le montant demandé est hors de ses limites"))
    place = cx.territory(fit.place)
    if fit.locality >= 5:
        reasons.append(_("dispositif de proximité : %(place)s") % {"place": place})
    elif fit.locality >= 3:
        reasons.append(_("dispositif intercommunal : %(place)s") % {"place": place})
    elif fit.locality == 2:
        reasons.append(_("dispositif départemental : %(place)s") % {"place": place})
    elif fit.locality == 1:
        reasons.append(_("dispositif régional : %(place)s") % {"place": place})
    elif fit.locality == 0:
        reasons.append(_("dispositif national"))
    else:
        reasons.append(_("hors de votre territoire"))
    if scheme.spec.variant_of:
        reasons.append(_("déclinaison locale d'un dispositif national"))
    return tuple(reasons)


class Catalogue:
    """Every scheme compiled for one day, ready to evaluate profiles of that day."""

    def __init__(self, on: date, schemes: Sequence[CompiledScheme], context: Context):
        self.on = on
        self.schemes = list(schemes)
        self.context = context
        self._texts: dict[str, dict] = {}
        self._reasons: dict[str, dict] = {}

    def _caches(self) -> tuple[dict, dict]:
        language = translation.get_language() or ""
        texts = self._texts.setdefault(language, {})
        reasons = self._reasons.setdefault(language, {})
        if len(texts) > TEXT_CACHE_MAX:
            texts.clear()
        if len(reasons) > TEXT_CACHE_MAX:
            reasons.clear()
        return texts, reasons

    def rank(
        self, facts: Facts, rows: Iterable[tuple[CompiledScheme, Sequence[bool]]]
    ) -> list[SchemeAnswer]:
        """The answers for `facts`, ranked, from each scheme's held/failed per condition."""
        texts, reasons_cache = self._caches()
        cx = self.context
        found = []
        for scheme, helds in rows:
            checks = []
            failed = 0
            amount_held = True
            for node, held in zip(scheme.nodes, helds, strict=True):
                key = (node, node.text_key(facts), held)
                text = texts.get(key)
                if text is None:
                    text = texts[key] = node.text(facts, held, cx)
                checks.append(Check(node.code, held, text))
                if not held:
                    failed += 1
                    if node.code in AMOUNT_CODES:
                        amount_held = False
            fit = _fit(scheme, facts, amount_held)
            rkey = (scheme.spec.slug, failed, fit, facts.needs, facts.amount)
            reasons = reasons_cache.get(rkey)
            if reasons is None:
                reasons = reasons_cache[rkey] = _reasons(scheme, facts, fit, failed, cx)
            order = (
                failed > 0,
                failed,
                -fit.score(),
                scheme.spec.name.casefold(),
                scheme.spec.slug,
            )
            found.append((order, scheme, fit, failed, reasons, tuple(checks)))
        found.sort(key=lambda row: row[0])
        return [
            SchemeAnswer(
                slug=scheme.spec.slug,
                name=scheme.spec.name,
                kind=scheme.spec.kind,
                operator=scheme.spec.operator_name,
                operator_id=scheme.spec.operator_id,
                variant_of=scheme.spec.variant_of,
                eligible=failed == 0,
                rank=rank,
                score=fit.score(),
                reasons=reasons,
                checks=checks,
            )
            for rank, (_order, scheme, fit, failed, reasons, checks) in enumerate(found, 1)
        ]

    def evaluate(self, facts: Facts) -> list[SchemeAnswer]:
        """Every scheme for one profile, ranked, with its explanation."""
        seen: dict[Node, bool] = {}
        rows = []
        for scheme in self.schemes:
            helds = []
            for node in scheme.nodes:
                held = seen.get(node)
                if held is None:
                    held = seen[node] = node.test(facts)
                helds.append(held)
            rows.append((scheme, helds))
        return self.rank(facts, rows)

    def evaluate_batch(self, facts: Sequence[Facts]) -> BatchResult:
        """Every scheme for every profile of `facts` (all of this catalogue's day): each
        distinct condition evaluated once over the whole batch (bit masks)."""
        index = BatchIndex(facts)
        rows = []
        for scheme in self.schemes:
            masks = tuple(index.memo(node) for node in scheme.nodes)
            eligible = index.all
            for mask in masks:
                eligible &= mask
            rows.append((eligible, masks))
        return BatchResult(self, facts, rows)


class BatchResult:
    """The answers of a batch, kept as bit masks: which profiles each scheme takes, and which
    profiles each of its conditions let through; explanations are written on demand."""

    def __init__(self, catalogue: Catalogue, facts: Sequence[Facts], rows: list):
        self.catalogue = catalogue
        self.facts = facts
        self._rows: list[tuple[int, tuple[int, ...]]] = rows
        self._eligible: list[list[int]] | None = None

    def __len__(self) -> int:
        return len(self.facts)

    def counts(self) -> dict[str, int]:
        """Slug -> how many profiles of the batch the scheme takes."""
        return {
            scheme.spec.slug: eligible.bit_count()
            for scheme, (eligible, _m) in zip(self.catalogue.schemes, self._rows, strict=True)
        }

    def eligible(self, i: int) -> list[str]:
        """Slugs of the schemes profile `i` is eligible to, in catalogue order (unranked)."""
        if self._eligible is None:
            per_profile: list[list[int]] = [[] for _ in self.facts]
            for j, (eligible, _masks) in enumerate(self._rows):
                for p in positions_of(eligible):
                    per_profile[p].append(j)
            self._eligible = per_profile
        schemes = self.catalogue.schemes
        return [schemes[j].spec.slug for j in self._eligible[i]]

    def answers(self, i: int) -> list[SchemeAnswer]:
        """Every scheme for profile `i`, ranked, with its explanation (as `evaluate`)."""
        bit = 1 << i
        rows = [
            (scheme, [bool(mask & bit) for mask in masks])
            for scheme, (_eligible, masks) in zip(self.catalogue.schemes, self._rows, strict=True)
        ]
        return self.catalogue.rank(self.facts[i], rows)


def compile_catalogue(
    specs: Iterable[SchemeSpec],
    histories: Mapping[int, Mapping[str, Sequence[ParamValue]]],
    on: date,
    context: Context,
) -> Catalogue:
    """Every scheme of `specs` compiled for `on` (`histories`: scheme id -> each parameter's
    dated values, by start ascending)."""
    return Catalogue(on, [compile_scheme(s, histories.get(s.id, {}), on) for s in specs], context)


def interpret(
    specs: Iterable[SchemeSpec],
    histories: Mapping[int, Mapping[str, Sequence[ParamValue]]],
    facts: Facts,
    context: Context,
) -> list[SchemeAnswer]:
    """The reference semantics, the naive way: for this one profile, each scheme's rule built
    again from its fields, each condition's parameters looked up by date in the history, then
    tested and explained; the same answers as `compile_catalogue(…).evaluate(facts)`."""
    on = facts.on
    rows = []
    compiled = []
    for spec in specs:
        history = histories.get(spec.id, {})
        nodes, helds = [], []
        for node in scheme_tree(spec):
            values = values_on({n: history[n] for n in node.params() if n in history}, on)
            bound = node.bind(values, on)
            if bound is None:
                continue
            nodes.append(bound)
            helds.append(bound.test(facts))
        depths = {key: key_depth(key) for key in spec.perimeter}
        scheme = CompiledScheme(
            spec, tuple(nodes), depths, any(n.code in AMOUNT_CODES for n in nodes)
        )
        compiled.append(scheme)
        rows.append((scheme, helds))
    # A throw-away catalogue: no sentence reused from another profile.
    return Catalogue(on, compiled, context).rank(facts, rows)
