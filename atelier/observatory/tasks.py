"""Background work of the observatory (django-tasks; the worker: `atelier db_worker`)."""

import logging

from django.db import transaction
from django_tasks import task

from atelier.core.priority import background_priority
from atelier.directory.selectors import observatory_source as source

from .pdf import RUNNING, build_pdf_tracked, mark, pdf_status
from .selectors.territory import Territory, territory_resolve
from .services.freshness import claim, observatory_is_stale, release
from .services.incremental import observatory_refresh

logger = logging.getLogger(__name__)


@task()
def observatory_refresh_task() -> str:
    """Refresh the aggregates when the directory changed since they were built (a page or the
    API found them behind): incrementally when it can, in full otherwise
    (services.incremental). Several queued runs cost one refresh: the others find them fresh."""
    background_priority()
    if not observatory_is_stale(recent=False):
        return "à jour"
    report = observatory_refresh()
    if report.kind == "incremental":
        return (
            f"mis à jour en {report.seconds:.1f} s ({report.organisations} organisations "
            f"relues, {report.aggregates} agrégats)"
        )
    if report.kind == "full":
        return (
            f"reconstruit en {report.seconds:.1f} s ({report.aggregates} agrégats ; "
            f"{report.reason})"
        )
    return "à jour" if report.kind == "fresh" else "mise à jour faite par une autre tâche"


def observatory_refresh_if_stale() -> bool:
    """Queue the refresh task (after the current transaction commits) when the tables are
    behind the directory, at most once per directory version in this process. True when
    queued. Pages and the API call it and answer from the tables they have."""
    if not observatory_is_stale():
        return False
    version = source.data_version_recent()
    if not claim(version):
        return False

    def enqueue() -> None:
        try:
            observatory_refresh_task.enqueue()
        except Exception:  # noqa: BLE001 — pages answer from the tables they have regardless
            logger.exception("Could not queue the observatory refresh task")
            release(version)

    transaction.on_commit(enqueue)
    return True


@task()
def observatory_pdf_task(level: str, code: str) -> str:
    """Make the diagnostic PDF of a large territory (its progress in the status file that the
    progress page reads)."""
    territory = territory_resolve(level, code)
    if territory is None:
        return "territoire inconnu"
    path = build_pdf_tracked(territory)
    return f"{path.name} ({path.stat().st_size} octets)"


def observatory_pdf_start(territory: Territory) -> bool:
    """Queue the PDF of `territory` unless it is ready or already being made. True when
    queued."""
    if pdf_status(territory).state in ("ready", RUNNING):
        return False
    mark(territory, "queued")
    try:
        observatory_pdf_task.enqueue(territory.level, territory.code)
    except Exception:
        logger.exception("Could not queue the observatory PDF task")
        mark(territory, "queued", state="failed", error="queue")
        raise
    return True
