"""Map clusters of the Atlas: GET /api/v1/map/clusters (public, cacheable for a minute)."""

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from atelier.api.access import PUBLIC, access
from atelier.api.errors import ApiError, ParamsInvalid
from atelier.directory.selectors.map import (
    MAX_FEATURES,
    MAX_ZOOM,
    MapQueryError,
    map_clusters,
    parse_bbox,
    validate_zoom,
)
from atelier.directory.selectors.search import SearchParams

router = Router(tags=["carte"])

CACHE_CONTROL = "public, max-age=60"


class MapCluster(Schema):
    lat: float = Field(description="Latitude de la position moyenne des établissements (WGS84).")
    lon: float = Field(description="Longitude de la position moyenne des établissements.")
    n: int = Field(description="Nombre d'établissements du groupe (au moins 2).")
    bbox: list[float] = Field(
        description="Emprise des établissements du groupe [ouest, sud, est, nord], "
        "pour zoomer dessus.",
        min_length=4,
        max_length=4,
    )
    fc: list[int] = Field(
        description="Nombre d'établissements du groupe par famille ESS, dans l'ordre "
        "association, coopérative, mutuelle, fondation, autre forme (les zéros de fin sont "
        "omis) : la première famille la plus nombreuse donne la couleur du groupe.",
        max_length=5,
    )


class MapPoint(Schema):
    lat: float = Field(description="Latitude de l'établissement (WGS84).")
    lon: float = Field(description="Longitude de l'établissement.")
    id: int = Field(description="Identifiant de l'organisation (/atlas/organisations/{id}/).")
    name: str = Field(description="Nom de l'organisation (abrégé au-delà de 80 caractères).")
    f: int = Field(
        description="Famille ESS de l'organisation : 0 association, 1 coopérative, "
        "2 mutuelle, 3 fondation, 4 autre forme.",
        ge=0,
        le=4,
    )


class MapClusters(Schema):
    zoom: int = Field(description="Le zoom demandé.")
    cell: int = Field(
        description="Côté des cellules de regroupement en pixels à ce zoom (64, ou plus "
        "quand la vue est très grande)."
    )
    total: int = Field(
        description="Nombre d'établissements ouverts des organisations retenues dans les "
        "cellules couvrant bbox."
    )
    features: list[MapCluster | MapPoint] = Field(
        description=f"Au plus {MAX_FEATURES} éléments : des groupes (avec `n` et `bbox`) et des "
        "établissements isolés (avec `id` et `name`)."
    )


class MapFilters(Schema):
    """The Atlas search filters (same names and meaning as the /atlas/ page)."""

    q: str | None = Field(None, description="Texte recherché.")
    famille: list[str] | None = Field(
        None, description="Famille ESS : association, cooperative, mutual, foundation, other."
    )
    forme: list[str] | None = Field(None, description="Code de catégorie juridique INSEE.")
    naf: list[str] | None = Field(None, description="Lettre de section NAF.")
    theme: list[str] | None = Field(None, description="Thème, par exemple insertion.")
    agrement: list[str] | None = Field(None, description="Agrément, par exemple esus, siae_ei.")
    effectif: list[str] | None = Field(None, description="Code de tranche d'effectifs INSEE.")
    territoire: str | None = Field(
        None, description="Territoire niveau:code, par exemple departement:93."
    )


@router.get(
    "/clusters",
    openapi_extra=access(PUBLIC),
    response={200: MapClusters, 422: ApiError},
    url_name="map-clusters",
    summary="Groupes d'acteurs sur la carte",
    description=(
        "Regroupe sur une grille de 64 pixels les établissements ouverts des organisations "
        "correspondant aux filtres de l'Atlas, dans l'emprise `bbox` au zoom `zoom`. Les "
        "cellules d'un seul établissement sont renvoyées comme points. Les filtres invalides "
        "sont ignorés, comme sur la page de recherche."
    ),
)
def clusters(
    request: HttpRequest,
    bbox: str = Query(
        ...,
        description="Emprise ouest,sud,est,nord en degrés (WGS84), par exemple -5.5,41.2,9.8,51.2.",
    ),
    zoom: int = Query(..., ge=0, le=MAX_ZOOM, description=f"Niveau de zoom, de 0 à {MAX_ZOOM}."),
    filters: Query[MapFilters] = None,  # type: ignore[assignment]  # documented, read below
) -> HttpResponse:
    try:
        box = parse_bbox(bbox)
    except MapQueryError as exc:
        raise ParamsInvalid([str(exc)], param="bbox") from None
    try:
        validate_zoom(zoom)
    except MapQueryError as exc:
        raise ParamsInvalid([str(exc)], param="zoom") from None
    params = SearchParams.from_querydict(request.GET)
    result = map_clusters(params, box, zoom)
    response = HttpResponse(result.to_json(), content_type="application/json")
    response["Cache-Control"] = CACHE_CONTROL
    return response
