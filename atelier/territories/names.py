"""Normalised place names: what the loader matches GeoNames with and what lookups compare.

`place_key("L'Haÿ-les-Roses")` -> "l hay les roses"; "St-Denis" and "Saint Denis" give the same
key, and so do "d'Azur" and "d’Azur". Keys hold only ASCII lower-case letters, digits and single
spaces."""

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
ARTICLES = ("les ", "le ", "la ", "l ")


def fold(text: str) -> str:
    """Lower case without diacritics (é -> e, œ -> oe, ß -> ss)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def place_key(name: str) -> str:
    """The comparison key of a place name (accents, case, punctuation and "St" folded)."""
    text = name.lower()
    if not text.isascii():
        text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
        decomposed = unicodedata.normalize("NFKD", text)
        # Accents go; any other non-ASCII sign separates words like its ASCII twin would (the
        # typographic apostrophe of "Côte d’Azur", "Val-d’Arguenon", a dash "–").
        text = "".join(
            c if c.isascii() else " " for c in decomposed if not unicodedata.combining(c)
        )
    words = _NON_ALNUM.sub(" ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def without_article(key: str) -> str:
    """The key without its leading article ("le havre" -> "havre"), or the key itself."""
    for article in ARTICLES:
        if key.startswith(article) and len(key) > len(article):
            return key[len(article) :]
    return key


def moved_article(key: str) -> str:
    """ "lilas les" (a name written "Lilas (Les)") -> "les lilas"; other keys unchanged."""
    for article in ARTICLES:
        word = article.strip()
        if key.endswith(" " + word):
            return f"{word} {key[: -len(word) - 1]}"
    return key
