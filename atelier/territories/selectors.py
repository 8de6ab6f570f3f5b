"""Read access to territories and nomenclatures for the other apps."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .enums import TerritoryLevel
from .models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    Region,
)


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
        )
    }


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


@dataclass(frozen=True, slots=True)
class TerritoryRef:
    """A territory at any level, as the search filters and the API name it: `level:code`."""

    level: str  # TerritoryLevel value: region, departement, epci, ept, commune
    code: str
    name: str
    label: str  # for people: "Saint-Denis (93)", "Seine-Saint-Denis (93)", "Plaine Commune (EPT)"

    @property
    def key(self) -> str:
        return f"{self.level}:{self.code}"


def _ref_region(code: str, name: str) -> TerritoryRef:
    return TerritoryRef(TerritoryLevel.REGION, code, name, name)


def _ref_departement(code: str, name: str) -> TerritoryRef:
    return TerritoryRef(TerritoryLevel.DEPARTEMENT, code, name, f"{name} ({code})")


def _ref_grouping(code: str, name: str, kind: str) -> TerritoryRef:
    level = TerritoryLevel.EPT if kind == "EPT" else TerritoryLevel.EPCI
    return TerritoryRef(level, code, name, f"{name} ({kind})")


def _ref_commune(code: str, name: str, departement_code: str) -> TerritoryRef:
    return TerritoryRef(TerritoryLevel.COMMUNE, code, name, f"{name} ({departement_code})")


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
    """Human labels of several territories of one level, by code (for facet display)."""
    if level == TerritoryLevel.REGION:
        rows = Region.objects.filter(code__in=codes).values_list("code", "name")
        return {c: _ref_region(c, n).label for c, n in rows}
    if level == TerritoryLevel.DEPARTEMENT:
        rows = Departement.objects.filter(code__in=codes).values_list("code", "name")
        return {c: _ref_departement(c, n).label for c, n in rows}
    if level in (TerritoryLevel.EPCI, TerritoryLevel.EPT):
        g_rows = Grouping.objects.filter(code__in=codes).values_list("code", "name", "kind")
        return {c: _ref_grouping(c, n, k).label for c, n, k in g_rows}
    if level == TerritoryLevel.COMMUNE:
        c_rows = Commune.objects.filter(code__in=codes).values_list(
            "code", "name", "departement_id"
        )
        return {c: _ref_commune(c, n, d).label for c, n, d in c_rows}
    return {}


def regions() -> list[TerritoryRef]:
    return [
        _ref_region(c, n) for c, n in Region.objects.order_by("name").values_list("code", "name")
    ]


def departements() -> list[TerritoryRef]:
    rows = Departement.objects.order_by("code").values_list("code", "name")
    return [_ref_departement(c, n) for c, n in rows]
