"""GET /api/v1/organisations: the Atlas search (public, no authentication).

Same parameters and meaning as the /atlas/ page (atelier.directory.selectors.search); unlike the
page, an invalid filter value is an error (422) rather than being ignored."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from atelier.api.access import PUBLIC, access
from atelier.api.errors import ApiError, ParamsInvalid
from atelier.directory.selectors.search import (
    FACETS,
    MAX_PAGE_SIZE,
    ResultRow,
    SearchParams,
    search,
)

router = Router(tags=["organisations"])


class CodeLabel(Schema):
    code: str
    label: str


class OrganisationSummary(Schema):
    id: int
    siren: str | None = Field(
        description="SIREN (9 chiffres), absent pour les structures sans SIREN."
    )
    name: str
    acronym: str
    ess_family: CodeLabel = Field(description="Famille de l'ESS.")
    ess_rule: str = Field(
        description="Règle qui place l'organisation dans l'ESS : sirene_flag, legal_category "
        "ou staff_approval."
    )
    legal_category: CodeLabel | None = Field(description="Catégorie juridique INSEE.")
    naf: str | None = Field(description="Code NAF de l'activité principale.")
    commune: CodeLabel | None = Field(description="Commune du siège (code INSEE et nom).")
    departement: str | None = Field(description="Code du département du siège.")
    themes: list[CodeLabel]
    approvals: list[CodeLabel]
    url: str = Field(description="Fiche de l'organisation sur l'Atlas (page HTML).")
    api_url: str = Field(description="Fiche détaillée de l'organisation dans l'API.")
    distance_km: float | None = Field(
        None,
        description="Recherche autour d'un lieu (autour, ou lat et lon) : distance en km, à "
        "0,01 km près, entre le centre et l'établissement ouvert de l'organisation le plus "
        "proche ; absent sinon.",
    )


class TerritoryRefOut(Schema):
    key: str = Field(description="Valeur du paramètre territoire, ex. commune:75120.")
    label: str = Field(description="Libellé, ex. « Paris 20e Arrondissement (75) ».")


class PlaceOut(Schema):
    phrase: str = Field(description="Les mots de q compris comme un lieu, tels que saisis.")
    text: str = Field(description="Le texte effectivement cherché (q sans le lieu).")
    applied: list[TerritoryRefOut] = Field(
        description="Territoires appliqués comme filtre (vide quand le nom est ambigu et "
        "qu'aucune commune ne l'emporte nettement)."
    )
    choices: list[TerritoryRefOut] = Field(
        description="Autres communes de ce nom (homonymes), à passer dans territoire avec q "
        "égal à `text` sans le lieu ; lieu=texte cherche q tel quel."
    )


class CenterOut(Schema):
    latitude: float
    longitude: float
    label: str = Field(description="La commune (ex. « Montreuil (93) ») ou « votre position ».")
    commune: str | None = Field(description="Code INSEE de la commune, absent pour un point.")
    radius_km: int = Field(description="Rayon de la recherche, en km.")


class FacetValueOut(Schema):
    value: str = Field(description="Valeur à passer dans le paramètre du même nom.")
    label: str
    count: int | None = Field(
        description="Nombre d'organisations avec ce choix, les autres filtres étant appliqués "
        "(absent pour un territoire englobant la sélection)."
    )
    selected: bool


class OrganisationPage(Schema):
    count: int = Field(description="Nombre total d'organisations correspondant à la recherche.")
    page: int
    page_size: int
    num_pages: int = Field(description="Nombre de pages consultables (au plus 1 000 résultats).")
    results: list[OrganisationSummary]
    facets: dict[str, list[FacetValueOut]] = Field(
        description="Pour chaque filtre (" + ", ".join(FACETS) + "), ses valeurs avec leur "
        "nombre d'organisations ; le territoire descend d'un niveau sous la sélection."
    )
    place: PlaceOut | None = Field(
        None,
        description="Le lieu lu dans q (code postal, code de département seul, nom de commune, "
        "de département ou de région au début ou à la fin, « Paris 20e », commune suivie de "
        "son code de département « Montreuil (93) »…), quand aucun territoire n'est donné et "
        "que lieu n'est pas « texte » ; absent sinon.",
    )
    center: CenterOut | None = Field(
        None, description="Recherche autour d'un lieu : son centre et son rayon ; absent sinon."
    )


class SearchFilters(Schema):
    """The Atlas search filters (same names and meaning as the /atlas/ page). Every filter but
    q is repeatable: values of one filter are alternatives (OR), filters combine (AND)."""

    q: str | None = Field(None, description="Texte recherché (accents et pluriels indifférents).")
    famille: list[str] | None = Field(
        None, description="Famille ESS : association, cooperative, mutual, foundation, other."
    )
    forme: list[str] | None = Field(
        None, description="Code de catégorie juridique INSEE (4 chiffres)."
    )
    naf: list[str] | None = Field(None, description="Lettre de section NAF (A à U).")
    theme: list[str] | None = Field(None, description="Thème, par exemple insertion, culture.")
    agrement: list[str] | None = Field(
        None, description="Agrément, par exemple esus, siae_ei, scop."
    )
    effectif: list[str] | None = Field(
        None, description="Tranche d'effectifs INSEE, par exemple 11."
    )
    territoire: list[str] | None = Field(
        None,
        description="Territoire niveau:code : region:11, departement:93, epci:…, ept:…, "
        "commune:93066. Sans territoire, un lieu écrit dans q (75020, 93, Montreuil, "
        "Montreuil (93), Paris 20e, Seine-Saint-Denis, Bretagne) est appliqué comme "
        "territoire (voir `place` dans la réponse).",
    )
    lieu: str | None = Field(
        None, description="« texte » : q est cherché tel quel, sans y lire de lieu."
    )
    autour: str | None = Field(
        None,
        description="Recherche autour d'une commune : nom, code postal ou code INSEE. Les "
        "résultats sont alors triés par distance (distance_km).",
    )
    lat: float | None = Field(
        None, description="Recherche autour d'un point : latitude en degrés (avec lon)."
    )
    lon: float | None = Field(
        None, description="Recherche autour d'un point : longitude en degrés (avec lat)."
    )
    rayon: int | None = Field(
        None,
        ge=2,
        le=100,
        description="Rayon de la recherche autour, en km (2 à 100, 10 par défaut).",
    )
    zone: str | None = Field(
        None,
        description="Zone de la carte : ouest,sud,est,nord en degrés (minlon,minlat,maxlon,"
        "maxlat) ; les organisations ayant un établissement ouvert dans la zone.",
    )


def _summary(request: HttpRequest, row: ResultRow, api_base: str) -> dict:
    return {
        "id": row.id,
        "siren": row.siren or None,
        "name": row.name,
        "acronym": row.acronym,
        "ess_family": {"code": row.ess_family.code, "label": row.ess_family.label},
        "ess_rule": row.ess_rule,
        "legal_category": (
            {"code": row.legal_category.code, "label": row.legal_category.label}
            if row.legal_category
            else None
        ),
        "naf": row.naf or None,
        "commune": {"code": row.commune.code, "label": row.commune.label} if row.commune else None,
        "departement": row.departement or None,
        "themes": [{"code": t.code, "label": t.label} for t in row.themes],
        "approvals": [{"code": a.code, "label": a.label} for a in row.approvals],
        "url": request.build_absolute_uri(reverse("directory:organisation", args=[row.id])),
        "api_url": f"{api_base}/{row.id}",
        "distance_km": round(row.distance_km, 2) if row.distance_km is not None else None,
    }


def _ref(ref) -> dict:
    return {"key": ref.key, "label": ref.label}


@router.get(
    "",
    openapi_extra=access(PUBLIC),
    response={200: OrganisationPage, 404: ApiError, 422: ApiError},
    url_name="organisations-list",
    summary="Rechercher des organisations de l'Atlas (public)",
    description=(
        "Accès public, sans authentification. Recherche plein texte en français et filtres de "
        "l'Atlas, avec le nombre d'organisations par valeur de chaque filtre (facettes). Par "
        "défaut, seules les organisations de l'ESS en activité sont retenues. Les résultats "
        "sont triés par pertinence quand `q` est donné, sinon par nom. Une valeur de filtre "
        "invalide est une erreur 422 ; une page au-delà de la dernière, une 404."
    ),
)
def organisations_list(
    request: HttpRequest,
    page: int = Query(1, ge=1, description="Numéro de page, à partir de 1."),
    page_size: int = Query(
        20, ge=1, le=MAX_PAGE_SIZE, description=f"Résultats par page (au plus {MAX_PAGE_SIZE})."
    ),
    filters: Query[SearchFilters] = None,  # type: ignore[assignment]  # documented, read below
):
    params = SearchParams.from_querydict(request.GET)
    if params.errors:
        raise ParamsInvalid(params.errors)
    result = search(params, page_size=page_size)
    if page > max(result.num_pages, 1):
        raise HttpError(
            404,
            _(
                "La page %(page)d n'existe pas : cette recherche compte %(pages)d page(s) "
                "consultable(s) de %(size)d résultats."
            )
            % {"page": page, "pages": result.num_pages, "size": result.page_size},
        )
    api_base = request.build_absolute_uri(reverse("api:organisations-list"))
    return {
        "count": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "num_pages": result.num_pages,
        "results": [_summary(request, row, api_base) for row in result.results],
        "facets": {
            facet.name: [
                {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                for v in facet.values
            ]
            for facet in result.facets
        },
        "place": (
            {
                "phrase": place.phrase,
                "text": place.text,
                "applied": [_ref(r) for r in place.applied],
                "choices": [_ref(r) for r in place.choices],
            }
            if (place := params.place) is not None
            else None
        ),
        "center": (
            {
                "latitude": center.latitude,
                "longitude": center.longitude,
                "label": center.label,
                "commune": center.commune_code or None,
                "radius_km": params.rayon,
            }
            if (center := params.center) is not None
            else None
        ),
    }
