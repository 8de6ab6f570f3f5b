"""The conditions rules are written with: small, frozen, comparable values.

A rule is a list of nodes. A node reads the questionnaire's answers (`Facts`) and, for amounts,
dated parameters of its scheme (`Param`, a name, resolved by `bind` into a `ParamValue` for one
day). Once bound, a node answers three questions:

- `test(facts)`: does it hold for one profile;
- `mask(index)`: for which profiles of a batch does it hold (a Python int, one bit per
  profile, `batch.BatchIndex`); the same answer as `test`, for all profiles at once;
- `text(facts, held, context)`: the sentence that says so, with the values compared
  ("montant demandé 40 000 € > maximum 30 000 €"); `describe(context)` states the condition
  itself, in plain French, for the catalogue pages.

Nodes are frozen dataclasses: two schemes with the same condition and the same parameter
values hold equal nodes, so a catalogue numbers each distinct condition once and a profile, or
a batch, evaluates it once. Conditions made of conditions are in combinators.py.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .speech import gettext as _
from .texts import FIELDS, NBSP, Labels, day, euros, field_label, quoted, value_label

if TYPE_CHECKING:
    from .batch import BatchIndex


@dataclass(frozen=True, slots=True)
class Facts:
    """One profile's answers as the rules read them, with its territory resolved once: the
    "level:code" keys of every territory containing the commune (atelier.support.selectors)."""

    stage: str
    project: str
    commune: str
    commune_name: str
    territory: frozenset[str]
    on: date
    legal_form: str = "undecided"
    amount: int | None = None
    situations: frozenset[str] = frozenset()
    sector: str = ""
    needs: frozenset[str] = frozenset()
    headcount_band: str = ""


@dataclass(frozen=True, slots=True)
class Context:
    """Labels the sentences need: territories by key, NAF sections by letter."""

    territories: Mapping[str, str] = field(default_factory=dict)
    sectors: Mapping[str, str] = field(default_factory=dict)

    def territory(self, key: str) -> str:
        return self.territories.get(key, key)


@dataclass(frozen=True, slots=True)
class Param:
    """A reference to a dated parameter of the scheme, by name (unbound)."""

    name: str


@dataclass(frozen=True, slots=True)
class ParamValue:
    """The value of a parameter in force on a day."""

    name: str
    value: Decimal
    start: date
    is_example: bool = False
    source: str = ""


HOLE = "\x00"  # where the value of a `Node.fills` field goes in a template


def _named(place: str) -> Facts:
    """A profile that is nothing but the name of its commune (what a perimeter's sentence
    shows of it)."""
    return Facts("", "", "", place, frozenset(), date.min)


def _example(bound: ParamValue) -> str:
    return _(" (valeur d'exemple, à fixer par l'opérateur)") if bound.is_example else ""


def _agree(field_name: str, masculine: str, feminine: str) -> str:
    return feminine if FIELDS.get(field_name, ("", "m"))[1] == "f" else masculine


class Node:
    """Base of the conditions (see the module docstring)."""

    code: str

    def params(self) -> tuple[str, ...]:
        return ()

    def bind(self, values: Mapping[str, ParamValue], on: date) -> Node | None:
        """This node with its parameters resolved for the day `on`; None when a parameter it
        reads has no value that day (the condition does not apply yet)."""
        return self

    def prepare(self, context: Context) -> Node:
        """This node with the parts of its sentences that depend on nothing but the catalogue
        written once (labels of a perimeter…): compiling does it after `bind`."""
        return self

    @property
    def cacheable(self) -> bool:
        """Whether its sentences are few enough to keep (they read a closed list of values);
        the others (amounts, communes) are cheap to write again."""
        return True

    def reads(self) -> tuple[str, ...] | None:
        """The `Facts` fields its test and its sentences read (nothing else: the catalogue's
        day and context are fixed), so that equal values give the same check; None when not
        declared (then it is tested and written again for every profile)."""
        return None

    def fills(self) -> str | None:
        """A field of `Facts` whose value, when it is not None, is all its sentence shows of
        the profile beside whether it held: the sentence is then `template(held, context)`
        with that value, written by `fill`, in place of HOLE (single.py writes each template
        once). None for most conditions."""
        return None

    def fill(self, value: object) -> str:
        """The `fills` field's value as the sentence writes it (the same for every condition
        of the class: single.py writes it once per profile and class)."""
        return str(value)

    def template(self, held: bool, context: Context) -> str:
        """The sentence for a profile whose `fills` field has a value, HOLE in its place."""
        raise NotImplementedError

    def test(self, facts: Facts) -> bool:
        raise NotImplementedError

    def mask(self, index: BatchIndex) -> int:
        raise NotImplementedError

    def text_key(self, facts: Facts) -> Hashable:
        """What of `facts` the sentence reads (equal keys, equal sentences: a cache key)."""
        return facts

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        raise NotImplementedError

    def describe(self, context: Context) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Choice(Node):
    """A single-valued answer (stage, project, legal form, sector…) is one of `allowed`.
    `not_said` lists the values meaning "not known yet" (legal form undecided, sector ""):
    they pass, and the sentence says what the scheme accepts."""

    code: str
    attr: str
    allowed: frozenset[str]
    not_said: frozenset[str] = frozenset()

    def reads(self) -> tuple[str, ...]:
        return (self.attr,)

    def test(self, facts: Facts) -> bool:
        value = getattr(facts, self.attr)
        return value in self.allowed or value in self.not_said

    def mask(self, index: BatchIndex) -> int:
        return index.any_value(self.attr, self.allowed | self.not_said)

    def text_key(self, facts: Facts) -> Hashable:
        return getattr(facts, self.attr)

    def _allowed(self, context: Context) -> str:
        return quoted(sorted(value_label(self.attr, v, context.sectors) for v in self.allowed))

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        value = getattr(facts, self.attr)
        label = field_label(self.attr)
        if value in self.not_said and value not in self.allowed:
            return _("%(field)s non précisé%(e)s : ce dispositif accepte %(allowed)s") % {
                "field": label,
                "e": _agree(self.attr, "", "e"),
                "allowed": self._allowed(context),
            }
        shown = quoted([value_label(self.attr, value, context.sectors)])
        if held:
            return f"{label} {shown}{NBSP}: " + _agree(self.attr, _("accepté"), _("acceptée"))
        refused = _agree(self.attr, _("non accepté"), _("non acceptée"))
        return _("%(field)s %(value)s : %(refused)s (ce dispositif accepte : %(allowed)s)") % {
            "field": label,
            "value": shown,
            "refused": refused,
            "allowed": self._allowed(context),
        }

    def describe(self, context: Context) -> str:
        return _("%(field)s parmi : %(allowed)s") % {
            "field": field_label(self.attr).capitalize(),
            "allowed": self._allowed(context),
        }


@dataclass(frozen=True, slots=True)
class Overlap(Node):
    """A set-valued answer (situations; the territory's keys) shares a value with `allowed`."""

    code: str
    attr: str
    allowed: frozenset[str]
    shown: str = field(default="", compare=False)  # the perimeter's labels (prepare)

    def prepare(self, context: Context) -> Node:
        if self.attr != "territory":
            return self
        return replace(self, shown=", ".join(sorted(context.territory(k) for k in self.allowed)))

    @property
    def cacheable(self) -> bool:
        return self.attr != "territory"

    def reads(self) -> tuple[str, ...]:
        return ("territory", "commune_name") if self.attr == "territory" else (self.attr,)

    def fills(self) -> str | None:
        return "commune_name" if self.attr == "territory" else None

    def template(self, held: bool, context: Context) -> str:
        return self.text(_named(HOLE), held, context)

    def test(self, facts: Facts) -> bool:
        return not self.allowed.isdisjoint(getattr(facts, self.attr))

    def mask(self, index: BatchIndex) -> int:
        return index.any_member(self.attr, self.allowed)

    def text_key(self, facts: Facts) -> Hashable:
        if self.attr == "territory":
            return (facts.commune_name, self.allowed & facts.territory)
        return getattr(facts, self.attr) & self.allowed or getattr(facts, self.attr)

    def _allowed(self, context: Context) -> str:
        if self.attr == "territory":
            return self.shown or ", ".join(sorted(context.territory(k) for k in self.allowed))
        return quoted(sorted(value_label(self.attr, v) for v in self.allowed))

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        if self.attr == "territory":
            template = (
                _("%(place)s : dans le périmètre du dispositif (%(perimeter)s)")
                if held
                else _("%(place)s : hors du périmètre du dispositif (%(perimeter)s)")
            )
            return template % {"place": facts.commune_name, "perimeter": self._allowed(context)}
        values: frozenset[str] = getattr(facts, self.attr)
        label = field_label(self.attr)
        if held:
            shown = quoted(sorted(value_label(self.attr, v) for v in values & self.allowed))
            return f"{label} {shown}{NBSP}: " + _agree(self.attr, _("accepté"), _("acceptée"))
        if not values:
            return _("%(field)s non indiquée : ce dispositif est réservé à %(allowed)s") % {
                "field": label,
                "allowed": self._allowed(context),
            }
        shown = quoted(sorted(value_label(self.attr, v) for v in values))
        return _("%(field)s %(value)s : non acceptée (ce dispositif est réservé à %(allowed)s)") % {
            "field": label,
            "value": shown,
            "allowed": self._allowed(context),
        }

    def describe(self, context: Context) -> str:
        if self.attr == "territory":
            return _("Projet situé dans : %(perimeter)s") % {"perimeter": self._allowed(context)}
        return _("Réservé à : %(allowed)s") % {"allowed": self._allowed(context)}


@dataclass(frozen=True, slots=True)
class Bound(Node):
    """The amount asked is at least (`minimum`) or at most (`maximum`) a dated parameter. An
    amount not said passes: the sentence gives the bound to check with the operator."""

    code: str
    kind: str  # "minimum" or "maximum"
    bound: Param | ParamValue
    label: str = ""  # "maximum pour une reprise"; the kind's own word when empty
    shown: str = field(default="", compare=False)  # the bound in euros, once bound

    @property
    def cacheable(self) -> bool:
        return False

    def params(self) -> tuple[str, ...]:
        return (self.bound.name,) if isinstance(self.bound, Param) else ()

    def reads(self) -> tuple[str, ...]:
        return ("amount",)

    def bind(self, values: Mapping[str, ParamValue], on: date) -> Node | None:
        if isinstance(self.bound, ParamValue):
            return self
        found = values.get(self.bound.name)
        return replace(self, bound=found, shown=euros(found.value)) if found is not None else None

    def _value(self) -> ParamValue:
        if not isinstance(self.bound, ParamValue):
            raise TypeError(f"{self.code}: parameter {self.bound.name} not bound")
        return self.bound

    def test(self, facts: Facts) -> bool:
        if facts.amount is None:
            return True
        limit = self._value().value
        return facts.amount >= limit if self.kind == "minimum" else facts.amount <= limit

    def mask(self, index: BatchIndex) -> int:
        limit = self._value().value
        known = (
            index.amount_at_least(limit) if self.kind == "minimum" else index.amount_at_most(limit)
        )
        return known | index.amount_unknown()

    def text_key(self, facts: Facts) -> Hashable:
        return facts.amount

    def _word(self) -> str:
        return self.label or (_("minimum") if self.kind == "minimum" else _("maximum"))

    def fills(self) -> str | None:
        return "amount"

    def fill(self, value: object) -> str:
        return euros(value)  # type: ignore[arg-type]

    def template(self, held: bool, context: Context) -> str:
        """`text`'s sentence for an amount given, HOLE in place of the amount (the same lines:
        tests/test_single_profile.py checks that they agree)."""
        bound = self._value()
        limit = f"{self._word()} {self.shown or euros(bound.value)}{_example(bound)}"
        if self.kind == "minimum":
            sign = "≥" if held else "<"
        else:
            sign = "≤" if held else ">"
        return _("montant demandé %(amount)s %(sign)s %(limit)s") % {
            "amount": HOLE,
            "sign": sign,
            "limit": limit,
        }

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        bound = self._value()
        limit = f"{self._word()} {self.shown or euros(bound.value)}{_example(bound)}"
        if facts.amount is None:
            return _("montant non précisé : %(limit)s") % {"limit": limit}
        if self.kind == "minimum":
            sign = "≥" if held else "<"
        else:
            sign = "≤" if held else ">"
        return _("montant demandé %(amount)s %(sign)s %(limit)s") % {
            "amount": euros(facts.amount),
            "sign": sign,
            "limit": limit,
        }

    def describe(self, context: Context) -> str:
        bound = self.bound
        if not isinstance(bound, ParamValue):
            return f"{self._word()} : {bound.name}"
        template = (
            _("Montant demandé d'au moins %(value)s%(example)s")
            if self.kind == "minimum"
            else _("Montant demandé d'au plus %(value)s%(example)s")
        )
        text = template % {"value": euros(bound.value), "example": _example(bound)}
        return f"{text} ({self.label})" if self.label else text


@dataclass(frozen=True, slots=True)
class State(Node):
    """The scheme's state (open, closed, budget exhausted): the same for every profile."""

    code: str
    state: str

    def test(self, facts: Facts) -> bool:
        return self.state == "open"

    def mask(self, index: BatchIndex) -> int:
        return index.all if self.state == "open" else 0

    def reads(self) -> tuple[str, ...]:
        return ()

    def text_key(self, facts: Facts) -> Hashable:
        return None

    def _label(self) -> str:
        return Labels.get()["state"].get(self.state, self.state)

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        return _("état du dispositif : %(state)s") % {"state": self._label()}

    def describe(self, context: Context) -> str:
        return _("Dispositif ouvert (état actuel : %(state)s)") % {"state": self._label()}


@dataclass(frozen=True, slots=True)
class Opening(Node):
    """The scheme takes applications on the day of evaluation (between its opening and its
    closing dates, either may be missing); bound to that day, the same for every profile."""

    code: str
    opens_on: date | None
    closes_on: date | None
    on: date | None = None

    def bind(self, values: Mapping[str, ParamValue], on: date) -> Node | None:
        return replace(self, on=on)

    def _day(self) -> date:
        if self.on is None:
            raise TypeError(f"{self.code}: not bound to a day")
        return self.on

    def _open(self) -> bool:
        on = self._day()
        return not (self.opens_on and on < self.opens_on) and not (
            self.closes_on and on > self.closes_on
        )

    def test(self, facts: Facts) -> bool:
        return self._open()

    def mask(self, index: BatchIndex) -> int:
        return index.all if self._open() else 0

    def reads(self) -> tuple[str, ...]:
        return ()

    def text_key(self, facts: Facts) -> Hashable:
        return None

    def text(self, facts: Facts, held: bool, context: Context) -> str:
        on = self._day()
        if self.opens_on and on < self.opens_on:
            return _("ouvert à partir du %(start)s (date d'évaluation : %(on)s)") % {
                "start": day(self.opens_on),
                "on": day(on),
            }
        if self.closes_on and on > self.closes_on:
            return _("clôturé le %(end)s (date d'évaluation : %(on)s)") % {
                "end": day(self.closes_on),
                "on": day(on),
            }
        return _("ouvert le %(on)s (%(period)s)") % {"on": day(on), "period": self._period()}

    def _period(self) -> str:
        if self.opens_on and self.closes_on:
            return _("du %(start)s au %(end)s") % {
                "start": day(self.opens_on),
                "end": day(self.closes_on),
            }
        if self.opens_on:
            return _("à partir du %(start)s") % {"start": day(self.opens_on)}
        return _("jusqu'au %(end)s") % {"end": day(self.closes_on)} if self.closes_on else ""

    def describe(self, context: Context) -> str:
        return _("Candidatures : %(period)s") % {"period": self._period()}
