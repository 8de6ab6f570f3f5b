"""GET /api/v1/territories: look-up of régions, départements, EPCI/EPT and communes by code,
postcode or name, and the detail of one territory with its parent levels."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from atelier.api.access import PUBLIC, access
from atelier.api.errors import ApiError
from atelier.territories.enums import TerritoryLevel
from atelier.territories.selectors import TerritoryRef, territory_detail, territory_lookup

router = Router(tags=["territoires"])

LEVELS = ", ".join(TerritoryLevel.values)


class TerritoryOut(Schema):
    level: str = Field(description=f"Niveau : {LEVELS}.")
    code: str = Field(description="Code INSEE (commune, département, région) ou SIREN (EPCI, EPT).")
    name: str
    label: str = Field(description="Libellé pour les personnes, ex. « Saint-Denis (93) ».")
    key: str = Field(
        description="Valeur du paramètre de recherche `territoire`, ex. commune:93066."
    )


class PositionOut(Schema):
    latitude: float
    longitude: float
    precision: str = Field(
        description="geonames (position de la commune), approx_epci, approx_dep ou approx_parent "
        "(approximations : centre de l'intercommunalité, du département, commune mère)."
    )


class TerritoryDetailOut(TerritoryOut):
    parents: list[TerritoryOut] = Field(
        description="Niveaux englobants : commune mère, EPT, EPCI, département, région."
    )
    kind: str = Field(
        "",
        description="Commune : COM ou ARM (arrondissement municipal) ; EPCI : CC, CA, CU, METRO…",
    )
    population: int | None = None
    position: PositionOut | None = None
    postal_codes: list[str] = []
    commune_count: int | None = Field(None, description="Communes du territoire (hors commune).")


class LookupParams(Schema):
    q: str = Field(
        description="Code INSEE, SIREN, code postal ou début de nom (obligatoire, non vide).",
        max_length=200,
        pattern=r"\S",
    )
    limit: int = Field(10, ge=1, le=50, description="Nombre maximal de résultats.")


def _out(ref: TerritoryRef) -> dict:
    return {
        "level": ref.level,
        "code": ref.code,
        "name": ref.name,
        "label": ref.label,
        "key": ref.key,
    }


@router.get(
    "",
    openapi_extra=access(PUBLIC),
    response={200: list[TerritoryOut], 422: ApiError},
    summary="Chercher un territoire",
    description="Par code exact (commune, département, région, SIREN d'EPCI ou d'EPT), par code "
    "postal (les communes desservies) ou par début de nom, sans tenir compte des accents ni de "
    "la casse. Les meilleurs résultats d'abord : régions, départements, intercommunalités, "
    "puis communes par population.",
)
def lookup(request: HttpRequest, params: Query[LookupParams]):
    return [_out(ref) for ref in territory_lookup(params.q, limit=params.limit)]


@router.get(
    "/{level}/{code}",
    openapi_extra=access(PUBLIC),
    response={200: TerritoryDetailOut, 404: ApiError},
    summary="Détail d'un territoire",
    description=f"Niveaux : {LEVELS}. Pour une commune : niveaux englobants, population, "
    "position et précision, codes postaux.",
)
def detail(request: HttpRequest, level: str, code: str):
    found = territory_detail(level, code.upper()) if level in TerritoryLevel.values else None
    if found is None:
        raise HttpError(404, _("Territoire inconnu : %(key)s.") % {"key": f"{level}:{code}"[:60]})
    position = None
    if found.latitude is not None and found.longitude is not None:
        position = {
            "latitude": found.latitude,
            "longitude": found.longitude,
            "precision": found.position_precision,
        }
    return {
        **_out(found.ref),
        "parents": [_out(ref) for ref in found.parents],
        "kind": found.kind,
        "population": found.population,
        "position": position,
        "postal_codes": list(found.postal_codes),
        "commune_count": found.commune_count,
    }
