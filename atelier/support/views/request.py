"""The project holder's side: the request for support (answers → consent and contact → case
opened → private link shown), and the private follow-up page of the link (no account)."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from atelier.core.perms import public
from atelier.core.services import access_log_record

from ..forms import CaseRequestForm
from ..selectors.case_request import (
    case_summary,
    profile_summary,
    request_preview,
    schemes_named,
)
from ..selectors.cases import case_by_token, case_holder_events, case_structures
from ..selectors.profile_params import ProfileParamsError, profile_from_params
from ..services.cases import CaseError, case_open, follow_path
from ..services.privacy import case_erase_by_holder
from ..tasks import daily_schedule_ensure


def _questionnaire_url() -> str | None:
    """The orientation questionnaire's page, when the project has one."""
    try:
        return reverse("support:orientation")
    except NoReverseMatch:
        return None


def _private(response: HttpResponse) -> HttpResponse:
    """A page whose address is a secret: never sent as a referrer, never indexed."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@public
@never_cache
def case_request(request: HttpRequest) -> HttpResponse:
    """/accompagnement/demande/?<the questionnaire's answers>&schemes=…: ask for support."""
    try:
        profile = profile_from_params(request.GET)
    except ProfileParamsError as exc:
        context = {"errors": list(exc.errors.values()), "questionnaire": _questionnaire_url()}
        return render(request, "support/case_request_invalid.html", context, status=400)
    slugs = request.GET.getlist("schemes")
    preview = request_preview(profile)
    form = CaseRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and preview.receivable and form.is_valid():
        try:
            case = case_open(
                profile=profile,
                contact=form.contact(),
                consent=form.cleaned_data["consent"],
                schemes=slugs,
                client_ip=get_client_ip_address(request) or None,
                absolute_url=request.build_absolute_uri,
            )
        except CaseError as exc:
            form.add_service_errors(exc.errors)
        else:
            try:
                daily_schedule_ensure()
            except Exception:  # noqa: BLE001, S110 — `make serve` and cron queue it anyway
                pass
            link = request.build_absolute_uri(follow_path(case.holder_token))
            context = {"case": case, "link": link, "structures": case_structures(case)}
            return _private(render(request, "support/case_opened.html", context, status=201))
    if form.errors:
        status = 400
    context = {
        "form": form,
        "summary": profile_summary(profile),
        "schemes": schemes_named(slugs),
        "preview": preview,
        "questionnaire": _questionnaire_url(),
    }
    return render(request, "support/case_request.html", context, status=status)


def _holder_case(token: str):
    case = case_by_token(token)
    if case is None:
        raise Http404(_("Lien de suivi inconnu, ou demande anonymisée."))
    return case


@public
@never_cache
def case_follow(request: HttpRequest, token: str) -> HttpResponse:
    """/accompagnement/suivi/<token>/: the holder follows their case (no account)."""
    case = _holder_case(token)
    access_log_record(user=request.user, action="view", obj=case, detail="lien de suivi")
    context = {
        "case": case,
        "events": case_holder_events(case),
        "structures": case_structures(case),
        "summary": case_summary(case),
        "erased": False,
    }
    return _private(render(request, "support/case_follow.html", context))


@public
@never_cache
def case_follow_erase(request: HttpRequest, token: str) -> HttpResponse:
    """The holder withdraws their request and erases their data (confirmed by a checkbox)."""
    case = _holder_case(token)
    if request.method != "POST":
        context = {"case": case, "confirm": True}
        return _private(render(request, "support/case_follow_erase.html", context))
    if request.POST.get("confirm") != "yes":
        context = {"case": case, "confirm": True, "error": True}
        return _private(render(request, "support/case_follow_erase.html", context, status=400))
    case_erase_by_holder(case=case, user=request.user)
    return _private(render(request, "support/case_follow_erase.html", {"done": True}))
