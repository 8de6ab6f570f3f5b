"""Ranking helpers: a match query plus constant-score tiers.

A tier is a query that selects a subset of the matching documents (an exact name, every word
in a name…) and adds its constant score to theirs; with scores an order of magnitude apart,
tiers sort the results first and the match query's own score (BM25) orders each tier."""

from __future__ import annotations

from collections.abc import Iterable

import tantivy

Query = tantivy.Query


def tiered(match: Query, tiers: Iterable[tuple[Query | None, float]]) -> Query:
    """The documents of `match`, scored by `match` plus the score of each tier they are in
    (a tier of None is left out). One query: tiers are only evaluated on matching documents."""
    clauses = [(tantivy.Occur.Must, match)]
    clauses.extend(
        (tantivy.Occur.Should, Query.const_score_query(query, score))
        for query, score in tiers
        if query is not None
    )
    return match if len(clauses) == 1 else Query.boolean_query(clauses)
