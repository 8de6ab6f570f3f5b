"""One filter model for both read paths: a condition is written once by a domain app and turned
into a tantivy query (the index) or a Django Q (SQL: exports, the plain list when no index can
answer). Field names are the same on both sides: an index field is named after its column.

- AnyOf(field, values): the field holds one of the values;
- BitsAny(field, bits): the integer bit set holds one of the bits (the index stores the numbers
  of the set bits as a multi-valued field);
- Either(parts): one of the conditions;
- Words(field, words, last_alternatives): a text of space-separated normalised tokens holds
  every word, the last one as a prefix (as-you-type) or as one of its alternatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Union

import tantivy
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Concat
from django.db.models.lookups import Contains, GreaterThan

Query = tantivy.Query
MUST = tantivy.Occur.Must
SHOULD = tantivy.Occur.Should


@dataclass(frozen=True)
class AnyOf:
    field: str
    values: tuple[str | int, ...]


@dataclass(frozen=True)
class BitsAny:
    field: str
    bits: tuple[int, ...]


@dataclass(frozen=True)
class Either:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Words:
    field: str
    words: tuple[str, ...]
    last_alternatives: tuple[str, ...] = ()


Condition = Union[AnyOf, BitsAny, Either, Words]  # noqa: UP007 (a runtime alias)


# -- index -----------------------------------------------------------------------------------


def to_query(schema: tantivy.Schema, condition: Condition, *, scored: bool = False) -> Query:
    """The tantivy query of `condition`. Filters score as constants (a filter must not change
    the relevance order of a text); `scored` ranks a Words condition (BM25)."""
    if isinstance(condition, AnyOf):
        return any_of(schema, condition.field, list(condition.values))
    if isinstance(condition, BitsAny):
        return any_of(schema, condition.field, list(condition.bits))
    if isinstance(condition, Either):
        parts = [to_query(schema, p, scored=scored) for p in condition.parts]
        return parts[0] if len(parts) == 1 else Query.boolean_query([(SHOULD, p) for p in parts])
    return _words_ranked(schema, condition) if scored else _words_match(schema, condition)


def any_of(schema: tantivy.Schema, field: str, values: list) -> Query:
    """Documents whose `field` holds one of `values`. One value: a term query (cheaper to
    evaluate and to intersect than a term set), with the term set's constant score."""
    if len(values) == 1:
        return Query.const_score_query(Query.term_query(schema, field, values[0]), 1.0)
    return Query.term_set_query(schema, field, values)


def _words_ranked(schema: tantivy.Schema, w: Words) -> Query:
    """Every word; the last one also as a prefix and through its alternatives, as a union of
    scored clauses (BM25 ranks exact and frequent words first)."""
    last = w.words[-1]
    alternatives = [
        (SHOULD, Query.term_query(schema, w.field, last)),
        (SHOULD, Query.regex_query(schema, w.field, f"{last}.*")),
        *((SHOULD, Query.term_query(schema, w.field, t)) for t in w.last_alternatives),
    ]
    clauses = [(MUST, Query.term_query(schema, w.field, word)) for word in w.words[:-1]]
    clauses.append((MUST, Query.boolean_query(alternatives)))
    return Query.boolean_query(clauses)


def _words_match(schema: tantivy.Schema, w: Words) -> Query:
    """The documents of _words_ranked, for counts (no scores): the last word's prefix and
    alternatives in one automaton, several times cheaper than the union (the prefix pattern
    matches the exact term too)."""
    last = "|".join((f"{w.words[-1]}.*", *w.last_alternatives))
    clauses = [(MUST, Query.term_query(schema, w.field, word)) for word in w.words[:-1]]
    clauses.append((MUST, Query.regex_query(schema, w.field, last)))
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def all_of(*queries: Query | None) -> Query:
    """The intersection of the queries given (every document when none is)."""
    parts = [q for q in queries if q is not None]
    if not parts:
        return Query.all_query()
    if len(parts) == 1:
        return parts[0]
    return Query.boolean_query([(MUST, q) for q in parts])


# -- SQL -------------------------------------------------------------------------------------


def to_q(condition: Condition) -> Q:
    """The Django Q of `condition`, on the columns named like the index fields."""
    if isinstance(condition, AnyOf):
        return Q(**{f"{condition.field}__in": list(condition.values)})
    if isinstance(condition, BitsAny):
        mask = sum(1 << b for b in condition.bits)
        return Q(GreaterThan(F(condition.field).bitand(mask), 0))
    if isinstance(condition, Either):
        return reduce(or_, (to_q(p) for p in condition.parts))
    # Tokens are letters and digits separated by single spaces: " word " is a whole token,
    # " word" a token prefix (the same terms as the index's queries).
    padded = Concat(Value(" "), F(condition.field), Value(" "), output_field=TextField())
    q = Q()
    for word in condition.words[:-1]:
        q &= Q(Contains(padded, f" {word} "))
    last = Q(Contains(padded, f" {condition.words[-1]}"))
    for alternative in condition.last_alternatives:
        last |= Q(Contains(padded, f" {alternative} "))
    return q & last


def all_q(conditions: list[Condition]) -> Q:
    return reduce(lambda a, b: a & b, (to_q(c) for c in conditions), Q())
