"""The Atlas search as people write it: parameters from the URL (validated, with French messages
for what is left out), their canonical query string, and the normalised text query.

Limits bound the work of every search whatever the client sends."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.fr import siren, siret

from atelier.search.conditions import Words
from atelier.territories.enums import EssFamily
from atelier.territories.selectors import TerritoryRef, territory_parse

from ..enums import Approval, HeadcountBand, Theme
from ..text import (
    MAX_WORD_CHARS,
    MAX_WORDS,
    distinct_words,
    fold,
    fuzzy_forms,
    typed_words,
    words_key,
)
from .around import (
    DEFAULT_RADIUS_KM,
    AroundError,
    Center,
    Zone,
    decimal_text,
    parse_commune,
    parse_point,
    parse_radius,
    parse_zone,
)
from .places import PlaceMatch, detect_place

# -- limits ----------------------------------------------------------------------------------

MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = MAX_WORDS
MAX_TOKEN_CHARS = MAX_WORD_CHARS
MAX_VALUES_PER_FILTER = 30
MAX_PAGE_SIZE = 100
# Pages go at most this deep (offsets cost).
MAX_BROWSABLE = 1000
# Long facet lists (legal forms, communes) show their most frequent values only.
MAX_FACET_VALUES = 40
# As-you-type: the last word also matches the index terms 1..PREFIX_BACKOFF characters shorter
# (a partly typed "cooperat" must find the stem "cooper" of "coopératives").
PREFIX_BACKOFF = 3
PREFIX_MIN_CHARS = 3

FACETS = ("famille", "forme", "naf", "theme", "agrement", "effectif", "territoire")
FACET_LEGENDS = {
    "famille": gettext_lazy("Famille de l'ESS"),
    "forme": gettext_lazy("Forme juridique"),
    "naf": gettext_lazy("Secteur d'activité (NAF)"),
    "theme": gettext_lazy("Thématique"),
    "agrement": gettext_lazy("Agrément ou statut"),
    "effectif": gettext_lazy("Effectif salarié"),
    "territoire": gettext_lazy("Territoire"),
}
THEMES_BY_NAME = {t.name.lower(): t for t in Theme}
APPROVALS_BY_NAME = {a.name.lower(): a for a in Approval}
FAMILY_VALUES = [f.value for f in EssFamily]
BAND_VALUES = [b.value for b in HeadcountBand]
_FORME = re.compile(r"^\d{4}$")
NAF_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")


# -- parameters ------------------------------------------------------------------------------


def page_number(raw: str | None) -> int | None:
    """The page number written in `raw` (absent = 1), or None when it is not one: ASCII digits
    only (`str.isdigit` also accepts "²" or "٣", which `int` then refuses or reads), >= 1,
    capped at a million."""
    raw = (raw or "1").strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        return None
    return min(int(raw), 10**6)


@dataclass
class SearchParams:
    """The Atlas search, as in the URL. Build it with `from_querydict`: invalid values are left
    out and described in `errors` (French sentences)."""

    q: str = ""
    famille: list[str] = field(default_factory=list)
    forme: list[str] = field(default_factory=list)
    naf: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    agrement: list[str] = field(default_factory=list)
    effectif: list[str] = field(default_factory=list)
    territoire: list[str] = field(default_factory=list)
    # Around a commune (INSEE code) or a point (lat/lon, degrees as text), within `rayon` km.
    autour: str = ""
    lat: str = ""
    lon: str = ""
    rayon: int = DEFAULT_RADIUS_KM
    # The map's area: "minlon,minlat,maxlon,maxlat".
    zone: str = ""
    # "texte": the text is searched as typed, no place is read in it.
    lieu: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list, compare=False)
    # The territories of `territoire`, resolved (labels, levels); filled by from_querydict.
    territories: list[TerritoryRef] = field(default_factory=list, compare=False, repr=False)
    # Resolved by from_querydict (or __post_init__): the centre, the zone, the place read in
    # the text as typed (its territories are then in `territoire`, its other words in `q`).
    center: Center | None = field(default=None, compare=False, repr=False)
    zone_box: Zone | None = field(default=None, compare=False, repr=False)
    place: PlaceMatch | None = field(default=None, compare=False, repr=False)
    # A value the page cannot ignore was refused (rayon, autour, lat/lon, zone): a 400 page.
    invalid: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if self.territoire and len(self.territories) != len(self.territoire):
            self.territories = [r for k in self.territoire if (r := territory_parse(k))]
        try:
            if self.zone and self.zone_box is None:
                self.zone_box = parse_zone(self.zone)
            if (self.autour or self.lat) and self.center is None:
                self.center = parse_commune(self.autour) or parse_point(self.lat, self.lon)
        except AroundError:
            pass

    @classmethod
    def from_querydict(cls, data: Any) -> SearchParams:
        """From request.GET (or any mapping with `getlist`)."""
        errors: list[str] = []

        def getlist(name: str) -> list[str]:
            raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
            if isinstance(raw, str):
                raw = [raw]
            values: list[str] = []
            for v in raw:
                v = str(v).strip()
                if v and v not in values:
                    values.append(v)
            if len(values) > MAX_VALUES_PER_FILTER:
                errors.append(
                    _("Trop de valeurs pour « %(name)s » : les %(max)d premières sont gardées.")
                    % {"name": name, "max": MAX_VALUES_PER_FILTER}
                )
                values = values[:MAX_VALUES_PER_FILTER]
            return values

        def keep(name: str, values: list[str], valid) -> list[str]:
            kept = []
            for v in values:
                if valid(v):
                    kept.append(v)
                else:
                    errors.append(
                        _("« %(value)s » n'est pas une valeur possible pour « %(name)s ».")
                        % {"value": v[:60], "name": name}
                    )
            return kept

        q = data.get("q", "") or ""
        q = " ".join(str(q).split())
        if len(q) > MAX_QUERY_CHARS:
            errors.append(
                _("La recherche est trop longue : seuls les %(max)d premiers caractères sont pris.")
                % {"max": MAX_QUERY_CHARS}
            )
            q = q[:MAX_QUERY_CHARS]
        params = cls(
            q=q,
            famille=keep("famille", getlist("famille"), lambda v: v in FAMILY_VALUES),
            forme=keep("forme", getlist("forme"), lambda v: bool(_FORME.match(v))),
            naf=keep("naf", [v.upper() for v in getlist("naf")], NAF_SECTIONS.__contains__),
            theme=keep("theme", [v.lower() for v in getlist("theme")], THEMES_BY_NAME.__contains__),
            agrement=keep(
                "agrement", [v.lower() for v in getlist("agrement")], APPROVALS_BY_NAME.__contains__
            ),
            effectif=keep("effectif", getlist("effectif"), lambda v: v in BAND_VALUES),
        )
        for key in getlist("territoire"):
            ref = territory_parse(key)
            if ref is None:
                errors.append(
                    _(
                        "« %(value)s » n'est pas un territoire connu (forme attendue : "
                        "departement:93, commune:93066, region:11…)."
                    )
                    % {"value": key[:60]}
                )
            elif ref.key not in params.territoire:
                params.territoire.append(ref.key)
                params.territories.append(ref)
        params.lieu = "texte" if str(data.get("lieu", "")).strip() == "texte" else ""
        if params.q and not params.territoire and not params.lieu:
            params.place = detect_place(params.q)
            if params.place is not None and params.place.applied:
                params.q = params.place.text
                params.territories = list(params.place.applied)
                params.territoire = [r.key for r in params.place.applied]
        params.invalid = not _around_from(params, data, errors)
        raw_page = str(data.get("page", "") or "1").strip()
        if (number := page_number(raw_page)) is not None:
            params.page = number
        else:
            errors.append(
                _("Le numéro de page « %(value)s » n'est pas valide.") % {"value": raw_page[:20]}
            )
        params.errors = errors
        return params

    @property
    def is_filtered(self) -> bool:
        """True when a text, a facet, a place or a zone restricts the search."""
        return bool(
            self.q
            or any(getattr(self, name) for name in FACETS)
            or self.center is not None
            or self.zone_box is not None
        )

    def items(self, *, page: bool = True) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        if self.lieu:
            pairs.append(("lieu", self.lieu))
        for name in FACETS:
            pairs.extend((name, v) for v in getattr(self, name))
        if self.center is not None:
            if self.center.commune_code:
                pairs.append(("autour", self.center.commune_code))
            else:
                pairs += [("lat", self.lat), ("lon", self.lon)]
            pairs.append(("rayon", str(self.rayon)))
        if self.zone_box is not None:
            pairs.append(("zone", self.zone_box.value))
        if page and self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def to_querystring(self, *, page: bool = True) -> str:
        """The canonical query string (no leading '?'); `page=False` leaves the page out."""
        return urlencode(self.items(page=page))

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page, errors=[], territories=list(self.territories))

    def without(self, name: str, value: str | None = None) -> SearchParams:
        """These parameters without one filter value (or without the text when name == 'q',
        the centre when 'autour', the zone when 'zone'), back on page 1 — for the removable
        chips."""
        if name == "q":
            return replace(self, q="", page=1, errors=[], territories=list(self.territories))
        if name == "autour":
            return replace(
                self,
                autour="",
                lat="",
                lon="",
                rayon=DEFAULT_RADIUS_KM,
                center=None,
                page=1,
                errors=[],
                territories=list(self.territories),
            )
        if name == "zone":
            return replace(
                self, zone="", zone_box=None, page=1, errors=[], territories=list(self.territories)
            )
        values = [v for v in getattr(self, name) if value is not None and v != value]
        changes: dict[str, Any] = {name: values, "page": 1, "errors": []}
        changes["territories"] = (
            [t for t in self.territories if t.key in values]
            if name == "territoire"
            else list(self.territories)
        )
        return replace(self, **changes)


def _around_from(params: SearchParams, data: Any, errors: list[str]) -> bool:
    """Read rayon, autour (or else lat/lon: the visitor's position) and zone into `params`;
    False when one of them was refused (described in `errors`)."""

    def get(name: str) -> str:
        return str(data.get(name, "") or "")

    valid = True
    try:
        params.rayon = parse_radius(get("rayon"))
    except AroundError as exc:
        errors.append(str(exc))
        valid = False
    try:
        center = parse_commune(get("autour")) or parse_point(get("lat"), get("lon"))
    except AroundError as exc:
        errors.append(str(exc))
        center, valid = None, False
    if center is not None:
        params.center = center
        params.autour = center.commune_code
        if not center.commune_code:
            params.lat = decimal_text(center.latitude)
            params.lon = decimal_text(center.longitude)
    try:
        params.zone_box = parse_zone(get("zone"))
    except AroundError as exc:
        errors.append(str(exc))
        valid = False
    params.zone = params.zone_box.value if params.zone_box is not None else ""
    return valid


# -- full text -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextQuery:
    """Normalised query words: all must match; the last one as a prefix too, or as one of its
    shorter forms (a partly typed "cooperat" must find the stem "cooper"); a word of five
    letters or more also through a typo (one edit, `fuzzy`: the index only).

    For the ranking: `key` is the exact-name key of the words (directory.text.words_key) and
    `typed` the words as typed (lower case, accents kept), for the SQL name tiers."""

    words: tuple[str, ...]
    last_alternatives: tuple[str, ...]  # exact terms also accepted for the last word
    fuzzy: tuple[tuple[str, ...], ...] = ()  # per word: the forms it may be one edit from
    key: str = ""
    typed: tuple[str, ...] = ()

    def condition(self, field: str = "search_text") -> Words:
        """The text as a condition of the shared filter model (index and column
        `search_text`)."""
        return Words(field, self.words, self.last_alternatives, self.fuzzy)


_SAFE_TOKEN = re.compile(r"^[^\W_]+$", re.UNICODE)
# Digit groups separated by spaces, dots or dashes: a SIREN or SIRET as people write it.
_DIGIT_RUN = re.compile(r"\d+(?:[\s.\-]+\d+)+")
_SIRET = re.compile(r"(?<!\d)\d{14}(?!\d)")


def _identifier(groups: list[str]) -> tuple[str, int] | None:
    """The SIREN of the longest run of `groups` from the first one that makes a valid SIRET
    (its first nine digits) or SIREN, and how many groups it took; None when none does."""
    for end in range(len(groups), 1, -1):
        number = "".join(groups[:end])
        if len(number) == 14 and siret.is_valid(number):
            return number[:9], end
        if len(number) == 9 and siren.is_valid(number):
            return number, end
    return None


def _joined_identifiers(match: re.Match) -> str:
    groups = re.findall(r"\d+", match.group())
    out: list[str] = []
    i = 0
    while i < len(groups):
        found = _identifier(groups[i:])
        if found is None:
            out.append(groups[i])
            i += 1
        else:
            out.append(found[0])
            i += found[1]
    return " ".join(out)


def identifiers_compacted(q: str) -> str:
    """`q` with each SIREN or SIRET written in groups ("482 345 675", "482 345 675 00012")
    joined, and each SIRET (also written in one piece) replaced by its SIREN — the organisation's
    token in the index and in `search_text`. Numbers that are not a valid SIREN/SIRET
    (python-stdnum: length and Luhn key) are left as they are."""
    q = _DIGIT_RUN.sub(_joined_identifiers, q)
    return _SIRET.sub(lambda m: m.group()[:9] if siret.is_valid(m.group()) else m.group(), q)


def text_query(q: str) -> TextQuery | None:
    """The normalised form of the text `q`, or None when it holds no searchable word."""
    q = identifiers_compacted(q[:MAX_QUERY_CHARS])
    pairs = [(w, t) for w, t in typed_words(q) if _SAFE_TOKEN.match(t)]
    words = distinct_words([t for _w, t in pairs])
    if not words:
        return None
    last = words[-1]
    raw_last = tokens_raw_last(q)
    alternatives = []
    for source in (raw_last,):
        for cut in range(1, PREFIX_BACKOFF + 1):
            t = source[:-cut]
            if len(t) >= PREFIX_MIN_CHARS and not t.startswith(last) and t not in alternatives:
                alternatives.append(t)
    typed_of = {t[:MAX_TOKEN_CHARS]: w for w, t in reversed(pairs)}  # first typed form wins
    fuzzy = tuple(fuzzy_forms(typed_of[w], w) for w in words)
    return TextQuery(
        tuple(words),
        tuple(alternatives),
        fuzzy if any(fuzzy) else (),
        key=words_key(words),
        typed=tuple(distinct_words([w.replace("’", "'") for w, _t in pairs])),
    )


def tokens_raw_last(q: str) -> str:
    """The last word of `q` folded but not stemmed ('' when none)."""
    found = re.findall(r"[^\W_]+", fold(q[-MAX_QUERY_CHARS:]))
    last = found[-1][:MAX_TOKEN_CHARS] if found else ""
    return last if _SAFE_TOKEN.match(last or "-") else ""
