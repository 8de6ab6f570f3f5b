"""Places in the search text: a postcode (`75020`), a lone département code (`93`, `2A`,
`974`), a commune name at the start or the end of the text (`Montreuil`, `saint denis`, accents,
case and hyphens folded) or a municipal arrondissement (`Paris 20`, `Paris 20e`, `Lyon 3e`,
`Marseille 13`) is understood as a territory; the other words are searched as text.

Territories are read through atelier.territories.selectors only. What is NOT a place, so that
ordinary words keep working as text:

- a one-word commune name of fewer than ONE_WORD_MIN_POPULATION inhabitants ("Jardin", Isère,
  2,000 inhabitants, is the word of "jardin partagé"; "École", Savoie, of "école de musique"),
  a name of several words under SEVERAL_WORDS_MIN_POPULATION;
- a one-word commune name that at least NAME_WORD_MIN_DOCS organisations carry in their name,
  fewer than NAME_WORD_LOCAL_SHARE of them in that commune ("La Fontaine…", "Sens commun…"
  all over France: the word of a name, not the town; "Paris" in names is mostly in Paris) —
  the index's `name_text`, when the index answers the search;
- a text that is, as a whole, the exact name or acronym of an organisation of the Atlas (its
  exact-name key, directory.text.words_key: the index's `name_exact`), unless it is nothing
  but the place: "Paris Initiative Entreprise" stays a name, "atelier paris" is "atelier" in
  Paris, "Montreuil" alone is the commune. Not "every word in a name": among a million
  organisations some name holds "atelier" and "paris", and no place would ever be read.

Homonyms ("Saint-Denis": La Réunion, Seine-Saint-Denis, Aude…): the most populated is applied
when it has at least CLEAR_LEAD times the inhabitants of the next one (the others are offered as
choices); otherwise none is applied, the whole text is searched as words and every homonym is
offered."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tantivy
from django.conf import settings
from django.db.models import Q

from atelier.search import Handle, SearchIndexError, reader
from atelier.search.conditions import AnyOf, all_of, to_query
from atelier.territories.enums import CommuneKind, TerritoryLevel
from atelier.territories.names import place_key
from atelier.territories.selectors import (
    NamedCommune,
    TerritoryRef,
    commune_codes,
    communes_named,
    departement_ref,
    postcode_communes,
    territory_get,
)

from ..indexes import ORGANISATIONS
from ..models import Organisation
from ..text import tokens, words_key

MAX_PLACE_WORDS = 5
ONE_WORD_MIN_POPULATION = 10_000
SEVERAL_WORDS_MIN_POPULATION = 1_000
CLEAR_LEAD = 2
NAME_WORD_MIN_DOCS = 20
NAME_WORD_LOCAL_SHARE = 0.3
MAX_CHOICES = 8

_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)  # postcode or INSEE commune code
_DEPARTEMENT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$", re.IGNORECASE)
_ARRONDISSEMENT = re.compile(r"^(\d{1,2})(?:e|eme|ème|è|er|ere|ère)?$", re.IGNORECASE)
# Words that link a text to its place ("atelier à paris"): dropped before the place.
_LINK_WORDS = {"a", "au", "aux", "de", "du", "des", "d", "en", "sur", "dans", "pres", "vers"}


@dataclass(frozen=True)
class PlaceMatch:
    """What the text says of a place.

    `applied`: the territories applied as filters (several communes for a postcode that serves
    several; empty when a name is ambiguous and none is clearly the one); `choices`: the other
    communes of that name, as links; `text`: the words left to search (the whole text when
    nothing is applied)."""

    phrase: str  # the words read as a place, as typed
    text: str
    applied: tuple[TerritoryRef, ...]
    choices: tuple[TerritoryRef, ...] = ()
    typed: str = ""  # the whole text as typed
    rest: str = ""  # the other words (searched with a chosen commune)

    @property
    def ambiguous(self) -> bool:
        return bool(self.choices)


def detect_place(q: str) -> PlaceMatch | None:
    """The place the text `q` names at its start or end (see the module docstring), or None."""
    words = q.split()
    if not words:
        return None
    if len(words) == 1 and _DEPARTEMENT.match(words[0]):
        ref = departement_ref(words[0])
        return PlaceMatch(words[0], "", (ref,), typed=q) if ref else None
    spans = _spans(len(words))
    for start, end in spans:
        if end - start == 1 and _CODE.match(words[start]):
            refs = _code_refs(words[start].upper())
            if refs:
                return _match(q, words, start, end, tuple(refs), ())
    keys = {span: _key(words[span[0] : span[1]]) for span in spans}
    named = communes_named(keys.values())
    for span, key in keys.items():
        found = named.get(key)
        if not found:
            continue
        decided = _decide(key, found)
        if decided is None:
            continue
        applied, choices = decided
        if span[1] - span[0] < len(words) and is_organisation_name(q):
            return None
        return _match(q, words, span[0], span[1], applied, choices)
    return None


def _spans(n: int) -> list[tuple[int, int]]:
    """Word ranges at the start or the end, longest first; at equal length the end first
    ("atelier paris")."""
    spans: list[tuple[int, int]] = []
    for size in range(min(n, MAX_PLACE_WORDS), 0, -1):
        for span in ((n - size, n), (0, size)):
            if span not in spans:
                spans.append(span)
    return spans


def _key(words: list[str]) -> str:
    """The normalised name of `words`; "paris 20", "Paris 20e" -> the arrondissement's name."""
    if len(words) >= 2 and (m := _ARRONDISSEMENT.match(words[-1])):
        n = int(m.group(1))
        if n >= 1:
            return f"{place_key(' '.join(words[:-1]))} {n}{'er' if n == 1 else 'e'} arrondissement"
    return place_key(" ".join(words))


def _code_refs(code: str) -> list[TerritoryRef]:
    """The communes of a postcode, or the commune of an INSEE code."""
    refs = postcode_communes(code)
    if not refs and (ref := territory_get(TerritoryLevel.COMMUNE, code)) is not None:
        refs = [ref]
    return refs


def _decide(
    key: str, found: list[NamedCommune]
) -> tuple[tuple[TerritoryRef, ...], tuple[TerritoryRef, ...]] | None:
    """(applied, choices) for the communes named `key`, or None when the name is not taken as
    a place (too small a commune: an ordinary word)."""
    arrondissements = [c for c in found if c.kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT]
    if arrondissements:
        return (arrondissements[0].ref,), ()
    best = found[0]
    floor = SEVERAL_WORDS_MIN_POPULATION if " " in key else ONE_WORD_MIN_POPULATION
    if best.population < floor or (" " not in key and _a_word_of_names(key, best.ref.code)):
        return None
    others = tuple(c.ref for c in found[1:MAX_CHOICES])
    if len(found) == 1 or best.population >= CLEAR_LEAD * found[1].population:
        return (best.ref,), others
    return (), tuple(c.ref for c in found[:MAX_CHOICES])


def _match(
    q: str,
    words: list[str],
    start: int,
    end: int,
    applied: tuple[TerritoryRef, ...],
    choices: tuple[TerritoryRef, ...],
) -> PlaceMatch:
    phrase = " ".join(words[start:end])
    before, after = words[:start], words[end:]
    while before and place_key(before[-1]) in _LINK_WORDS:
        before = before[:-1]
    rest = " ".join(before + after)
    rest_key = place_key(rest)
    # "75020 Paris", "93200 Saint-Denis": the commune's name beside its postcode says no more.
    if rest_key and any(
        place_key(ref.name) == rest_key or place_key(ref.name).startswith(rest_key + " ")
        for ref in applied
    ):
        rest = ""
    return PlaceMatch(phrase, rest if applied else q, applied, choices, typed=q, rest=rest)


def _index() -> Handle | None:
    """The organisations index when it answers the searches, else None."""
    if getattr(settings, "ATELIER_SEARCH_ENGINE", "tantivy") != "tantivy":
        return None
    try:
        return reader(ORGANISATIONS)
    except SearchIndexError:
        return None


def _a_word_of_names(key: str, commune_code: str) -> bool:
    """Whether the one-word commune name `key` is in the names of many organisations, mostly
    outside that commune (see the module docstring)."""
    words = tokens(key)
    handle = _index() if len(words) == 1 else None
    if handle is None:
        return False
    searcher = handle.searcher()
    named = searcher.doc_freq("name_text", words[0])
    if named < NAME_WORD_MIN_DOCS:
        return False
    term = tantivy.Query.term_query(handle.schema, "name_text", words[0])
    local = to_query(handle.schema, AnyOf("commune_code", tuple(commune_codes(commune_code))))
    result = searcher.search(all_of(term, local), limit=1, count=True)
    return (getattr(result, "count", 0) or 0) < NAME_WORD_LOCAL_SHARE * named


def is_organisation_name(q: str) -> bool:
    """Whether `q` is, as a whole, the exact name or acronym of an organisation of the Atlas
    (the index's `name_exact`; the database, case-insensitively, when no index can answer)."""
    key = words_key(tokens(q))
    if not key:
        return False
    if (handle := _index()) is not None:
        query = tantivy.Query.term_query(handle.schema, "name_exact", key)
        return bool(handle.searcher().search(query, limit=1, count=False).hits)
    return (
        Organisation.objects.in_perimeter()
        .filter(Q(name__iexact=q) | Q(acronym__iexact=q))
        .exists()
    )
