"""French text normalisation shared by indexing and querying, so that both databases see the same
tokens: lower case, French Snowball stem, then accents folded ("Coopératives" -> "cooper")."""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("french")
# Elided articles and pronouns (l'atelier, d'insertion, qu'il) are cut before stemming.
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
STOPWORDS = frozenset(
    (
        "a au aux avec ce ces d dans de des du en et la le les l leur leurs ou par pour sur un une"
    ).split()
)


def fold(text: str) -> str:
    """Lower case without diacritics (é -> e, œ -> oe)."""
    if text.isascii():  # nothing to decompose: the common case, kept fast
        return text.lower()
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return fold(_STEMMER.stemWord(word))


def stem_cache_clear() -> None:
    """Forget the cached stems (bulk writers, to release memory at the end of a long run)."""
    _stem.cache_clear()


def tokens(text: str) -> list[str]:
    """Index/query tokens of `text`, in order, stop words dropped."""
    text = text.lower()
    if "'" in text or "’" in text:
        text = _ELISION.sub(" ", text)
    # Numbers (SIRENs, street numbers) are their own token: the stemmer leaves digits alone, and
    # they would only crowd the cache of stems out.
    return [
        w if w.isdigit() and w.isascii() else _stem(w)
        for w in _WORD.findall(text)
        if w not in STOPWORDS
    ]


def search_text(*parts: str | None) -> str:
    """The normalised text stored in Organisation.search_text (space-separated tokens)."""
    return " ".join(t for part in parts if part for t in tokens(part))


@lru_cache(maxsize=50_000)
def search_text_cached(part: str) -> str:
    """`search_text(part)` for the strings that recur across many organisations (commune names,
    NAF labels, theme labels): bulk writers tokenise each of them once."""
    return search_text(part)


# -- query words and name keys ----------------------------------------------------------------

# Bounds of a query (and of a name key, built the same way): distinct words, each cut.
MAX_WORDS = 8
MAX_WORD_CHARS = 40
# Typos: one edit is tolerated on words of at least this many letters (as typed, folded).
FUZZY_MIN_LETTERS = 5


def typed_words(text: str) -> list[tuple[str, str]]:
    """(word as typed in lower case; its token) for each word of `text` that `tokens` keeps,
    in order: what a query needs to decide on typos and to compare with names in SQL."""
    text = text.lower()
    if "'" in text or "’" in text:
        text = _ELISION.sub(" ", text)
    return [
        (w, w if w.isdigit() and w.isascii() else _stem(w))
        for w in _WORD.findall(text)
        if w not in STOPWORDS
    ]


def distinct_words(words: list[str]) -> list[str]:
    """The first MAX_WORDS distinct words, each cut at MAX_WORD_CHARS characters."""
    found: list[str] = []
    for w in words:
        w = w[:MAX_WORD_CHARS]
        if w not in found:
            found.append(w)
    return found[:MAX_WORDS]


def words_key(words: list[str]) -> str:
    """The exact-name key of a name's or a query's tokens: the distinct ones in order
    ("L'Atelier" and a query "l'atelier" both give "ateli"); '' when there is none."""
    return " ".join(distinct_words(words))


def fuzzy_forms(word: str, token: str) -> tuple[str, ...]:
    """Index terms a typed `word` (of token `token`) may be one edit away from: none for numbers
    and words shorter than FUZZY_MIN_LETTERS letters once folded; else its stem, and the stem of
    the word without a final s/x — the stemmer keeps a plural s after some letters only, so a
    typo can change the stem's ending ("emaus" -> "emaus", but "Emmaüs" -> "emmau")."""
    word = fold(word)
    if len(word) < FUZZY_MIN_LETTERS or not word.isalpha():
        return ()
    forms = [token[:MAX_WORD_CHARS]]
    if word[-1] in "sx":
        bare = fold(_STEMMER.stemWord(word[:-1]))[:MAX_WORD_CHARS]
        if bare not in forms:
            forms.append(bare)
    return tuple(forms)
