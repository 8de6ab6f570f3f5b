"""Read access to territories and nomenclatures for the other apps."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Commune, LegalCategory, NafCode, PostalCode


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
