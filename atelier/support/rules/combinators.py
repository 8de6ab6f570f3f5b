"""Conditions made of conditions: all of them (`All`), one of them (`Either`), or one branch
chosen by another condition (`Switch`: a higher maximum for a takeover). Each is one check
with one sentence, which names the parts that decided it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from .nodes import Context, Facts, Node, ParamValue
from .speech import gettext as _

if TYPE_CHECKING:
    from .batch import BatchIndex


def _union(reads: Iterable[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """The fields a condition made of parts reads: those of its parts (None if one is not
    declared)."""
    found: set[str] = set()
    for fields in reads:
        if fields is None:
            return None
        found.update(fields)
    return tuple(sorted(found))


@dataclass(frozen=True, slots=True)
class All(Node):
    """Every part holds (one sentence for a condition made of several answers)."""

    code: str
    label: str
    parts: tuple[Node, ...]

    def params(self) -> tuple[str, ...]:
        return tuple(name for part in self.parts for name in part.params())

    def bind(self, values: Mapping[str, ParamValue], on: date) -> Node | None:
        parts = tuple(p.bind(values, on) for p in self.parts)
        kept = tuple(p for p in parts if p is not None)
        return replace(self, parts=kept) if kept else None

    @property
    def cacheable(self) -> bool:
        return False

    def prepare(self, context: Context) -> Node:
        return replace(self, parts=tuple(p.prepare(context) for p in self.parts))

    def reads(self) -> tuple[str, ...] | None:
        return _union(p.reads() for p in self.parts)

    def test(self, facts: Facts) -> bool:
        return all(p.test(facts) for p in self.parts)

    def mask(self, index: BatchIndex) -> int:
        found = index.all
        for part in self.parts:
            found &= index.memo(part)
        return found

    def text_key(self, facts: Facts) -> Hashable:
        return tuple(p.text_key(facts) for p in self.parts)

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        if held:
            return _("%(label)s : oui") % {"label": self.label}
        failed = [p.text(facts, False, context) for p in self.parts if not p.test(facts)]
        return _("%(label)s : non — %(why)s") % {"label": self.label, "why": " ; ".join(failed)}

    def describe(self, context: Context) -> str:
        return _("%(label)s (%(parts)s)") % {
            "label": self.label[:1].upper() + self.label[1:],
            "parts": " ; ".join(p.describe(context) for p in self.parts),
        }


@dataclass(frozen=True, slots=True)
class Either(All):
    """At least one part holds."""

    def test(self, facts: Facts) -> bool:
        return any(p.test(facts) for p in self.parts)

    def mask(self, index: BatchIndex) -> int:
        found = 0
        for part in self.parts:
            found |= index.memo(part)
        return found

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        if held:
            first = next(p for p in self.parts if p.test(facts))
            return _("%(label)s : oui — %(why)s") % {
                "label": self.label,
                "why": first.text(facts, True, context),
            }
        why = " ; ".join(p.text(facts, False, context) for p in self.parts)
        return _("%(label)s : non — %(why)s") % {"label": self.label, "why": why}

    def describe(self, context: Context) -> str:
        return _("%(label)s, au choix : %(parts)s") % {
            "label": self.label[:1].upper() + self.label[1:],
            "parts": _(" ou ").join(p.describe(context) for p in self.parts),
        }


@dataclass(frozen=True, slots=True)
class Switch(Node):
    """`then` when `guard` holds, `otherwise` when not (e.g. a higher maximum for a takeover).
    The sentence is the one of the branch that applies."""

    code: str
    guard: Node
    then: Node
    otherwise: Node
    when: str  # "pour une reprise"

    def params(self) -> tuple[str, ...]:
        return self.then.params() + self.otherwise.params()

    def bind(self, values: Mapping[str, ParamValue], on: date) -> Node | None:
        then, otherwise = self.then.bind(values, on), self.otherwise.bind(values, on)
        if then is None or otherwise is None:  # one branch missing: the other applies alone
            return then or otherwise
        return replace(self, then=then, otherwise=otherwise)

    @property
    def cacheable(self) -> bool:
        return False

    def prepare(self, context: Context) -> Node:
        return replace(
            self, then=self.then.prepare(context), otherwise=self.otherwise.prepare(context)
        )

    def reads(self) -> tuple[str, ...] | None:
        return _union(n.reads() for n in (self.guard, self.then, self.otherwise))

    def test(self, facts: Facts) -> bool:
        return (self.then if self.guard.test(facts) else self.otherwise).test(facts)

    def mask(self, index: BatchIndex) -> int:
        guard = index.memo(self.guard)
        return (guard & index.memo(self.then)) | ((index.all ^ guard) & index.memo(self.otherwise))

    def text_key(self, facts: Facts) -> Hashable:
        return self.guard.test(facts), facts.amount

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        branch = self.then if self.guard.test(facts) else self.otherwise
        return branch.text(facts, held, context)

    def describe(self, context: Context) -> str:
        return f"{self.otherwise.describe(context)} ; {self.when} : {self.then.describe(context)}"
