"""GET /api/v1/organisations/{key}: one organisation of the Atlas, by id, SIREN (9 digits) or the
SIRET (14 digits) of one of its establishments.

Same visibility as the public page (atelier.directory.selectors.organisations): organisations
in the ESS perimeter only; member networks by name, never their private contact fields."""

from datetime import date, datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from atelier.api.access import PUBLIC, access
from atelier.api.errors import ApiError
from atelier.directory.selectors.approvals import ApprovalInfo, approval_infos
from atelier.directory.selectors.organisations import (
    OrganisationNotFound,
    ess_rule_info,
    organisation_detail,
)

router = Router(tags=["organisations"])


def _approval(info: ApprovalInfo) -> dict:
    source = info.source
    network = (
        {"slug": source.network_slug, "name": source.network_name or ""}
        if source.network_slug
        else None
    )
    return {
        "code": info.code,
        "label": info.label,
        "source": {
            "code": source.code or None,
            "label": source.label,
            "network": network,
            "recorded_on": source.on,
            "text": source.text,
        },
    }


class CodeLabel(Schema):
    code: str
    label: str


class EssRuleOut(Schema):
    code: str
    title: str
    explanation: str


class EstablishmentOut(Schema):
    id: int
    siret: str | None
    name: str
    address_complement: str
    street: str
    postcode: str
    commune_code: str | None
    commune_name: str | None
    is_head_office: bool
    is_open: bool
    closed_on: date | None = Field(
        description="Date de fermeture d'un établissement fermé (répertoire SIRENE : début "
        "de la période où il est fermé) ; absente pour un établissement ouvert ou quand la "
        "source ne la donne pas."
    )
    latitude: float | None
    longitude: float | None
    geo_precision: str


class NetworkOut(Schema):
    slug: str
    name: str


class ApprovalSourceOut(Schema):
    code: str | None = Field(
        description="D'où vient l'agrément : members (liste d'adhérents importée), staff "
        "(décision de l'équipe, que les imports conservent), demo (données de "
        "démonstration) ; null quand aucune source n'est enregistrée."
    )
    label: str
    network: NetworkOut | None = Field(
        description="Le réseau dont la liste d'adhérents ou l'équipe l'a enregistré, s'il y en "
        "a un."
    )
    recorded_on: date | None = Field(description="Date de l'import ou de la décision.")
    text: str = Field(description="La source en une phrase, dans la langue de la requête.")


class ApprovalOut(Schema):
    code: str
    label: str
    source: ApprovalSourceOut


class OrganisationDetailOut(Schema):
    id: int
    siren: str | None
    name: str
    acronym: str
    url: str
    ess_family: CodeLabel
    ess_rule: EssRuleOut
    legal_category: CodeLabel | None
    naf: CodeLabel | None
    approvals: list[ApprovalOut] = Field(
        description="Agréments et statuts détenus, chacun avec sa source."
    )
    themes: list[CodeLabel]
    description: str
    website: str
    creation_date: date | None
    headcount_band: CodeLabel
    is_active: bool
    source: str
    updated_at: datetime
    establishments: list[EstablishmentOut]
    networks: list[NetworkOut]


@router.get(
    "/{key}",
    openapi_extra=access(PUBLIC),
    response={200: OrganisationDetailOut, 404: ApiError},
    summary="Fiche d'une organisation (par identifiant, SIREN ou SIRET)",
)
def organisation_get(request: HttpRequest, key: str):
    try:
        org = organisation_detail(key)
    except OrganisationNotFound:
        raise HttpError(
            404,
            _("Aucune organisation de l'Atlas n'a l'identifiant, le SIREN ou le SIRET « %(key)s ».")
            % {"key": key[:40]},
        ) from None
    rule = ess_rule_info(org)
    return {
        "id": org.pk,
        "siren": org.siren,
        "name": org.name,
        "acronym": org.acronym,
        "url": request.build_absolute_uri(reverse("directory:organisation", args=[org.pk])),
        "ess_family": {"code": org.ess_family, "label": str(org.get_ess_family_display())},
        "ess_rule": {"code": rule.code, "title": rule.title, "explanation": rule.explanation},
        "legal_category": (
            {"code": org.legal_category.code, "label": org.legal_category.label}
            if org.legal_category
            else None
        ),
        "naf": {"code": org.naf.code, "label": org.naf.label} if org.naf else None,
        "approvals": [_approval(a) for a in approval_infos(org)],
        "themes": [{"code": t.name.lower(), "label": str(t.label)} for t in org.themes],
        "description": org.description,
        "website": org.website,
        "creation_date": org.creation_date,
        "headcount_band": {
            "code": org.headcount_band,
            "label": str(org.get_headcount_band_display()),
        },
        "is_active": org.is_active,
        "source": org.source,
        "updated_at": org.updated_at,
        "establishments": [
            {
                "id": e.pk,
                "siret": e.siret,
                "name": e.name,
                "address_complement": e.address_complement,
                "street": e.street,
                "postcode": e.postcode,
                "commune_code": e.commune_id,
                "commune_name": e.commune.name if e.commune_id else None,
                "is_head_office": e.is_head_office,
                "is_open": e.is_open,
                "closed_on": None if e.is_open else e.closed_on,
                "latitude": e.latitude,
                "longitude": e.longitude,
                "geo_precision": e.geo_precision,
            }
            for e in org.establishments.all()
        ],
        "networks": [
            {"slug": m.network.slug, "name": m.network.name} for m in org.public_memberships
        ],
    }
