"""/orientation/: the public questionnaire and its results (ranked schemes with their
explanations, the support structures that would take the request, the shareable link, the
button to ask for support). A GET form: the results page's address is the shareable link."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atelier.core.perms import public

from ..questionnaire import QuestionnaireForm
from ..selectors.case_request import case_request_url
from ..selectors.nearby import structures_nearby
from ..selectors.orientation import OrientationError, orient
from ..selectors.prefill import PrefillError, profile_prefill


@public
def orientation(request: HttpRequest) -> HttpResponse:
    context: dict = {}
    if "stage" in request.GET:
        form = QuestionnaireForm(request.GET)
    else:
        form = QuestionnaireForm(initial=_prefilled(request, context))
    context["form"] = form
    if form.is_bound and form.is_valid():
        profile = form.profile()
        try:
            answers = orient(profile)
        except OrientationError as exc:
            for field, message in exc.messages:
                form.add_error(field if field in form.fields else None, message)
        else:
            eligible = [a for a in answers if a.eligible]
            context.update(
                profile=profile,
                eligible=eligible,
                others=[a for a in answers if not a.eligible],
                structures=structures_nearby(profile),
                request_url=case_request_url(profile, [a.slug for a in eligible]),
                share_url=request.build_absolute_uri(request.get_full_path()),
            )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "support/orientation.html", context, status=status)


def _prefilled(request: HttpRequest, context: dict) -> dict:
    """The questionnaire's first answers from the Atlas when the holder gave the SIREN or SIRET
    of an existing structure (`?siret=`); the reason in `context` when none can be read."""
    identifier = request.GET.get("siret", "").strip()
    if not identifier:
        return {}
    context["siret"] = identifier[:40]
    try:
        found = profile_prefill(identifier)
    except PrefillError as exc:
        context["prefill_error"] = str(exc)
        return {}
    context["prefill"] = found
    initial = {
        key: found[key] for key in ("legal_form", "sector", "stage", "headcount_band") if found[key]
    }
    if found["commune"]:
        initial.update(lieu=found["commune"], commune=found["commune"])
    return initial
