"""One filter model for both read paths: a condition is written once by a domain app and turned
into a tantivy query (the index) or a Django Q (SQL: exports, the plain list when no index can
answer). Field names are the same on both sides: an index field is named after its column.

- AnyOf(field, values): the field holds one of the values;
- BitsAny(field, bits): the integer bit set holds one of the bits (the index stores the numbers
  of the set bits as a multi-valued field);
- Either(parts): one of the conditions;
- Words(field, words, last_alternatives, fuzzy): a text of space-separated normalised tokens
  holds every word, the last one as a prefix (as-you-type) or as one of its alternatives; a
  word with `fuzzy` forms also matches the terms one edit away from one of them (typos: the
  index only — SQL matches the words exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    # Per word (same order as `words`, or empty): the forms it may be one edit away from.
    fuzzy: tuple[tuple[str, ...], ...] = ()

    def fuzzy_forms(self, i: int) -> tuple[str, ...]:
        return self.fuzzy[i] if i < len(self.fuzzy) else ()


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


# Scores of a ranked Words condition: a word matched as typed (or as a prefix, for the last one)
# adds EXACT_WORD_BONUS when it could also have matched through a typo, so that documents with
# more words matched exactly come first; BM25 of the exact terms orders the rest.
EXACT_WORD_BONUS = 2_000.0


def _fuzzy(schema: tantivy.Schema, field: str, forms: tuple[str, ...]) -> list[Query]:
    """Terms one edit (insertion, deletion, substitution or transposition) from a form."""
    return [Query.fuzzy_term_query(schema, field, f, distance=1) for f in forms]


def _any(options: list[Query]) -> Query:
    return options[0] if len(options) == 1 else Query.boolean_query([(SHOULD, q) for q in options])


def _last_pattern(w: Words) -> str:
    """The last word as a prefix, or one of its alternatives: one automaton (the prefix
    pattern matches the exact term too)."""
    return "|".join((f"{w.words[-1]}.*", *w.last_alternatives))


def _words_ranked(schema: tantivy.Schema, w: Words) -> Query:
    """The documents of _words_match, scored: BM25 of the exact terms, the last word's prefix
    and alternatives as a constant, typos as nothing (see EXACT_WORD_BONUS)."""
    clauses = []
    last = len(w.words) - 1
    for i, word in enumerate(w.words):
        fuzzy = _fuzzy(schema, w.field, w.fuzzy_forms(i))
        bonus = EXACT_WORD_BONUS if fuzzy else 0.0
        exact = Query.term_query(schema, w.field, word)
        options = [exact]
        if i == last:
            prefix = Query.regex_query(schema, w.field, _last_pattern(w))
            options.append(Query.const_score_query(prefix, 1.0 + bonus))
            options.extend(Query.term_query(schema, w.field, t) for t in w.last_alternatives)
        elif bonus:
            options.append(Query.const_score_query(exact, bonus))
        options.extend(Query.const_score_query(q, 0.0) for q in fuzzy)
        clauses.append((MUST, _any(options)))
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def _words_match(schema: tantivy.Schema, w: Words) -> Query:
    """Documents holding every word (or a term one edit from its fuzzy forms), the last one as
    a prefix or alternative; for counts (no scores): cheaper than _words_ranked."""
    clauses = []
    last = len(w.words) - 1
    for i, word in enumerate(w.words):
        fuzzy = _fuzzy(schema, w.field, w.fuzzy_forms(i))
        if i == last:
            options = [Query.regex_query(schema, w.field, _last_pattern(w)), *fuzzy]
        else:
            # The fuzzy forms start with the word itself: distance 1 includes the exact term.
            options = fuzzy or [Query.term_query(schema, w.field, word)]
        clauses.append((MUST, _any(options)))
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def words_query(schema: tantivy.Schema, w: Words, field: str, *, fuzzy: bool = True) -> Query:
    """The match query of `w` on another `field` (a name field for a ranking tier), with or
    without its typos."""
    return _words_match(schema, replace(w, field=field, fuzzy=w.fuzzy if fuzzy else ()))


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
    # " word" a token prefix (the same terms as the index's queries). Typos (`fuzzy`) are the
    # index's only: SQL has no portable edit distance.
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
