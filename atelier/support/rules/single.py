"""One profile's answers (`Catalogue.evaluate`) from parts kept between profiles.

Most conditions read one or two closed answers of the profile (stage, project, legal form,
situations, sector, the amount asked…: `Node.reads`), so their checks — held or not, and the
sentence — are the same for every profile that gave the same values. The distinct conditions
of the catalogue are grouped by the fields they read; each group keeps, per language, the
checks of its conditions for each combination of those values (`Check` is frozen: the same
object serves every profile), in a bounded LRU. A profile then costs one lookup per group
(about fifteen), plus the conditions of the groups it is the first to meet (its commune's
perimeters, a new amount), whose sentences are templates written once per language with the
commune's name or the amount left out (`Node.fills` / `Node.template`). The ranking reads
per-scheme parts kept the same way (the needs and the situations a scheme answers, per
combination given; the reasons' sentences), the locality of each scheme through an index of
the perimeters' keys, and sorts plain integers (the schemes' order by name computed once).

The answers are exactly those of `Catalogue.rank` (the same sentences, written by the same
functions; tests/test_engine.py and test_single_profile.py compare them with the reference
interpretation). The caches belong to the catalogue (a new one starts empty) and tolerate
concurrent threads (a race at worst writes a check twice)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import fields
from functools import cache
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from .answers import Check, SchemeAnswer, _reasons
from .generic import AMOUNT_CODES
from .nodes import HOLE, Facts

if TYPE_CHECKING:
    from .evaluate import Catalogue

CHECKS_CACHE_MAX = 200_000  # checks kept per language and catalogue, over all the groups
PARTS_CACHE_MAX = 512  # combinations of needs / of situations kept per catalogue
REASONS_CACHE_MAX = 50_000  # reasons kept per language and catalogue


def _tuple_getter(positions: Sequence[int]) -> Callable[[Sequence[Any]], tuple]:
    """`seq -> tuple(seq[p] for p in positions)`, in C for two positions or more."""
    if len(positions) >= 2:
        return itemgetter(*positions)
    if len(positions) == 1:
        (p,) = positions
        return lambda seq: (seq[p],)
    return lambda seq: ()


def _lru_get(cache: OrderedDict, key: Hashable) -> Any:
    found = cache.get(key)
    if found is not None:
        try:
            cache.move_to_end(key)  # the most recently used last
        except KeyError:  # forgotten meanwhile by another thread: found is still right
            pass
    return found


def _lru_put(cache: OrderedDict, key: Hashable, value: Any, limit: int) -> None:
    while len(cache) >= limit:
        try:
            cache.popitem(last=False)  # the least recently used
        except KeyError:  # emptied meanwhile by another thread
            break
    cache[key] = value


class _Group:
    """Distinct conditions that read the same fields, with their checks per value."""

    __slots__ = ("key", "nodes", "numbers", "by_language", "entries", "limit", "check", "context")

    def __init__(self, fields: tuple[str, ...] | None, numbers: list[int], catalogue: Catalogue):
        self.numbers = numbers
        self.nodes = [catalogue.nodes[n] for n in numbers]
        self.key: Callable[[Facts], Hashable] | None = (
            attrgetter(*fields) if fields else (lambda facts: ()) if fields == () else None
        )
        self.by_language: dict[str, OrderedDict] = {}
        self.entries: dict[str, tuple[tuple | None, list[tuple]]] = {}
        self.limit = 1
        self.check = _check_maker()
        self.context = catalogue.context

    def checks(self, facts: Facts, language: str) -> tuple[tuple, tuple]:
        """(checks, helds) of the group's conditions for `facts`."""
        if self.key is None:  # fields not declared: tested and written every time
            return self._write(facts, language)
        cache = self.by_language.get(language)
        if cache is None:
            cache = self.by_language[language] = OrderedDict()
        key = self.key(facts)
        found = _lru_get(cache, key)
        if found is None:
            found = self._write(facts, language)
            _lru_put(cache, key, found, self.limit)
        return found

    def _entries(self, language: str) -> tuple[tuple | None, list[tuple]]:
        """(the group's templates when all its conditions fill the same field the same way,
        else None; per condition: its test, its code, the node, then for a condition that
        fills a field (Node.fills) the field, how its value is written, and the sentences
        when not held and when held with HOLE where the value goes, else None, None, "", "").
        """
        found = self.entries.get(language)
        if found is None:
            entries: list[tuple] = []
            for node in self.nodes:
                field = node.fills()
                if field is None:
                    entries.append((node.test, node.code, node, None, None, "", ""))
                    continue
                no, yes = node.template(False, self.context), node.template(True, self.context)
                entries.append((node.test, node.code, node, field, type(node).fill, no, yes))
            uniform = None
            if entries and len({(e[3], e[4]) for e in entries}) == 1 and entries[0][3]:
                tests, codes, nodes, _fields, _fills, nos, yeses = zip(*entries, strict=True)
                uniform = (entries[0][3], entries[0][4], tests, codes, nos, yeses)
            found = self.entries[language] = (uniform, entries)
        return found

    def _write(self, facts: Facts, language: str) -> tuple[tuple, tuple]:
        check, cx = self.check, self.context
        uniform, entries = self._entries(language)
        if uniform is not None:
            field, fill, tests, codes, nos, yeses = uniform
            value = getattr(facts, field)
            if value is not None:  # the group's sentences are its templates, filled
                shown = fill(self.nodes[0], value)
                helds = tuple([test(facts) for test in tests])
                return tuple(
                    [
                        check(code, held, (yes if held else no).replace(HOLE, shown))
                        for code, held, no, yes in zip(codes, helds, nos, yeses, strict=True)
                    ]
                ), helds
        checks, held_list = [], []
        filled: dict[tuple, str] = {}  # (field, writer) -> the value as written, once
        for test, code, node, field, fill, no, yes in entries:
            held = test(facts)
            value = None if field is None else getattr(facts, field)
            if value is None:
                text = node.text(facts, held, cx)
            else:
                shown = filled.get((field, fill))
                if shown is None:
                    shown = filled[field, fill] = fill(node, value)
                text = (yes if held else no).replace(HOLE, shown)
            checks.append(check(code, held, text))
            held_list.append(held)
        return tuple(checks), tuple(held_list)


class SingleProfile:
    """A catalogue's single-profile evaluation (built once per catalogue, on first use)."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        grouped: dict[tuple[str, ...] | None, list[int]] = {}
        for number, node in enumerate(catalogue.nodes):
            fields = node.reads()
            grouped.setdefault(None if fields is None else tuple(sorted(set(fields))), []).append(
                number
            )
        self.groups = [_Group(fields, numbers, catalogue) for fields, numbers in grouped.items()]
        for group in self.groups:
            share = CHECKS_CACHE_MAX // (len(self.groups) * max(len(group.nodes), 1))
            group.limit = max(4, share)
        # Position of each distinct condition in the concatenation of the groups' checks.
        flat = [0] * len(catalogue.nodes)
        position = 0
        for group in self.groups:
            for number in group.numbers:
                flat[number] = position
                position += 1
        schemes = catalogue.schemes
        by_name = sorted(range(len(schemes)), key=lambda j: _name_key(schemes[j]))
        self.tie = [0] * len(schemes)  # rank of each scheme by name then slug
        for order, j in enumerate(by_name):
            self.tie[j] = order
        self.shown = [  # the fields of each scheme's answers that do not depend on the profile
            (s.spec.slug, s.spec.name, s.spec.kind, s.spec.operator_name, s.spec.operator_id)
            + (s.spec.variant_of,)
            for s in schemes
        ]
        self.rows: list[tuple] = []
        for scheme in schemes:
            positions = [flat[n] for n in scheme.ids]
            amounts = [flat[n] for n in scheme.ids if catalogue.nodes[n].code in AMOUNT_CODES]
            self.rows.append(
                (
                    scheme,
                    _tuple_getter(positions),
                    _tuple_getter(amounts),
                    scheme.finances,
                    bool(scheme.spec.variant_of),
                    self.tie[len(self.rows)],
                )
            )
        self.no_needs = [None] * len(schemes)
        # Locality: perimeter key -> (scheme, depth, place of the key in its perimeter).
        self.perimeter_keys: dict[str, list[tuple[int, int, int]]] = {}
        self.no_match: list[tuple[int, str]] = []
        for j, scheme in enumerate(schemes):
            self.no_match.append((-1, "") if scheme.spec.perimeter else (0, "country:FR"))
            for place, (key, depth) in enumerate(scheme.depths.items()):
                if depth > -1:
                    self.perimeter_keys.setdefault(key, []).append((j, depth, place))
        self._needs: OrderedDict[frozenset, list[tuple[str, ...]]] = OrderedDict()
        self._audiences: OrderedDict[frozenset, list[tuple[str, ...]]] = OrderedDict()
        self._reasons: dict[str, dict] = {}

    def _parts(self, cache: OrderedDict, values: frozenset, attr: str) -> list[tuple[str, ...]]:
        """Per scheme, the values of `values` among its `attr` (needs, audiences), sorted."""
        found = _lru_get(cache, values)
        if found is None:
            found = [
                tuple(sorted(values & getattr(s.spec, attr)))
                if values and getattr(s.spec, attr)
                else ()
                for s in self.catalogue.schemes
            ]
            _lru_put(cache, values, found, PARTS_CACHE_MAX)
        return found

    def _localities(self, territory: frozenset[str]) -> list[tuple[int, str]]:
        """Per scheme (depth, key) of the most specific key of its perimeter containing the
        commune (the first of the perimeter on a tie), as `evaluate._fit`."""
        found = self.no_match.copy()
        best: dict[int, tuple[int, int]] = {}
        keys = self.perimeter_keys
        for key in territory:
            for j, depth, place in keys.get(key, ()):
                current = best.get(j)
                if (
                    current is None
                    or depth > current[0]
                    or (depth == current[0] and place < current[1])
                ):
                    best[j] = (depth, place)
                    found[j] = (depth, key)
        return found

    def answers(self, facts: Facts, language: str, pieces: dict) -> list[SchemeAnswer]:
        checks: list[Check] = []
        helds: list[bool] = []
        for group in self.groups:
            group_checks, group_helds = group.checks(facts, language)
            checks.extend(group_checks)
            helds.extend(group_helds)
        needs_of = self._parts(self._needs, facts.needs, "needs")
        audience_of = self._parts(self._audiences, facts.situations, "audiences")
        localities = self._localities(facts.territory)
        reasons_cache = self._reasons.get(language)
        if reasons_cache is None:
            reasons_cache = self._reasons[language] = {}
        if len(reasons_cache) > REASONS_CACHE_MAX:
            reasons_cache.clear()
        amount = facts.amount
        needs_key = needs_of if facts.needs else self.no_needs  # the reasons say no needs
        cx = self.catalogue.context
        size = len(self.rows)
        span = 1000 * (len(facts.needs) + 2)  # above any score (see evaluate._score)
        keys = []
        found: list[SchemeAnswer] = [None] * size  # type: ignore[list-item]  # by name order
        make, set_rank, shown = _answer_maker(), _rank_setter(), self.shown
        for j, (scheme, of_scheme, of_amounts, finances, variant, tie) in enumerate(self.rows):
            failed = of_scheme(helds).count(False)
            if amount is not None and finances:
                fit_amount = 0 if False in of_amounts(helds) else 2
                amount_key: tuple | None = (fit_amount, amount)
            else:
                fit_amount, amount_key = 1, None
            needs, audience, locality = needs_of[j], audience_of[j], localities[j]
            score = 1000 * len(needs) + (100 if audience else 0) + 10 * fit_amount + locality[0] + 1
            key = (failed, needs_key[j], audience, amount_key, locality, variant)
            reasons = reasons_cache.get(key)
            if reasons is None:
                fit = (needs, audience, fit_amount, *locality)
                reasons = reasons_cache[key] = _reasons(scheme, facts, fit, failed, cx, pieces)
            found[tie] = make(shown[j], failed == 0, 0, score, reasons, of_scheme(checks))
            keys.append((failed * span + span - 1 - score) * size + tie)
        keys.sort()
        answers = [found[key % size] for key in keys]
        for rank, answer in enumerate(answers, 1):
            set_rank(answer, rank)  # still being built: no one else holds it
        return answers


def _setters(cls: type) -> list[Callable[[Any, Any], None]]:
    """The slots' setters of the frozen dataclass `cls`, in the order of its fields. Setting
    them is what its generated __init__ does (through object.__setattr__, at twice the cost):
    valid while it has no __post_init__ and every field is given."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__: build it with its __init__")
    return [cls.__dict__[f.name].__set__ for f in fields(cls)]


@cache
def _answer_maker() -> Callable[..., SchemeAnswer]:
    """`make(shown, eligible, rank, score, reasons, checks)`: a SchemeAnswer, equal to the one
    its __init__ builds (`shown`: slug, name, kind, operator, operator_id, variant_of)."""
    new = object.__new__
    slug, name, kind, operator, operator_id, variant_of, *rest = _setters(SchemeAnswer)
    eligible, rank, score, reasons, checks = rest

    def make(shown, is_eligible, its_rank, its_score, its_reasons, its_checks):
        answer = new(SchemeAnswer)
        slug(answer, shown[0])
        name(answer, shown[1])
        kind(answer, shown[2])
        operator(answer, shown[3])
        operator_id(answer, shown[4])
        variant_of(answer, shown[5])
        eligible(answer, is_eligible)
        rank(answer, its_rank)
        score(answer, its_score)
        reasons(answer, its_reasons)
        checks(answer, its_checks)
        return answer

    return make


@cache
def _rank_setter() -> Callable[[Any, int], None]:
    return SchemeAnswer.__dict__["rank"].__set__


@cache
def _check_maker() -> Callable[[str, bool, str], Check]:
    """`make(code, held, text)`: a Check, equal to the one its __init__ builds."""
    new = object.__new__
    code, held, text = _setters(Check)

    def make(its_code, is_held, its_text):
        check = new(Check)
        code(check, its_code)
        held(check, is_held)
        text(check, its_text)
        return check

    return make


def _name_key(scheme) -> tuple[str, str]:
    return scheme.spec.name.casefold(), scheme.spec.slug
