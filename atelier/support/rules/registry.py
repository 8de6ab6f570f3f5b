"""The rules registry: each scheme names its rule (`Scheme.rule`), a key registered here by a
module of this package. A rule is Python code: the conditions it adds to (or puts in place of)
the generic ones read from the catalogue's fields (generic.py). Every registered rule has its
YAML test cases in tests/<module>.yaml (checked by tests/test_rules_yaml.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .generic import generic_nodes
from .nodes import Node
from .spec import SchemeSpec

Build = Callable[[SchemeSpec], tuple[Node, ...]]


@dataclass(frozen=True)
class Rule:
    key: str
    title: object  # plain French (lazy translation): what the rule checks beyond the fields
    build: Build
    replaces: frozenset[str]  # codes of the generic conditions it puts its own in place of
    module: str  # the module that registered it (its YAML cases: tests/<module>.yaml)


RULES: dict[str, Rule] = {}


class UnknownRule(LookupError):
    """A scheme names a rule no module registered."""


def rule(key: str, title: object, *, replaces: tuple[str, ...] = ()) -> Callable[[Build], Build]:
    """Register the decorated function as the rule `key`."""

    def decorator(build: Build) -> Build:
        if key in RULES:
            raise ValueError(f"rule {key!r} registered twice")
        module = build.__module__.rpartition(".")[2]
        RULES[key] = Rule(key, title, build, frozenset(replaces), module)
        return build

    return decorator


def rule_get(key: str) -> Rule:
    try:
        return RULES[key]
    except KeyError:
        raise UnknownRule(key) from None


def rule_choices() -> list[tuple[str, str]]:
    return [(key, f"{key} — {RULES[key].title}") for key in sorted(RULES)]


def scheme_tree(spec: SchemeSpec) -> tuple[Node, ...]:
    """The scheme's conditions, parameters unresolved: the generic ones its fields give (minus
    those its rule replaces), then its rule's own."""
    found = rule_get(spec.rule)
    generic = tuple(n for n in generic_nodes(spec) if n.code not in found.replaces)
    return generic + found.build(spec)
