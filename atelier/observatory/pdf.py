"""The territorial diagnostic as PDF (WeasyPrint), cached on disk.

A file per territory and **directory data version the aggregates were built from**
(`State.source_version`): `<level>-<code>-v<version>.pdf` under ATELIER_OBSERVATORY_PDF_DIR.
When the directory changes and the aggregates are rebuilt, the version moves on, so the next
request makes a new file (and the older files of that territory are removed): the cache is
invalidated by the data, never by a clock.

Large territories (more communes or establishments than the settings' thresholds) are generated
in the background (tasks.observatory_pdf_task); their progress is a small JSON file beside the
PDF (`….status.json`: state, step, percent, started), read by the progress page."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .selectors.document import document, territory_size
from .selectors.indicators import Indicators, indicators
from .selectors.territory import Territory
from .services.freshness import built_version

RUNNING = "running"
FAILED = "failed"
# A background run that said nothing for this long is taken as dead (the worker stopped):
# the next request starts it again.
STALE_SECONDS = 600
STEPS = {
    "queued": (0, _("en attente du traitement en arrière-plan")),
    "figures": (10, _("lecture des indicateurs")),
    "html": (40, _("mise en page du diagnostic")),
    "pdf": (70, _("écriture du PDF")),
}


def pdf_dir() -> Path:
    return Path(settings.ATELIER_OBSERVATORY_PDF_DIR)


def _stem(territory: Territory) -> str:
    return f"{territory.level}-{territory.code}"


def pdf_path(territory: Territory) -> Path:
    version = built_version()
    return pdf_dir() / f"{_stem(territory)}-v{-1 if version is None else version}.pdf"


def _status_path(territory: Territory) -> Path:
    return pdf_path(territory).with_suffix(".status.json")


def cached_pdf(territory: Territory) -> Path | None:
    """The PDF of the territory for the current data version, None when not made yet."""
    path = pdf_path(territory)
    return path if path.exists() else None


def is_large(territory: Territory, ind: Indicators | None = None) -> bool:
    ind = ind or indicators(territory)
    return (
        territory_size(territory) > settings.ATELIER_OBSERVATORY_PDF_BACKGROUND_COMMUNES
        or ind.establishments > settings.ATELIER_OBSERVATORY_PDF_BACKGROUND_ESTABLISHMENTS
    )


@dataclass(frozen=True, slots=True)
class PdfStatus:
    state: str  # "ready", "running", "failed" or "absent"
    step: str = ""
    percent: int = 0
    error: str = ""


def pdf_status(territory: Territory) -> PdfStatus:
    if cached_pdf(territory) is not None:
        return PdfStatus("ready", percent=100)
    path = _status_path(territory)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        age = time.time() - path.stat().st_mtime
    except (OSError, ValueError):
        return PdfStatus("absent")
    if data.get("state") == RUNNING and age > STALE_SECONDS:
        return PdfStatus("absent")
    step = str(data.get("step", ""))
    return PdfStatus(
        str(data.get("state", "absent")),
        str(STEPS[step][1]) if step in STEPS else step,
        int(data.get("percent", 0)),
        str(data.get("error", "")),
    )


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def mark(territory: Territory, step: str, *, state: str = RUNNING, error: str = "") -> None:
    """Record the progress of the territory's PDF (what the progress page reads)."""
    percent = STEPS[step][0] if step in STEPS else 0
    _write_json(
        _status_path(territory),
        {
            "state": state,
            "step": step,
            "percent": percent,
            "error": error,
            "at": timezone.now().isoformat(),
        },
    )


def diagnostic_html(territory: Territory, ind: Indicators | None = None) -> str:
    """The HTML the PDF is made from (a standalone document, French)."""
    doc = document(territory, ind)
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "observatory/diagnostic_pdf.html",
            {"doc": doc, "ind": doc.ind, "territory": territory, "generated": timezone.now()},
        )


def _stylesheet() -> str:
    found = finders.find("observatory/diagnostic.css")
    return str(found[0] if isinstance(found, list) else found)


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML  # heavy import: only where a PDF is made

    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=_stylesheet())])


def build_pdf(territory: Territory, progress: Callable[[str], None] | None = None) -> Path:
    """Make the territory's PDF for the current data version and store it (atomically);
    older versions of that territory's file are removed. Returns its path."""
    step = progress or (lambda _step: None)
    target = pdf_path(territory)
    step("figures")
    ind = indicators(territory)
    step("html")
    html = diagnostic_html(territory, ind)
    step("pdf")
    content = render_pdf(html)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.part")
    tmp.write_bytes(content)
    os.replace(tmp, target)
    for old in target.parent.glob(f"{_stem(territory)}-v*"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def build_pdf_tracked(territory: Territory) -> Path:
    """build_pdf recording each step in the status file (the background path)."""
    try:
        path = build_pdf(territory, lambda step: mark(territory, step))
    except Exception as exc:
        mark(territory, "pdf", state=FAILED, error=type(exc).__name__)
        raise
    _status_path(territory).unlink(missing_ok=True)
    return path
