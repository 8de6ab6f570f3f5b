"""Read access to territories and nomenclatures for the other apps."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q, QuerySet

from .enums import CommuneKind, GroupingKind, TerritoryLevel
from .geography import LEVEL_COLUMN as LEVEL_COLUMN  # re-exported for the other apps
from .geography import LEVEL_DEPTH as LEVEL_DEPTH
from .geography import arrondissement_parents as arrondissement_parents
from .geography import commune_codes as commune_codes
from .geography import commune_departement as commune_departement
from .models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    Region,
)
from .named import NamedArea as NamedArea
from .named import NamedCommune as NamedCommune
from .named import areas_named as areas_named
from .named import communes_named as communes_named
from .names import place_key
from .reference import TerritoryRef as TerritoryRef
from .reference import cached as _cached
from .reference import ref_commune as _ref_commune
from .reference import ref_departement as _ref_departement
from .reference import ref_grouping as _ref_grouping
from .reference import ref_region as _ref_region
from .reference import reference_labels_forget as reference_labels_forget


@dataclass(frozen=True, slots=True)
class CommunePlace:
    """What other apps need of a commune, without touching the model."""

    code: str
    name: str
    departement_code: str
    region_code: str
    epci_code: str
    ept_code: str
    latitude: float
    longitude: float
    position_precision: str
    postal_codes: tuple[str, ...]
    population: int | None = None


def commune_places(codes: list[str] | None = None) -> dict[str, CommunePlace]:
    """Communes (and municipal arrondissements) by INSEE code; all of them when `codes` is None."""
    qs = Commune.objects.all()
    if codes is not None:
        qs = qs.filter(code__in=codes)
    postal: dict[str, list[str]] = {}
    pc_qs = PostalCode.objects.all()
    if codes is not None:
        pc_qs = pc_qs.filter(commune_id__in=codes)
    for code, commune_id in pc_qs.values_list("code", "commune_id"):
        postal.setdefault(commune_id, []).append(code)
    return {
        c.code: CommunePlace(
            code=c.code,
            name=c.name,
            departement_code=c.departement_id,
            region_code=c.region_id,
            epci_code=c.epci_id or "",
            ept_code=c.ept_id or "",
            latitude=c.latitude,
            longitude=c.longitude,
            position_precision=c.position_precision,
            postal_codes=tuple(sorted(postal.get(c.code, ()))),
            population=c.population,
        )
        for c in qs.only(
            "code",
            "name",
            "departement_id",
            "region_id",
            "epci_id",
            "ept_id",
            "latitude",
            "longitude",
            "position_precision",
            "population",
        )
    }


def commune_levels() -> list[tuple[str, str, str, str, str, int | None]]:
    """(code, département, région, EPCI, EPT, population) of every commune and municipal
    arrondissement ('' when in no EPCI or EPT), in one query of plain values: what a copy of
    the reference by level needs (the observatory checks its copy against it at every
    refresh)."""
    rows = Commune.objects.values_list(
        "code", "departement_id", "region_id", "epci_id", "ept_id", "population"
    )
    return [(code, dep, reg, epci or "", ept or "", pop) for code, dep, reg, epci, ept, pop in rows]


def commune_territories(codes: Iterable[str]) -> dict[str, tuple[str, str, str, str, str]]:
    """Code -> (name, département, région, EPCI, EPT; '' when in no EPCI or EPT) of the
    communes and municipal arrondissements `codes` the reference knows: what placing a
    commune in its territories needs, on every orientation. Plain SQL on the model's own
    table and columns (a tenth of the ORM's cost for one commune), by chunks of parameters."""
    wanted = list(dict.fromkeys(codes))
    meta, quote = Commune._meta, connection.ops.quote_name
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    names = ("code", "name", "departement", "region", "epci", "ept")
    columns = ", ".join(quote(column[n]) for n in names)
    table, key = quote(meta.db_table), quote(column["code"])
    found = {}
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), _CODES_PER_QUERY):
            chunk = wanted[start : start + _CODES_PER_QUERY]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})",  # noqa: S608 (quoted)
                chunk,
            )
            for code, name, dep, reg, epci, ept in cursor.fetchall():
                found[code] = (name, dep, reg, epci or "", ept or "")
    return found


_CODES_PER_QUERY = 500


def commune_place(code: str) -> CommunePlace | None:
    return commune_places([code]).get(code)


def legal_category_families() -> dict[str, str]:
    """INSEE legal category code -> ESS family."""
    return dict(LegalCategory.objects.values_list("code", "ess_family"))


def naf_codes() -> dict[str, tuple[str, str]]:
    """NAF code (e.g. '88.99B') -> (section letter, label)."""
    return {
        code: (section, label)
        for code, section, label in NafCode.objects.values_list("code", "section", "label")
    }


def legal_categories() -> QuerySet[LegalCategory]:
    return LegalCategory.objects.order_by("code")


def territory_get(level: str, code: str) -> TerritoryRef | None:
    """The territory `level:code`, or None when it does not exist."""
    if level == TerritoryLevel.REGION:
        r = Region.objects.filter(code=code).values_list("code", "name").first()
        return _ref_region(*r) if r else None
    if level == TerritoryLevel.DEPARTEMENT:
        d = Departement.objects.filter(code=code).values_list("code", "name").first()
        return _ref_departement(*d) if d else None
    if level in (TerritoryLevel.EPCI, TerritoryLevel.EPT):
        kinds = {"EPT"} if level == TerritoryLevel.EPT else None
        qs = Grouping.objects.filter(code=code)
        qs = qs.filter(kind__in=kinds) if kinds else qs.exclude(kind="EPT")
        g = qs.values_list("code", "name", "kind").first()
        return _ref_grouping(*g) if g else None
    if level == TerritoryLevel.COMMUNE:
        c = Commune.objects.filter(code=code).values_list("code", "name", "departement_id").first()
        return _ref_commune(*c) if c else None
    return None


def territory_parse(key: str) -> TerritoryRef | None:
    """`departement:93` -> TerritoryRef, or None for a malformed or unknown key."""
    level, sep, code = (key or "").partition(":")
    return territory_get(level, code.strip()) if sep else None


def territory_labels(level: str, codes: list[str]) -> dict[str, str]:
    """Human labels of several territories of one level, by code (for facet display), from the
    per-process cache of reference labels (see `_labels`)."""
    if level == TerritoryLevel.REGION:
        return _labels(
            "regions",
            codes,
            lambda: {
                c: _ref_region(c, n).label for c, n in Region.objects.values_list("code", "name")
            },
        )
    if level == TerritoryLevel.DEPARTEMENT:
        return _labels(
            "departements",
            codes,
            lambda: {
                c: _ref_departement(c, n).label
                for c, n in Departement.objects.values_list("code", "name")
            },
        )
    if level in (TerritoryLevel.EPCI, TerritoryLevel.EPT):
        return _labels(
            "groupings",
            codes,
            lambda: {
                c: _ref_grouping(c, n, k).label
                for c, n, k in Grouping.objects.values_list("code", "name", "kind")
            },
        )
    if level == TerritoryLevel.COMMUNE:
        return _labels(
            "communes",
            codes,
            lambda: {
                c: _ref_commune(c, n, d).label
                for c, n, d in Commune.objects.values_list("code", "name", "departement_id")
            },
        )
    return {}


def regions() -> list[TerritoryRef]:
    return [
        _ref_region(c, n) for c, n in Region.objects.order_by("name").values_list("code", "name")
    ]


def departements() -> list[TerritoryRef]:
    rows = Departement.objects.order_by("code").values_list("code", "name")
    return [_ref_departement(c, n) for c, n in rows]


# ---------------------------------------------------------------------------------------------
# Look-up by code, postcode or name, and details (API, search forms)

_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_DEPARTEMENT_CODE = re.compile(r"^(?:\d{2,3}|2[AB])$")
_SIREN = re.compile(r"^\d{9}$")


def territory_lookup(q: str, limit: int = 10) -> list[TerritoryRef]:
    """Territories matching `q`: an exact code (INSEE commune, département or région code, EPCI
    or EPT SIREN), a postcode (its communes), or the start of a name, accents and case ignored
    ("st denis" finds Saint-Denis). Best first: exact codes (a département before the région
    with the same code: "93" is Seine-Saint-Denis, then PACA), then exact names, then names
    starting with `q`, then names with a word starting with `q`; within each, régions,
    départements, EPCI/EPT, then communes by population."""
    query = (q or "").strip()
    if not query or limit <= 0:
        return []
    found: list[TerritoryRef] = []
    compact = query.replace(" ", "").upper()
    if _COMMUNE_CODE.match(compact):
        found += _communes(Commune.objects.filter(code=compact))
        found += _communes(Commune.objects.filter(postal_codes__code=compact))
    if _DEPARTEMENT_CODE.match(compact):
        code = compact.zfill(2)
        # The département first: "93" is Seine-Saint-Denis before the région whose code is 93.
        found += [
            _ref_departement(c, n)
            for c, n in Departement.objects.filter(code=code).values_list("code", "name")
        ]
        found += [
            _ref_region(c, n)
            for c, n in Region.objects.filter(code=code).values_list("code", "name")
        ]
    if _SIREN.match(compact):
        found += _groupings(Grouping.objects.filter(code=compact))
    key = place_key(query)
    if compact.isdigit() and len(compact) > 2:
        key = ""  # a code or a postcode, not a name
    if key and len(found) < limit:
        for lookup in ("exact", "startswith", "word"):
            found += _by_name(key, lookup, limit)
            if len(_unique(found)) >= limit:
                break
    return _unique(found)[:limit]


def _unique(refs: list[TerritoryRef]) -> list[TerritoryRef]:
    seen: set[str] = set()
    unique = []
    for ref in refs:
        if ref.key not in seen:
            seen.add(ref.key)
            unique.append(ref)
    return unique


def _name_filter(key: str, lookup: str) -> Q:
    if lookup == "exact":
        return Q(search_name=key)
    if lookup == "startswith":
        if connection.vendor == "sqlite":
            # SQLite's LIKE ignores case, so it cannot use the index; keys are plain ASCII, so
            # a range on the binary collation selects exactly the same rows, from the index.
            return Q(search_name__gt=key, search_name__lt=key + "\x7f")
        return Q(search_name__startswith=key) & ~Q(search_name=key)  # varchar_pattern_ops index
    return Q(search_name__contains=" " + key) & ~Q(search_name__startswith=key)


def _communes(qs: QuerySet[Commune], limit: int | None = None) -> list[TerritoryRef]:
    """Communes, the most populated first."""
    rows = qs.order_by(F("population").desc(nulls_last=True), "code").values_list(
        "code", "name", "departement_id"
    )
    return [_ref_commune(*row) for row in (rows[:limit] if limit else rows)]


def _groupings(qs: QuerySet[Grouping], limit: int | None = None) -> list[TerritoryRef]:
    rows = qs.order_by("name").values_list("code", "name", "kind")
    return [_ref_grouping(*row) for row in (rows[:limit] if limit else rows)]


def _by_name(key: str, lookup: str, limit: int) -> list[TerritoryRef]:
    condition = _name_filter(key, lookup)
    refs = [
        _ref_region(c, n)
        for c, n in Region.objects.filter(condition).order_by("name").values_list("code", "name")
    ]
    refs += [
        _ref_departement(c, n)
        for c, n in Departement.objects.filter(condition)
        .order_by("code")
        .values_list("code", "name")
    ]
    refs += _groupings(Grouping.objects.filter(condition), limit)
    refs += _communes(Commune.objects.filter(condition), limit)
    return refs


def postcode_communes(code: str) -> list[TerritoryRef]:
    """The communes a postcode serves, the most populated first; only its municipal
    arrondissements when it serves some (the reference maps 75020 to Paris and to Paris 20e)."""
    qs = Commune.objects.filter(postal_codes__code=code).distinct()
    arrondissements = qs.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT)
    return _communes(arrondissements if arrondissements.exists() else qs)


def departement_ref(code: str) -> TerritoryRef | None:
    """The département `code` ("93", "2A", "974"; case ignored), or None."""
    return territory_get(TerritoryLevel.DEPARTEMENT, code.upper().zfill(2))


@dataclass(frozen=True, slots=True)
class TerritoryDetail:
    """A territory with its parent levels and, for a commune, what the reference knows of it."""

    ref: TerritoryRef
    parents: tuple[TerritoryRef, ...]
    kind: str = ""  # commune: COM or ARM; EPCI/EPT: CC, CA, CU, METRO, MET69, EPT
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    position_precision: str = ""
    postal_codes: tuple[str, ...] = ()
    commune_count: int | None = None  # levels above the commune: current communes inside


def territory_detail(level: str, code: str) -> TerritoryDetail | None:
    """The territory `level:code` with its parents (commune -> commune mère, EPT, EPCI,
    département, région), or None when unknown."""
    ref = territory_get(level, code)
    if ref is None:
        return None
    current = Commune.objects.filter(kind=CommuneKind.COMMUNE)
    if level == TerritoryLevel.REGION:
        return TerritoryDetail(ref, (), commune_count=current.filter(region_id=code).count())
    if level == TerritoryLevel.DEPARTEMENT:
        departement = Departement.objects.select_related("region").get(code=code)
        parents: tuple[TerritoryRef, ...] = (
            _ref_region(departement.region.code, departement.region.name),
        )
        return TerritoryDetail(
            ref, parents, commune_count=current.filter(departement_id=code).count()
        )
    if level in (TerritoryLevel.EPCI, TerritoryLevel.EPT):
        grouping = Grouping.objects.get(code=code)
        field = "ept_id" if grouping.kind == GroupingKind.EPT else "epci_id"
        members = current.filter(**{field: code})
        departements_rows = (
            Departement.objects.filter(code__in=members.values("departement_id"))
            .order_by("code")
            .values_list("code", "name")
        )
        region_rows = (
            Region.objects.filter(code__in=members.values("region_id"))
            .order_by("name")
            .values_list("code", "name")
        )
        parents = tuple(_ref_departement(*row) for row in departements_rows) + tuple(
            _ref_region(*row) for row in region_rows
        )
        return TerritoryDetail(ref, parents, kind=grouping.kind, commune_count=members.count())
    commune = Commune.objects.select_related("parent", "departement", "region", "epci", "ept").get(
        code=code
    )
    parents_list: list[TerritoryRef] = []
    if commune.parent:
        parents_list.append(
            _ref_commune(commune.parent.code, commune.parent.name, commune.departement_id)
        )
    for parent_grouping in (commune.ept, commune.epci):
        if parent_grouping:
            parents_list.append(
                _ref_grouping(parent_grouping.code, parent_grouping.name, parent_grouping.kind)
            )
    parents_list.append(_ref_departement(commune.departement.code, commune.departement.name))
    parents_list.append(_ref_region(commune.region.code, commune.region.name))
    return TerritoryDetail(
        ref,
        tuple(parents_list),
        kind=commune.kind,
        population=commune.population,
        latitude=commune.latitude,
        longitude=commune.longitude,
        position_precision=commune.position_precision,
        postal_codes=tuple(sorted(commune.postal_codes.values_list("code", flat=True).distinct())),
    )


# Labels read from the per-process reference cache (reference.cached: they change only when
# `atelier load-reference` runs, which forgets them; a code not yet cached reloads them).
def _labels(key: str, codes: Iterable[str], build: Callable[[], dict[str, str]]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    labels = _cached(key, build, lambda got: wanted <= got.keys())
    return {c: labels[c] for c in wanted if c in labels}


def naf_section_labels(codes: Iterable[str]) -> dict[str, str]:
    """Labels of NAF sections (A…U) by letter."""
    return _labels(
        "naf_sections",
        codes,
        lambda: dict(NafCode.objects.filter(level=1).values_list("code", "label")),
    )


def legal_category_labels(codes: Iterable[str]) -> dict[str, str]:
    """Labels of INSEE legal categories by code."""
    return _labels(
        "legal_categories", codes, lambda: dict(LegalCategory.objects.values_list("code", "label"))
    )
