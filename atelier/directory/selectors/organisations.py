"""Reads of one organisation for its public page, the API and the exports.

Who is public: an organisation is shown to everyone when it is in the ESS perimeter
(`ess_rule != ''`), whether still active or not (a ceased organisation keeps its page, with a
notice, so that links and exports stay meaningful). Organisations outside the perimeter (for
example SIRENE units imported but not recognised as ESS) have no public page: 404. Staff users
(`is_staff`) may see them, to check an organisation before recognising it.

Member networks are public by name only; the contact fields of a membership are personal data
private to that network's staff and are never loaded here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from ..enums import EssDecision, EssRule, EssSource, GeoPrecision, MembershipStatus
from ..models import Establishment, Organisation, OrganisationMembership, organisation_field

SIREN_RE = re.compile(r"^\d{9}$")
SIRET_RE = re.compile(r"^\d{14}$")
IDENTIFIER_SEPARATORS = re.compile(r"(?<=\d)[\s.]+(?=\d)")

# What each ESS rule means, in words for people (the rule's label is the short name).
ESS_RULE_TITLES = {
    EssRule.SIRENE_FLAG: _("Indicateur ESS du répertoire SIRENE"),
    EssRule.LEGAL_CATEGORY: _(
        "Forme juridique de l'ESS (association, coopérative, mutuelle, fondation)"
    ),
    EssRule.STAFF_APPROVAL: _("Reconnue par l'équipe du réseau"),
}
ESS_RULE_EXPLANATIONS = {
    EssRule.SIRENE_FLAG: _(
        "L'INSEE signale cette organisation comme relevant de l'économie sociale et solidaire "
        "dans le répertoire SIRENE."
    ),
    EssRule.LEGAL_CATEGORY: _(
        "Sa forme juridique fait d'elle, par la loi, une structure de l'économie sociale et "
        "solidaire."
    ),
    EssRule.STAFF_APPROVAL: _(
        "L'équipe du réseau l'a reconnue comme entreprise de l'économie sociale et solidaire "
        "(agrément ESUS, adhésion ou examen de ses statuts)."
    ),
    EssRule.NONE: _("Cette organisation n'est pas rattachée au périmètre de l'ESS."),
}
GEO_PRECISION_SENTENCES = {
    GeoPrecision.ADDRESS: _("position à l'adresse (géolocalisation INSEE)"),
    GeoPrecision.COMMUNE: _("position approchée : centre de la commune"),
    GeoPrecision.APPROXIMATE: _("position approximative"),
    "": _("position inconnue"),
}


class OrganisationNotFound(Exception):
    """No public organisation has this id, SIREN or SIRET."""


def public_organisations() -> QuerySet[Organisation]:
    """Organisations that have a public page (see the module docstring)."""
    return Organisation.objects.in_ess()


def _detail_queryset(*, include_outside_ess: bool) -> QuerySet[Organisation]:
    qs = Organisation.objects.all() if include_outside_ess else public_organisations()
    establishments = Establishment.objects.select_related("commune", "naf").order_by(
        "-is_open", "-is_head_office", "id"
    )
    memberships = (
        OrganisationMembership.objects.filter(status=MembershipStatus.ACTIVE)
        .select_related("network")
        .only("id", "organisation_id", "status", "network__id", "network__name", "network__slug")
        .order_by("network__name")
    )
    return qs.select_related("legal_category", "naf").prefetch_related(
        Prefetch("establishments", queryset=establishments),
        Prefetch("memberships", queryset=memberships, to_attr="public_memberships"),
    )


def organisation_detail(key: str | int, *, include_outside_ess: bool = False) -> Organisation:
    """The organisation with this id (`key` an int, or a text of digits), or this SIREN when
    the text is 9 digits, or the organisation of the establishment with this SIRET when it is
    14 (spaces and dots between groups are ignored: "482 345 675"), with its establishments
    (open and closed, with their communes and NAF codes), legal category, NAF code and active
    memberships' network names: 3 queries.
    Raises OrganisationNotFound."""
    text = str(key).strip()
    number = IDENTIFIER_SEPARATORS.sub("", text)
    qs = _detail_queryset(include_outside_ess=include_outside_ess)
    if isinstance(key, int):
        if not 0 < key < 2**63:
            raise OrganisationNotFound(text)
        lookup: dict[str, Any] = {"pk": key}
    elif SIREN_RE.match(number):
        lookup = {"siren": number}
    elif SIRET_RE.match(number):
        lookup = {"pk__in": Establishment.objects.filter(siret=number).values("organisation_id")}
    elif text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
        lookup = {"pk": int(text)}
    else:
        raise OrganisationNotFound(text)
    try:
        return qs.get(**lookup)
    except Organisation.DoesNotExist:
        raise OrganisationNotFound(text) from None


@dataclass(frozen=True, slots=True)
class EssRuleInfo:
    code: str
    title: str
    explanation: str


def ess_rule_info(org: Organisation) -> EssRuleInfo:
    rule = EssRule(org.ess_rule)
    return EssRuleInfo(
        code=rule.value,
        title=str(ESS_RULE_TITLES.get(rule, rule.label)),
        explanation=str(ESS_RULE_EXPLANATIONS[rule]),
    )


ESS_SOURCE_EXPLANATIONS = {
    EssSource.SIRENE_FLAG: _("Le répertoire SIRENE de l'INSEE la signale comme relevant de l'ESS."),
    EssSource.LEGAL_CATEGORY: _(
        "Sa catégorie juridique (association, coopérative, mutuelle, fondation) la place dans "
        "l'ESS."
    ),
    EssSource.ESUS: _("Elle détient l'agrément « entreprise solidaire d'utilité sociale »."),
    EssSource.STAFF_DECISION: _(
        "L'équipe d'un réseau a statué sur son appartenance à l'ESS ; les imports du "
        "répertoire SIRENE conservent cette décision."
    ),
    EssSource.NETWORK_MEMBER: _("Elle adhère à un réseau de l'ESS, qui l'a reconnue."),
    EssSource.NONE: _("Aucune source ne la rattache à l'ESS."),
}


@dataclass(frozen=True, slots=True)
class EssSourceInfo:
    code: str
    label: str
    explanation: str
    decision: str
    locked: tuple[str, ...]  # labels of the fields a person corrected


def ess_source_info(org: Organisation) -> EssSourceInfo:
    """Where the ESS status comes from, for people, and which fields a person corrected."""
    source = EssSource(org.ess_source or "")
    label = source.label
    if source == EssSource.STAFF_DECISION and org.ess_decision:
        label = EssDecision(org.ess_decision).label
    locked = tuple(
        str(organisation_field(name).verbose_name)
        for name in (org.locked_fields or [])
        if name in {f.name for f in Organisation._meta.fields}
    )
    return EssSourceInfo(
        code=source.value,
        label=str(label)[:1].upper() + str(label)[1:],
        explanation=str(ESS_SOURCE_EXPLANATIONS[source]),
        decision=org.ess_decision,
        locked=locked,
    )


def establishments_geojson(org: Organisation) -> dict[str, Any]:
    """The placed establishments of `org` (prefetched) as a GeoJSON FeatureCollection."""
    features = []
    for est in org.establishments.all():
        if est.latitude is None or est.longitude is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(est.longitude, 6), round(est.latitude, 6)],
                },
                "properties": {
                    "id": est.pk,
                    "name": est.name or org.name,
                    "address": ", ".join(est.address_lines),
                    "head_office": est.is_head_office,
                    "open": est.is_open,
                    "precision": est.geo_precision,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _postal_address(est: Establishment) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "FR"}
    street = ", ".join(x for x in (est.address_complement, est.street) if x)
    if street:
        address["streetAddress"] = street
    if est.postcode:
        address["postalCode"] = est.postcode
    if est.commune is not None:
        address["addressLocality"] = est.commune.name
    return address


def _place(est: Establishment) -> dict[str, Any]:
    place: dict[str, Any] = {"@type": "Place", "address": _postal_address(est)}
    if est.name:
        place["name"] = est.name
    if est.latitude is not None and est.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": round(est.latitude, 6),
            "longitude": round(est.longitude, 6),
        }
    return place


def organisation_jsonld(org: Organisation, *, url: str) -> dict[str, Any]:
    """schema.org `Organization` of `org` (prefetched by organisation_detail)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": url,
        "name": org.name,
        "url": url,
    }
    if org.acronym:
        data["alternateName"] = org.acronym
    if org.description:
        data["description"] = org.description
    if org.siren:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "SIREN", "value": org.siren}
        data["taxID"] = org.siren
    if org.website:
        data["sameAs"] = [org.website]
    if org.creation_date:
        data["foundingDate"] = org.creation_date.isoformat()
    establishments = [e for e in org.establishments.all() if e.is_open] or list(
        org.establishments.all()
    )
    if establishments:
        head = next((e for e in establishments if e.is_head_office), establishments[0])
        data["address"] = _postal_address(head)
        if head.latitude is not None and head.longitude is not None:
            data["geo"] = _place(head)["geo"]
        data["location"] = [_place(e) for e in establishments]
    return data


_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_for_script(data: Any) -> str:
    """JSON safe to put between <script> tags (no `</script>` can close the element early)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


def organisations_of_source_exist(*, source: str) -> bool:
    return Organisation.objects.filter(source=source).exists()


def sirens_not_of_source(*, source: str, prefix: str) -> set[str]:
    """SIRENs starting with `prefix` held by organisations of another source than `source`."""
    return {
        siren
        for siren in Organisation.objects.exclude(source=source)
        .filter(siren__startswith=prefix)
        .values_list("siren", flat=True)
        if siren
    }


def organisation_find(*, source: str, name: str) -> int | None:
    """The id of the organisation of `source` named exactly `name` (the key of the demo data
    and of the other apps' reference files), or None."""
    return (
        Organisation.objects.filter(source=source, name=name)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def organisation_names(ids: list[int]) -> dict[int, str]:
    """Id -> name of the organisations `ids` (those that exist)."""
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
