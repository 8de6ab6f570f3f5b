"""The order of an Atlas search with a text, the same rule for both read paths:

1. an exact name or acronym (its tokens are the query's words: "l'atelier" -> L'Atelier);
2. then every word in the name or acronym (the last one as a prefix);
3. then every word anywhere (description, commune, NAF label, themes…), documents with more
   words matched as typed before those matched through a typo;
4. then a typo: in the exact name, then in the name's words, then elsewhere;
and inside a tier, BM25 of the words (frequent, rare words first), ties broken by name then id.

The index scores tiers as constants an order of magnitude apart (atelier.search.ranking), in
one query. The database (no index generation) orders by CASE exact name / words in the name
(case-insensitive comparison of the name as typed: SQL has no portable accent folding or
stemming, so "emmaus" matches Emmaüs in the index's tiers only) / a name whose first token is
one of the words (`search_text` starts with the name's tokens), then by name; it has no typos.
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce
from operator import and_, or_
from typing import Any

import tantivy
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Length

from atelier.search.conditions import to_query, words_query
from atelier.search.ranking import tiered

from .search_params import TextQuery

# Each tier above everything below it: the bonus of every word matched as typed
# (conditions.EXACT_WORD_BONUS, 2,000 for each of at most MAX_QUERY_TOKENS words: 16,000), the
# typo tiers (1,300 together, below one word's bonus) and BM25 (about 30 a word at most). Kept
# small: scores are 32-bit floats (at 90,000, steps of 0.008 still tell BM25 scores apart).
EXACT_NAME = 50_000.0
NAME_WORDS = 20_000.0
EXACT_NAME_TYPO = 800.0  # the exact-name key one edit away
NAME_TYPO = 500.0


# A word is read as a possible typo only when the index holds it (or, for the last word, one
# of its exact alternatives) in fewer documents than this: a typo makes a rare term, and the
# edit-distance search of a common, correctly typed word would only add noise ("santé" ->
# "saint") and cost (it widens the counts of every facet).
TYPO_MAX_DOCS = 20


def typos_where_rare(searcher: tantivy.Searcher, tq: TextQuery | None) -> TextQuery | None:
    """`tq` with the typo forms of its frequent words dropped (see TYPO_MAX_DOCS): a few term
    lookups in the index."""
    if tq is None or not tq.fuzzy:
        return tq
    last = len(tq.words) - 1
    kept = []
    for i, (word, forms) in enumerate(zip(tq.words, tq.fuzzy, strict=True)):
        terms = (word, *tq.last_alternatives) if i == last else (word,)
        docs = 0
        for term in terms:
            docs += searcher.doc_freq("search_text", term)
            if docs >= TYPO_MAX_DOCS:
                break
        kept.append(forms if docs < TYPO_MAX_DOCS else ())
    fuzzy = tuple(kept)
    return replace(tq, fuzzy=fuzzy if any(fuzzy) else ())


def ranked_query(schema: tantivy.Schema, tq: TextQuery) -> tantivy.Query:
    """The matching organisations of `tq` (the same as its condition's), scored by tiers."""
    condition = tq.condition()
    return tiered(
        to_query(schema, condition, scored=True),
        [
            (tantivy.Query.term_query(schema, "name_exact", tq.key), EXACT_NAME),
            (words_query(schema, condition, "name_text", fuzzy=False), NAME_WORDS),
            (_fuzzy_key(schema, tq), EXACT_NAME_TYPO),
            (words_query(schema, condition, "name_text") if tq.fuzzy else None, NAME_TYPO),
        ],
    )


def _fuzzy_key(schema: tantivy.Schema, tq: TextQuery) -> tantivy.Query | None:
    if not tq.fuzzy:
        return None
    return tantivy.Query.fuzzy_term_query(schema, "name_exact", tq.key, distance=1)


def page_order(hits: list[tuple[float, int]], names: dict[int, str]) -> list[int]:
    """Ids of a page of (score, id) hits, equal scores by name then id. (Equal scores on both
    sides of a page boundary keep the index's order: each page is still the next slice.)"""
    return [i for _s, i in sorted(hits, key=lambda h: (-h[0], names.get(h[1], ""), h[1]))]


def sql_order(q: str, tq: TextQuery) -> list[Any]:
    """ORDER BY of the database's list: exact name or acronym, words in them (shorter names
    first, as the index's exact key and BM25 would), a name that starts with one of the words,
    then by name."""
    phrases = {" ".join(q.split()), " ".join(q.replace("’", "'").split())}
    exact = reduce(lambda a, b: a | b, (Q(name__iexact=p) | Q(acronym__iexact=p) for p in phrases))
    in_name = reduce(and_, (Q(name__icontains=w) | Q(acronym__icontains=w) for w in tq.typed))
    # The name's first token (search_text starts with the name's tokens, stemmed and folded)
    # is one of the words: accents and endings need not be typed as in the name.
    last = len(tq.words) - 1
    starts = reduce(
        or_,
        (
            Q(search_text__startswith=w if i == last else f"{w} ") | Q(search_text=w)
            for i, w in enumerate(tq.words)
        ),
    )
    tier = Case(
        When(exact, then=Value(0)),
        When(in_name, then=Value(1)),
        When(starts, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    shorter = Case(When(in_name, then=Length("name")), default=Value(0))
    return [tier, shorter, "name", "id"]
