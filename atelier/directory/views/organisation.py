import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from atelier.core.perms import public

from ..selectors.approvals import approval_infos
from ..selectors.organisations import (
    GEO_PRECISION_SENTENCES,
    OrganisationNotFound,
    ess_rule_info,
    establishments_geojson,
    json_for_script,
    organisation_jsonld,
)
from ..selectors.organisations import (
    organisation_detail as organisation_get,
)


@public
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Public page of an organisation of the ESS perimeter (staff also see the others)."""
    try:
        org = organisation_get(pk, include_outside_ess=request.user.is_staff)
    except OrganisationNotFound:
        raise Http404 from None
    url = request.build_absolute_uri(request.path)
    establishments = [
        (est, GEO_PRECISION_SENTENCES.get(est.geo_precision, GEO_PRECISION_SENTENCES[""]))
        for est in org.establishments.all()
    ]
    context = {
        "organisation": org,
        "approvals": approval_infos(org),
        "ess_rule": ess_rule_info(org),
        "establishments": establishments,
        "open_count": sum(1 for est, _ in establishments if est.is_open),
        "networks": [m.network for m in org.public_memberships],
        "establishments_geojson": json.dumps(establishments_geojson(org), ensure_ascii=False),
        "jsonld": mark_safe(json_for_script(organisation_jsonld(org, url=url))),  # noqa: S308
    }
    return render(request, "directory/organisation_detail.html", context)


@public
def organisation_by_number(request: HttpRequest, number: str) -> HttpResponse:
    """/atlas/organisations/<SIREN or SIRET>/: a redirection (302) to the organisation's page,
    404 when no organisation the person may see has it. An id of 9 or 14 digits that is not
    a SIREN/SIRET still shows its page here."""
    try:
        org = organisation_get(number, include_outside_ess=request.user.is_staff)
    except OrganisationNotFound:
        org = None
    if org is None and number.startswith("0"):
        raise Http404
    if org is None or str(org.pk) == number:
        return organisation_detail(request, int(number))
    return redirect("directory:organisation", pk=org.pk)
