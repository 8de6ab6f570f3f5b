"""The schemes catalogue's pages: the list with its filters and each scheme's page (public),
and the staff page of the entries whose facts need checking again."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from atelier.core.perms import public

from ..forms_schemes import SchemeFilterForm
from ..selectors.catalogue import stale_after_days
from ..selectors.schemes import (
    FilterError,
    SchemeFilters,
    scheme_detail,
    schemes_list,
    schemes_stale,
)
from .access import CATALOGUE_EDITORS, catalogue_editors


def _editor(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.has_perm(CATALOGUE_EDITORS)


@public
def scheme_list(request: HttpRequest) -> HttpResponse:
    form = SchemeFilterForm(request.GET or None)
    values = {}
    if form.is_bound:
        form.is_valid()  # invalid fields are reported and not applied
        values = {k: v for k, v in form.cleaned_data.items() if v}
    try:
        rows = schemes_list(SchemeFilters(**values))
    except FilterError as exc:
        for name, message in exc.messages:
            form.add_error(name if name in form.fields else None, message)
        rows = []
    context = {"form": form, "rows": rows, "filtered": bool(values), "editor": _editor(request)}
    return render(request, "support/scheme_list.html", context)


@public
def scheme_page(request: HttpRequest, slug: str) -> HttpResponse:
    detail = scheme_detail(slug)
    if detail is None:
        raise Http404(slug)
    editor = _editor(request)
    admin_url = ""
    if editor:
        admin_url = reverse("admin:support_scheme_change", args=[detail.spec.id])
    context = {
        "d": detail,
        "editor": editor,
        "admin_url": admin_url,
        "stale_days": stale_after_days(),
    }
    return render(request, "support/scheme_detail.html", context)


@catalogue_editors
def stale_list(request: HttpRequest) -> HttpResponse:
    rows = [(r, reverse("admin:support_scheme_change", args=[r.spec.id])) for r in schemes_stale()]
    context = {"rows": rows, "stale_days": stale_after_days()}
    return render(request, "support/scheme_stale.html", context)
