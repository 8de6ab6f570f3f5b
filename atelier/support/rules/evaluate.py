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
from dataclasses import dataclass, replace
from datetime import date

from .answers import Check, SchemeAnswer, _fit, _reasons, _score
from .batch import BatchIndex, positions_of
from .generic import AMOUNT_CODES
from .nodes import Context, Facts, Node, ParamValue
from .registry import scheme_tree
from .single import SingleProfile
from .spec import SchemeSpec, key_depth
from .speech import speaking

__all__ = ["BatchResult", "Catalogue", "Check", "SchemeAnswer", "compile_catalogue", "interpret"]

TEXT_CACHE_MAX = 200_000  # sentences kept per language and catalogue (then forgotten at once)


@dataclass(frozen=True, slots=True)
class CompiledScheme:
    spec: SchemeSpec
    nodes: tuple[Node, ...]  # bound for the catalogue's day
    depths: Mapping[str, int]  # perimeter key -> depth of its level
    finances: bool  # has a condition on the amount asked
    ids: tuple[int, ...] = ()  # position of each node among the catalogue's distinct nodes

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
    spec: SchemeSpec,
    history: Mapping[str, Sequence[ParamValue]],
    on: date,
    context: Context | None = None,
) -> CompiledScheme:
    nodes = bind_tree(scheme_tree(spec), values_on(history, on), on)
    if context is not None:
        nodes = tuple(node.prepare(context) for node in nodes)
    depths = {key: key_depth(key) for key in spec.perimeter}
    finances = any(node.code in AMOUNT_CODES for node in nodes)
    return CompiledScheme(spec, nodes, depths, finances)


class Catalogue:
    """Every scheme compiled for one day, ready to evaluate profiles of that day. The distinct
    conditions of all schemes are numbered once (`nodes`): a profile tests each of them once,
    a batch computes each one's mask once."""

    def __init__(self, on: date, schemes: Sequence[CompiledScheme], context: Context):
        self.on = on
        self.context = context
        self.nodes: list[Node] = []
        numbers: dict[Node, int] = {}
        self.schemes: list[CompiledScheme] = []
        for scheme in schemes:
            ids = []
            for node in scheme.nodes:
                number = numbers.get(node)
                if number is None:
                    number = numbers[node] = len(self.nodes)
                    self.nodes.append(node)
                ids.append(number)
            self.schemes.append(replace(scheme, ids=tuple(ids)))
        self._cacheable = [node.cacheable for node in self.nodes]
        self._texts: dict[str, dict] = {}  # language -> (node, held, what it read) -> Check
        self._pieces: dict[str, dict] = {}  # language -> the reasons' sentences
        self._single: SingleProfile | None = None  # one profile's evaluation, built on use

    def _caches(self, language: str) -> tuple[dict, dict]:
        texts = self._texts.setdefault(language, {})
        pieces = self._pieces.setdefault(language, {})
        if len(texts) > TEXT_CACHE_MAX:
            texts.clear()
        if len(pieces) > TEXT_CACHE_MAX:
            pieces.clear()
        return texts, pieces

    def rank(self, facts: Facts, helds: Sequence[bool]) -> list[SchemeAnswer]:
        """The answers for `facts`, ranked, from whether each distinct condition held."""
        with speaking() as language:
            return self._rank(facts, helds, *self._caches(language))

    def _rank(self, facts: Facts, helds: Sequence[bool], texts: dict, pieces: dict):
        cx = self.context
        nodes = self.nodes
        cacheable = self._cacheable
        found = []
        for scheme in self.schemes:
            checks = []
            failed = 0
            amount_held = True
            for number in scheme.ids:
                held = helds[number]
                node = nodes[number]
                if cacheable[number]:
                    key = (number, held, node.text_key(facts))
                    check = texts.get(key)
                    if check is None:
                        check = texts[key] = Check(node.code, held, node.text(facts, held, cx))
                else:
                    check = Check(node.code, held, node.text(facts, held, cx))
                checks.append(check)
                if not held:
                    failed += 1
                    if node.code in AMOUNT_CODES:
                        amount_held = False
            fit = _fit(scheme, facts, amount_held)
            reasons = _reasons(scheme, facts, fit, failed, cx, pieces)
            spec = scheme.spec
            score = _score(fit)
            order = (failed > 0, failed, -score, spec.name.casefold(), spec.slug)
            found.append((order, scheme, score, failed, reasons, tuple(checks)))
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
                score=score,
                reasons=reasons,
                checks=checks,
            )
            for rank, (_order, scheme, score, failed, reasons, checks) in enumerate(found, 1)
        ]

    def evaluate(self, facts: Facts) -> list[SchemeAnswer]:
        """Every scheme for one profile, ranked, with its explanation: the same answers as
        `rank`, from checks and sentences kept between profiles (single.py)."""
        if self._single is None:
            self._single = SingleProfile(self)
        with speaking() as language:
            return self._single.answers(facts, language, self._caches(language)[1])

    def evaluate_batch(self, facts: Sequence[Facts]) -> BatchResult:
        """Every scheme for every profile of `facts` (all of this catalogue's day): each
        distinct condition evaluated once over the whole batch (bit masks)."""
        index = BatchIndex(facts)
        masks = [index.memo(node) for node in self.nodes]
        eligible = []
        for scheme in self.schemes:
            found = index.all
            for number in scheme.ids:
                found &= masks[number]
            eligible.append(found)
        return BatchResult(self, facts, masks, eligible)


class BatchResult:
    """The answers of a batch, kept as bit masks: which profiles each distinct condition lets
    through, and which profiles each scheme takes; explanations are written on demand."""

    def __init__(self, catalogue: Catalogue, facts: Sequence[Facts], masks: list, eligible: list):
        self.catalogue = catalogue
        self.facts = facts
        self._masks: list[int] = masks  # per distinct condition
        self._eligible_masks: list[int] = eligible  # per scheme
        self._eligible: list[list[int]] | None = None

    def __len__(self) -> int:
        return len(self.facts)

    def counts(self) -> dict[str, int]:
        """Slug -> how many profiles of the batch the scheme takes."""
        schemes = self.catalogue.schemes
        return {
            s.spec.slug: m.bit_count() for s, m in zip(schemes, self._eligible_masks, strict=True)
        }

    def eligible(self, i: int) -> list[str]:
        """Slugs of the schemes profile `i` is eligible to, in catalogue order (unranked)."""
        if self._eligible is None:
            per_profile: list[list[int]] = [[] for _ in self.facts]
            for j, mask in enumerate(self._eligible_masks):
                for p in positions_of(mask):
                    per_profile[p].append(j)
            self._eligible = per_profile
        schemes = self.catalogue.schemes
        return [schemes[j].spec.slug for j in self._eligible[i]]

    def failed(self, i: int, slug: str) -> list[str]:
        """Codes of the conditions of scheme `slug` that profile `i` does not meet."""
        scheme = next(s for s in self.catalogue.schemes if s.spec.slug == slug)
        nodes = self.catalogue.nodes
        return [nodes[n].code for n in scheme.ids if not (self._masks[n] >> i) & 1]

    def answers(self, i: int) -> list[SchemeAnswer]:
        """Every scheme for profile `i`, ranked, with its explanation (as `evaluate`)."""
        helds = [bool((mask >> i) & 1) for mask in self._masks]
        return self.catalogue.rank(self.facts[i], helds)


def compile_catalogue(
    specs: Iterable[SchemeSpec],
    histories: Mapping[int, Mapping[str, Sequence[ParamValue]]],
    on: date,
    context: Context,
) -> Catalogue:
    """Every scheme of `specs` compiled for `on` (`histories`: scheme id -> each parameter's
    dated values, by start ascending)."""
    schemes = [compile_scheme(s, histories.get(s.id, {}), on, context) for s in specs]
    return Catalogue(on, schemes, context)


def interpret(
    specs: Iterable[SchemeSpec],
    histories: Mapping[int, Mapping[str, Sequence[ParamValue]]],
    facts: Facts,
    context: Context,
) -> list[SchemeAnswer]:
    """The reference semantics, the naive way: for this one profile, each scheme's rule built
    again from its fields, each condition's parameters looked up by date in the history, then
    tested on its own; the same answers as `compile_catalogue(…).evaluate(facts)`."""
    on = facts.on
    compiled, tested = [], []
    for spec in specs:
        history = histories.get(spec.id, {})
        nodes = []
        for node in scheme_tree(spec):
            values = values_on({n: history[n] for n in node.params() if n in history}, on)
            bound = node.bind(values, on)
            if bound is not None:
                bound = bound.prepare(context)
                nodes.append(bound)
                tested.append((bound, bound.test(facts)))
        depths = {key: key_depth(key) for key in spec.perimeter}
        finances = any(n.code in AMOUNT_CODES for n in nodes)
        compiled.append(CompiledScheme(spec, tuple(nodes), depths, finances))
    # A throw-away catalogue to rank and explain: no sentence reused from another profile.
    catalogue = Catalogue(on, compiled, context)
    helds = [False] * len(catalogue.nodes)
    numbers = {node: i for i, node in enumerate(catalogue.nodes)}
    for node, held in tested:
        helds[numbers[node]] = held
    return catalogue.rank(facts, helds)
