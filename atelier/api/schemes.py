"""The schemes catalogue and the orientation (public, no authentication):

- `GET /api/v1/schemes`: the catalogue, filterable (kind, state, territory, audience, stage,
  project, legal form, need, sector, text), each scheme with its parameters in force today;
- `GET /api/v1/schemes/{slug}`: one scheme, with the whole history of its dated parameters and
  its conditions in plain French;
- `POST /api/v1/orientation`: the questionnaire's answers (atelier.support.profile.Profile) ->
  every scheme ranked, each with `eligible` and its explanation (the conditions that held and
  failed, with the values compared)."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from atelier.api.access import PUBLIC, access
from atelier.api.errors import PATTERN_MESSAGES, ApiError, ParamsInvalid
from atelier.directory.enums import HeadcountBand
from atelier.support.enums import (
    LegalForm,
    Need,
    Project,
    SchemeKind,
    SchemeState,
    Situation,
    Stage,
)
from atelier.support.profile import Profile
from atelier.support.rules.texts import value_label
from atelier.support.selectors.catalogue import today
from atelier.support.selectors.orientation import OrientationError, SchemeAnswer, orient
from atelier.support.selectors.places import NAF_SECTIONS, places_resolve
from atelier.support.selectors.schemes import (
    FilterError,
    SchemeFilters,
    SchemeRow,
    scheme_detail,
    schemes_list,
)

router = Router(tags=["dispositifs"])

KindName = Literal[tuple(SchemeKind.values)]  # type: ignore[valid-type]
StateName = Literal[tuple(SchemeState.values)]  # type: ignore[valid-type]
StageName = Literal[tuple(Stage.values)]  # type: ignore[valid-type]
ProjectName = Literal[tuple(Project.values)]  # type: ignore[valid-type]
LegalFormName = Literal[tuple(LegalForm.values)]  # type: ignore[valid-type]
SituationName = Literal[tuple(Situation.values)]  # type: ignore[valid-type]
AudienceName = Literal[tuple(s for s in Situation.values if s != "none")]  # type: ignore[valid-type]
NeedName = Literal[tuple(Need.values)]  # type: ignore[valid-type]
SectorName = Literal[NAF_SECTIONS]  # type: ignore[valid-type]
SectorOrNone = Literal[("", *NAF_SECTIONS)]  # type: ignore[valid-type]
BandOrNone = Literal[("", *HeadcountBand.values)]  # type: ignore[valid-type]
COMMUNE_PATTERN = r"^(\d{5}|2[AB]\d{3})$"
PATTERN_MESSAGES[COMMUNE_PATTERN] = gettext_lazy(
    "code INSEE de commune attendu : 5 caractères, par exemple 75119 (Paris 19e) ou 2A004."
)


class KeyLabel(Schema):
    key: str = Field(description="Territoire niveau:code, ex. departement:75.")
    label: str


class OperatorOut(Schema):
    name: str = Field(description="Qui porte le dispositif.")
    url: str | None = Field(description="Sa fiche dans l'Atlas ; absent quand il n'en a pas.")


class ParameterOut(Schema):
    name: str = Field(description="Nom du paramètre, ex. montant_maximum.")
    label: str
    value: float
    shown: str = Field(description="La valeur écrite pour les personnes, ex. « 30 000 € ».")
    start: datetime.date = Field(description="En vigueur à partir de ce jour.")
    is_example: bool = Field(
        description="Valeur d'exemple : aucun document ne la donne, l'opérateur la fixe."
    )
    source: str = Field(description="Le document d'où vient la valeur.")


class ParameterDatedOut(ParameterOut):
    in_force: bool = Field(description="La valeur qui s'applique aujourd'hui.")
    future: bool = Field(description="Une valeur qui s'appliquera à partir de `start`.")


class SourceOut(Schema):
    title: str
    url: str


class SchemeOut(Schema):
    slug: str
    name: str
    kind: KindName
    kind_label: str
    summary: str
    operator: OperatorOut
    variant_of: str | None = Field(description="Le dispositif national qu'il décline.")
    perimeter: list[KeyLabel]
    audiences: list[AudienceName] = Field(description="Publics réservés (vide : tous).")
    stages: list[StageName] = Field(description="Étapes du projet (vide : toutes).")
    projects: list[ProjectName] = Field(description="Types de projet (vide : tous).")
    legal_forms: list[LegalFormName] = Field(description="Formes juridiques (vide : toutes).")
    needs: list[NeedName] = Field(description="Besoins couverts.")
    sectors: list[SectorName] = Field(description="Sections NAF réservées (vide : toutes).")
    state: StateName
    state_label: str
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    parameters: list[ParameterOut] = Field(description="Les paramètres en vigueur ce jour.")
    sources: list[SourceOut]
    last_checked_on: datetime.date | None = Field(description="Faits vérifiés le.")
    stale: bool = Field(description="Faits à vérifier de nouveau (jamais ou il y a longtemps).")
    url: str = Field(description="La page du dispositif (HTML).")


class SchemeList(Schema):
    on: datetime.date = Field(description="Le jour des paramètres en vigueur.")
    count: int
    results: list[SchemeOut]


class ConditionOut(Schema):
    code: str
    description: str = Field(description="La condition en français courant.")


class RuleOut(Schema):
    key: str
    title: str


class SchemeDetailOut(SchemeOut):
    rule: RuleOut
    conditions: list[ConditionOut] = Field(description="Les conditions en vigueur ce jour.")
    history: list[ParameterDatedOut] = Field(description="Toutes les valeurs datées.")


class SchemeQuery(Schema):
    kind: KindName | None = Field(None, description="Nature du dispositif.")
    state: StateName | None = Field(None, description="État du dispositif.")
    territory: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="Les dispositifs offerts dans tout ou partie d'un territoire : niveau:code "
        "(country:FR, region:11, departement:75, epci:…, ept:…, commune:93066, "
        "arrondissement:75119) ou le code INSEE d'une commune (75119 = Paris 19e).",
    )
    audience: AudienceName | None = Field(None, description="Ouverts à ce public.")
    stage: StageName | None = Field(None, description="Ouverts à cette étape du projet.")
    project: ProjectName | None = Field(None, description="Ouverts à ce type de projet.")
    legal_form: LegalFormName | None = Field(None, description="Ouverts à cette forme.")
    need: NeedName | None = Field(None, description="Qui couvrent ce besoin.")
    sector: SectorName | None = Field(None, description="Ouverts à cette section NAF.")
    q: str | None = Field(None, max_length=100, description="Texte cherché dans le nom et la "
                          "présentation.")  # fmt: skip


class ProfileIn(Schema):
    """The questionnaire's answers (atelier.support.profile.Profile). No personal data."""

    stage: StageName = Field(description="Où en est le projet.")
    project: ProjectName = Field(description="Ce qu'est le projet.")
    commune: str = Field(
        pattern=COMMUNE_PATTERN,
        description="Code INSEE de la commune du projet, arrondissement municipal possible "
        "(75119 = Paris 19e).",
    )
    legal_form: LegalFormName = Field("undecided", description="Forme juridique voulue.")
    amount: int | None = Field(
        None, ge=0, le=100_000_000, description="Montant cherché en euros (absent : non dit)."
    )
    situations: list[SituationName] = Field(
        default_factory=list, max_length=10, description="Situations du porteur de projet."
    )
    sector: SectorOrNone = Field("", description="Section NAF de l'activité (vide : inconnue).")
    needs: list[NeedName] = Field(default_factory=list, max_length=10, description="Besoins.")
    headcount_band: BandOrNone = Field(
        "", description="Tranche d'effectifs INSEE d'une structure existante (vide : aucune)."
    )
    on: datetime.date | None = Field(
        None, description="Le jour où appliquer les règles (aujourd'hui par défaut)."
    )


class CheckOut(Schema):
    code: str = Field(description="La condition, ex. amount_min, perimeter, stage.")
    held: bool
    text: str = Field(description="Ce qui a été comparé, ex. « montant demandé 4 000 € < "
                      "minimum 5 000 € ».")  # fmt: skip


class AnswerOut(Schema):
    rank: int = Field(description="Rang, à partir de 1 : les dispositifs accessibles d'abord.")
    slug: str
    name: str
    kind: KindName
    kind_label: str
    operator: str
    operator_url: str | None
    eligible: bool
    score: int = Field(description="Adéquation après l'éligibilité : besoins couverts, public "
                       "visé, montant, proximité.")  # fmt: skip
    reasons: list[str] = Field(description="Pourquoi ce rang, en phrases.")
    checks: list[CheckOut] = Field(description="Chaque condition, remplie ou non.")
    failed: list[str] = Field(description="Les codes des conditions non remplies.")
    url: str


class CommuneOut(Schema):
    code: str
    name: str


class OrientationOut(Schema):
    on: datetime.date
    commune: CommuneOut
    count: int
    eligible_count: int
    results: list[AnswerOut]


def _operator_url(request: HttpRequest, operator_id: int | None) -> str | None:
    if not operator_id:
        return None
    return request.build_absolute_uri(reverse("directory:organisation", args=[operator_id]))


def _parameter(p) -> dict:
    return {
        "name": p.name,
        "label": p.label,
        "value": float(p.value),
        "shown": p.shown,
        "start": p.start,
        "is_example": p.is_example,
        "source": p.source,
    }


def _scheme(request: HttpRequest, row: SchemeRow) -> dict:
    spec = row.spec
    return {
        "slug": spec.slug,
        "name": spec.name,
        "kind": spec.kind,
        "kind_label": row.kind_label,
        "summary": spec.summary,
        "operator": {"name": spec.operator_name, "url": _operator_url(request, spec.operator_id)},
        "variant_of": spec.variant_of or None,
        "perimeter": [{"key": k, "label": label} for k, label in row.perimeter],
        "audiences": sorted(spec.audiences),
        "stages": sorted(spec.stages),
        "projects": sorted(spec.projects),
        "legal_forms": sorted(spec.legal_forms),
        "needs": sorted(spec.needs),
        "sectors": sorted(spec.sectors),
        "state": spec.state,
        "state_label": row.state_label,
        "opens_on": spec.opens_on,
        "closes_on": spec.closes_on,
        "parameters": [_parameter(p) for p in row.parameters],
        "sources": [{"title": s.get("title", ""), "url": s.get("url", "")} for s in spec.sources],
        "last_checked_on": spec.last_checked_on,
        "stale": row.stale,
        "url": request.build_absolute_uri(reverse("support:scheme", args=[spec.slug])),
    }


@router.get(
    "/schemes",
    openapi_extra=access(PUBLIC),
    response={200: SchemeList, 422: ApiError},
    summary="Le catalogue des dispositifs (public)",
    description="Accès public, sans authentification. Tous les dispositifs (financements, "
    "accompagnements, tests d'activité, appels à projets, dispositifs d'insertion), par nom, "
    "avec les paramètres en vigueur aujourd'hui, leurs dates et leurs sources ; les valeurs "
    "d'exemple sont marquées. Les filtres se combinent (ET) ; un filtre sur une liste du "
    "dispositif (publics, étapes…) garde aussi les dispositifs ouverts à tous. Une valeur "
    "inconnue (territoire compris) est une erreur 422.",
)
def schemes(request: HttpRequest, filters: Query[SchemeQuery]):
    wanted = SchemeFilters(**{k: v or "" for k, v in filters.dict().items()})
    try:
        rows = schemes_list(wanted)
    except FilterError as exc:
        raise ParamsInvalid([m for _p, m in exc.messages], param=exc.messages[0][0]) from None
    return {"on": today(), "count": len(rows), "results": [_scheme(request, r) for r in rows]}


@router.get(
    "/schemes/{slug}",
    openapi_extra=access(PUBLIC),
    response={200: SchemeDetailOut, 404: ApiError, 422: ApiError},
    summary="Un dispositif, ses conditions et l'historique de ses paramètres (public)",
    description="Accès public. Le dispositif, ses conditions en vigueur aujourd'hui en "
    "français courant, et toutes les valeurs datées de ses paramètres (passées, en vigueur, "
    "à venir) avec leur source. Identifiant inconnu : 404.",
)
def scheme(request: HttpRequest, slug: str):
    detail = scheme_detail(slug)
    if detail is None:
        raise HttpError(
            404, _("Aucun dispositif n'a l'identifiant « %(slug)s ».") % {"slug": slug[:80]}
        )
    return {
        **_scheme(request, detail),
        "rule": {"key": detail.spec.rule, "title": detail.rule_title},
        "conditions": [{"code": c, "description": d} for c, d in detail.conditions],
        "history": [
            {**_parameter(p), "in_force": p.in_force, "future": p.future} for p in detail.history
        ],
    }


def _answer(request: HttpRequest, a: SchemeAnswer) -> dict:
    return {
        "rank": a.rank,
        "slug": a.slug,
        "name": a.name,
        "kind": a.kind,
        "kind_label": value_label("kind", a.kind),
        "operator": a.operator,
        "operator_url": _operator_url(request, a.operator_id),
        "eligible": a.eligible,
        "score": a.score,
        "reasons": list(a.reasons),
        "checks": [{"code": c.code, "held": c.held, "text": c.text} for c in a.checks],
        "failed": [c.code for c in a.failed],
        "url": request.build_absolute_uri(reverse("support:scheme", args=[a.slug])),
    }


@router.post(
    "/orientation",
    openapi_extra=access(PUBLIC),
    response={200: OrientationOut, 400: ApiError, 422: ApiError},
    summary="Orienter un projet : chaque dispositif, accessible ou non, et pourquoi (public)",
    description="Accès public, sans authentification ; rien n'est enregistré. Les réponses du "
    "questionnaire (aucune donnée personnelle) donnent tous les dispositifs du catalogue, "
    "classés : ceux qui sont accessibles d'abord, puis ceux où le moins de conditions "
    "manquent ; à égalité, les besoins couverts, le public visé, le montant, la proximité "
    "(`reasons`). Chaque dispositif dit quelles conditions sont remplies et lesquelles ne le "
    "sont pas, avec les valeurs comparées (`checks`). Les paramètres appliqués sont ceux en "
    "vigueur le jour `on`. Une commune inconnue est une erreur 422.",
)
def orientation(request: HttpRequest, body: ProfileIn):
    profile = Profile(
        stage=body.stage,
        project=body.project,
        commune=body.commune,
        legal_form=body.legal_form,
        amount=body.amount,
        situations=frozenset(body.situations),
        sector=body.sector,
        needs=frozenset(body.needs),
        headcount_band=body.headcount_band,
        on=body.on,
    )
    try:
        answers = orient(profile)
    except OrientationError as exc:
        raise ParamsInvalid([m for _f, m in exc.messages], param=exc.messages[0][0]) from None
    place = places_resolve([body.commune])[body.commune]
    return {
        "on": body.on or today(),
        "commune": {"code": place.code, "name": place.name},
        "count": len(answers),
        "eligible_count": sum(a.eligible for a in answers),
        "results": [_answer(request, a) for a in answers],
    }
