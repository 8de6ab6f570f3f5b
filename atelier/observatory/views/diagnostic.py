"""The territorial diagnostic as PDF, its progress page (large territories are made in the
background), and the embeddable widget of key figures."""

from __future__ import annotations

from pathlib import Path

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt

from atelier.core.perms import public

from ..pdf import build_pdf, cached_pdf, is_large, pdf_status
from ..selectors.indicators import indicators
from ..selectors.territory import Territory, territory_resolve
from ..tasks import observatory_pdf_start, observatory_refresh_if_stale
from .pages import _not_found


def _resolve(request: HttpRequest, level: str, code: str, name: str) -> Territory | HttpResponse:
    found = territory_resolve(level, code)
    if found is None:
        return _not_found(request, level, code)
    if (found.level, found.code) != (level, code):
        target = reverse(f"observatory:{name}", kwargs={"level": found.level, "code": found.code})
        return redirect(target, permanent=True)
    return found


def _file(territory: Territory, path: Path) -> HttpResponse:
    # A diagnostic weighs some hundred kilobytes: read whole (no file left open).
    response = HttpResponse(path.read_bytes(), content_type="application/pdf")
    name = f"diagnostic-ess-{territory.level}-{territory.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@public
def diagnostic_pdf(request: HttpRequest, level: str, code: str) -> HttpResponse:
    """The PDF: from the cache when made for the current data version; else made now for a
    small territory, or in the background for a large one (redirect to the progress page)."""
    found = _resolve(request, level, code, "diagnostic_pdf")
    if not isinstance(found, Territory):
        return found
    observatory_refresh_if_stale()
    path = cached_pdf(found)
    if path is None:
        ind = indicators(found)
        if is_large(found, ind):
            observatory_pdf_start(found)
            path = cached_pdf(found)  # made already when tasks run inline
            if path is None:
                progress = reverse(
                    "observatory:diagnostic_progress", kwargs={"level": level, "code": code}
                )
                return redirect(progress)
        else:
            path = build_pdf(found)
    return _file(found, path)


@public
def diagnostic_progress(request: HttpRequest, level: str, code: str) -> HttpResponse:
    """Where a large territory's PDF stands: a link to reload (and a small static script that
    reloads by itself), the download once ready."""
    found = _resolve(request, level, code, "diagnostic_progress")
    if not isinstance(found, Territory):
        return found
    status = pdf_status(found)
    context = {"territory": found, "status": status}
    return render(request, "observatory/diagnostic_progress.html", context)


@public
@xframe_options_exempt
@csp_replace({"frame-ancestors": settings.ATELIER_OBSERVATORY_WIDGET_FRAME_ANCESTORS})
def widget(request: HttpRequest, level: str, code: str) -> HttpResponse:
    """A small page of key figures meant for an iframe on another site: the only page that may
    be framed (its own Content-Security-Policy frame-ancestors, no X-Frame-Options)."""
    found = territory_resolve(level, code)
    if found is None:
        return _not_found(request, level, code)
    observatory_refresh_if_stale()
    ind = indicators(found)
    page = reverse("observatory:territory", kwargs={"level": found.level, "code": found.code})
    context = {"ind": ind, "territory": found, "page_url": request.build_absolute_uri(page)}
    return render(request, "observatory/widget.html", context)
