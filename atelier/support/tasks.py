"""Background work of the support journeys (django-tasks; the worker: `atelier db_worker`).

The stack has no periodic scheduler, so the daily run (services.daily: reminders, then
anonymisation) is a task that queues its next run (`run_after`, the next SUPPORT_DAILY_HOUR)
when it ends. `daily_schedule_ensure` queues it when no run is waiting: at the worker's start
(`make serve` runs `atelier support-daily --schedule`), and after a request for support is
opened. Several waiting runs collapse into one (a run queues the next only when none waits),
and the work itself is idempotent; `atelier support-daily` runs it at once (cron)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from atelier.core.priority import background_priority

from .services.daily import support_daily_run

logger = logging.getLogger(__name__)


@task()
def support_daily_task() -> str:
    """The daily run, then the next one queued."""
    background_priority()
    report = support_daily_run()
    try:
        daily_schedule_ensure()
    except Exception:  # noqa: BLE001 — the work is done; `make serve` or cron queue it again
        logger.exception("Could not queue the next support daily run")
    return report.summary()


def daily_next_run(now: datetime | None = None) -> datetime:
    """The next SUPPORT_DAILY_HOUR o'clock (local time) after `now`."""
    now = timezone.localtime(now or timezone.now())
    hour = min(max(int(settings.SUPPORT_DAILY_HOUR), 0), 23)
    run = timezone.make_aware(datetime.combine(now.date(), time(hour)))
    if run <= now:
        run = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time(hour)))
    return run


def _waiting_run_exists() -> bool | None:
    """Whether a daily run is queued and not started (None: the backend cannot tell)."""
    from django_tasks_db.backend import DatabaseBackend

    backend = support_daily_task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=support_daily_task.module_path, status=TaskResultStatus.READY
    ).exists()


def daily_schedule_ensure(*, now: datetime | None = None) -> datetime | None:
    """Queue the daily run for its next hour unless one is waiting. Returns when it will run,
    or None when nothing was queued (one already waits, or the backend cannot defer a task,
    like the test's immediate backend)."""
    backend = support_daily_task.get_backend()
    if not backend.supports_defer:
        return None
    if _waiting_run_exists():
        return None
    when = daily_next_run(now)
    support_daily_task.using(run_after=when).enqueue()
    return when
