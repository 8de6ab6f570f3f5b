"""Places in the search text: a postcode (`75020`), a lone département code (`93`, `2A`,
`974`), the name of a commune, a département or a région at the start or the end of the text
(`Montreuil`, `saint denis`, `Seine-Saint-Denis`, `Gironde`, `ile de france`), a municipal
arrondissement (`Paris 20`, `Paris 20e`, `Lyon 3e`, `Marseille 13`) or a commune with its
département code (`Saint-Denis 93`, `Montreuil (93)`, `93 Montreuil`) is understood as a
territory; the other words are searched as text.

Names are compared by their key (atelier.territories.names.place_key): accents, case, hyphens,
apostrophes and "St" do not matter. Territories are read through atelier.territories.selectors
only; commune, département and région names are known per process (its reference cache), so a
text that names no place costs no query.

What is NOT a place, so that ordinary words keep working as text:

- a one-word commune name of fewer than ONE_WORD_MIN_POPULATION inhabitants ("Jardin", Isère,
  2,000 inhabitants, is the word of "jardin partagé"; "École", Savoie, of "école de musique"),
  a name of several words under SEVERAL_WORDS_MIN_POPULATION;
- a one-word commune name that at least NAME_WORD_MIN_DOCS organisations carry in their name,
  fewer than NAME_WORD_LOCAL_SHARE of them in that commune ("La Fontaine…", "Sens commun…"
  all over France: the word of a name, not the town; "Paris" in names is mostly in Paris) —
  the index's `name_text`, when the index answers the search;
- a département name that is an everyday word (EVERYDAY_NAMES: "pas cher", "quartiers nord",
  "vente par lot"), unless it is the whole text, follows an article or a linking word ("le
  Nord", "dans le Cher", "en Creuse", "l'Aube") or comes with its code ("Nord 59");
- a text that is, as a whole, the exact name or acronym of an organisation of the Atlas (its
  exact-name key, directory.text.words_key: the index's `name_exact`), unless it is nothing
  but the place: "Paris Initiative Entreprise" stays a name, "atelier paris" is "atelier" in
  Paris, "Montreuil" alone is the commune. Not "every word in a name": among a million
  organisations some name holds "atelier" and "paris", and no place would ever be read.

Homonyms ("Saint-Denis": La Réunion, Seine-Saint-Denis, Aude…): the most populated is applied
when it has at least CLEAR_LEAD times the inhabitants of the next one (the others are offered as
choices); otherwise none is applied, the whole text is searched as words and every homonym is
offered. A département or région takes part with the inhabitants of its communes, so it is
applied before a commune of its name, offered as a choice ("Vienne": the département, 438,897
inhabitants, then Vienne in Isère, 31,778; "Mayenne"); a commune below its population floor is
only a choice ("Bretagne": the région, and the two villages). Two exceptions, same extent:
a commune that is its département's only commune stands for it (Paris, Saint-Barthélemy: the
commune, whose arrondissements are the level below), and a département stands for the région of
its name (La Réunion, Guadeloupe…: the département).

A département code beside a commune's name picks that commune among its homonyms, whatever its
size ("Saint-Denis 93", "saint denis 974", "Saint-Denis (11)"); beside a département's or a
région's name, that territory ("Seine-Saint-Denis (93)": the label of its chip). A number after
the name of Paris, Lyon or Marseille is an arrondissement first ("Marseille 13": the 13th;
"Marseille (13)", in brackets, is the commune)."""

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
    NamedArea,
    NamedCommune,
    TerritoryRef,
    areas_named,
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
# Départements whose name is also an everyday word (see the module docstring).
EVERYDAY_NAMES = frozenset({"aube", "cher", "creuse", "landes", "lot", "manche", "nord", "somme"})

_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)  # postcode or INSEE commune code
_DEPARTEMENT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$", re.IGNORECASE)
# A département code beside a name: "93", "(93)", "(2A)," ("Montreuil (93)", a chip's label).
_BESIDE = re.compile(r"^\(?(\d{2}|2[AB]|97\d)\)?[,;.]?$", re.IGNORECASE)
_ARRONDISSEMENT = re.compile(r"^(\d{1,2})(?:e|eme|ème|è|er|ere|ère)?$", re.IGNORECASE)
# Words that link a text to its place ("atelier à paris"): dropped before the place.
_LINK_WORDS = {"a", "au", "aux", "de", "du", "des", "d", "en", "sur", "dans", "pres", "vers"}
_ARTICLES = {"le", "la", "les", "l"}
# An elided article or preposition stuck to a département or région name: "l'Aube",
# "d'Ille-et-Vilaine" (département and région names never start with one).
_ELIDED = ("l ", "d ")

Decision = tuple[tuple[TerritoryRef, ...], tuple[TerritoryRef, ...]]


@dataclass(frozen=True)
class PlaceMatch:
    """What the text says of a place.

    `applied`: the territories applied as filters (several communes for a postcode that serves
    several; empty when a name is ambiguous and none is clearly the one); `choices`: the other
    territories of that name, as links; `text`: the words left to search (the whole text when
    nothing is applied)."""

    phrase: str  # the words read as a place, as typed
    text: str
    applied: tuple[TerritoryRef, ...]
    choices: tuple[TerritoryRef, ...] = ()
    typed: str = ""  # the whole text as typed
    rest: str = ""  # the other words (searched with a chosen territory)

    @property
    def ambiguous(self) -> bool:
        return bool(self.choices)

    @property
    def applied_communes(self) -> bool:
        """Whether the territories applied are communes (the page says "commune", else
        "territoire")."""
        return all(r.level == TerritoryLevel.COMMUNE for r in self.applied)

    @property
    def choices_communes(self) -> bool:
        """Whether the territories offered are communes."""
        return all(r.level == TerritoryLevel.COMMUNE for r in self.choices)


def detect_place(q: str) -> PlaceMatch | None:
    """The place the text `q` names at its start or end (see the module docstring), or None."""
    words = q.replace("(", " (").split()  # "Montreuil(93)": the code is a word
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
    # The name of each span and, when a département code is beside it, the name and the code.
    keys = {s: _key(words[s[0] : s[1]]) for s in spans if s[1] - s[0] <= MAX_PLACE_WORDS}
    coded = {s: beside for s in spans if (beside := _beside_code(words, *s))}
    names = list(keys.values()) + [name for name, _code in coded.values()]
    named = communes_named(names)  # no query when no commune has one of these names
    areas = areas_named(names + [k[2:] for k in names if k.startswith(_ELIDED)])  # no query
    for span in spans:
        decided = None
        if span in keys:
            key = keys[span]
            decided = _decide(key, named.get(key, []), _areas(key, areas, words, *span))
        if decided is None and span in coded:
            decided = _decide_coded(*coded[span], named, areas)
        if decided is None:
            continue
        applied, choices = decided
        if span[1] - span[0] < len(words) and is_organisation_name(q):
            return None
        return _match(q, words, span[0], span[1], applied, choices)
    return None


def _spans(n: int) -> list[tuple[int, int]]:
    """Word ranges at the start or the end, longest first; at equal length the end first
    ("atelier paris"). One word longer than a name: a name and its département code."""
    spans: list[tuple[int, int]] = []
    for size in range(min(n, MAX_PLACE_WORDS + 1), 0, -1):
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


def _beside_code(words: list[str], start: int, end: int) -> tuple[str, str] | None:
    """(name key, département code) when the span is a name with a département code after or
    before it ("Montreuil 93", "Montreuil (93)", "93 Montreuil"), else None."""
    if end - start < 2:
        return None
    if m := _BESIDE.match(words[end - 1]):
        name = words[start : end - 1]
    elif m := _BESIDE.match(words[start]):
        name = words[start + 1 : end]
    else:
        return None
    key = _key(name)
    return (key, m.group(1).upper()) if key and len(name) <= MAX_PLACE_WORDS else None


def _areas(
    key: str, areas: dict[str, list[NamedArea]], words: list[str], start: int, end: int
) -> list[NamedArea]:
    """The départements and régions the span names: by its key, or by its key without an
    elided article ("l'Aube"); an everyday word only when introduced (module docstring)."""
    elided = key.startswith(_ELIDED) and key[2:] in areas
    found = areas.get(key[2:] if elided else key, [])
    if found and found[0].key in EVERYDAY_NAMES:
        introduced = elided or (start == 0 and end == len(words))
        if start > 0 and place_key(words[start - 1]) in _LINK_WORDS | _ARTICLES:
            introduced = True
        if not introduced:
            return []
    return found


def _code_refs(code: str) -> list[TerritoryRef]:
    """The communes of a postcode, or the commune of an INSEE code."""
    refs = postcode_communes(code)
    if not refs and (ref := territory_get(TerritoryLevel.COMMUNE, code)) is not None:
        refs = [ref]
    return refs


def _decide(key: str, found: list[NamedCommune], areas: list[NamedArea]) -> Decision | None:
    """(applied, choices) for the communes and the départements or régions named `key`, or
    None when the name is not taken as a place (too small a commune: an ordinary word)."""
    arrondissements = [c for c in found if c.kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT]
    if arrondissements:
        return (arrondissements[0].ref,), ()
    areas = _distinct(areas, found)
    floor = SEVERAL_WORDS_MIN_POPULATION if " " in key else ONE_WORD_MIN_POPULATION
    if areas:
        return _decide_with_areas(areas, found, floor)
    if not found:
        return None
    best = found[0]
    if best.population < floor or (" " not in key and _a_word_of_names(key, best.ref.code)):
        return None
    others = tuple(c.ref for c in found[1:MAX_CHOICES])
    if len(found) == 1 or best.population >= CLEAR_LEAD * found[1].population:
        return (best.ref,), others
    return (), tuple(c.ref for c in found[:MAX_CHOICES])


def _distinct(areas: list[NamedArea], communes: list[NamedCommune]) -> list[NamedArea]:
    """The areas that are not another territory of the name under a second level: a
    département whose only commune has its name (Paris: the commune stands for it), a région
    with a département of its name (La Réunion: the département stands for it)."""
    departements = {a.ref.code: a for a in areas if a.ref.level == TerritoryLevel.DEPARTEMENT}
    return [
        a
        for a in areas
        if not (
            a.ref.level == TerritoryLevel.DEPARTEMENT
            and a.communes == 1
            and any(c.departement_code == a.ref.code for c in communes)
        )
        and not (
            a.ref.level == TerritoryLevel.REGION
            and any(d.region_code == a.ref.code for d in departements.values())
        )
    ]


def _decide_with_areas(
    areas: list[NamedArea], communes: list[NamedCommune], floor: int
) -> Decision:
    """The homonym rule with départements and régions: the most populated of the areas and of
    the communes above `floor` applies when it has CLEAR_LEAD times the next one's inhabitants;
    every other territory of the name (small communes too) is a choice."""
    ranked = sorted(
        [(a.population, a.ref) for a in areas]
        + [(c.population, c.ref) for c in communes if c.population >= floor],
        key=lambda pair: -pair[0],
    )
    small = [c.ref for c in communes if c.population < floor]
    if len(ranked) == 1 or ranked[0][0] >= CLEAR_LEAD * ranked[1][0]:
        others = [ref for _people, ref in ranked[1:]] + small
        return (ranked[0][1],), tuple(others[: MAX_CHOICES - 1])
    return (), tuple(([ref for _people, ref in ranked] + small)[:MAX_CHOICES])


def _decide_coded(
    key: str, code: str, named: dict[str, list[NamedCommune]], areas: dict[str, list[NamedArea]]
) -> Decision | None:
    """The commune named `key` in the département `code` (its homonyms there, if any, as
    choices), else the département or région of that name and code, else None."""
    communes = [c for c in named.get(key, []) if c.departement_code == code]
    if communes:
        return (communes[0].ref,), tuple(c.ref for c in communes[1:MAX_CHOICES])
    for area in areas.get(key, []):
        if area.ref.code == code:
            return (area.ref,), ()
    return None


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
    # "atelier à Paris", "insertion dans le Nord": the linking words say no more.
    while before and place_key(before[-1]) in _LINK_WORDS | _ARTICLES:
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
