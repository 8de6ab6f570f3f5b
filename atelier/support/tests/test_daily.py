"""The daily run: reminders then anonymisation, idempotent; a task that queues its next run
(database backend, run_after), ensured once however often it is asked; the command."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from atelier.support.services.daily import support_daily_run
from atelier.support.tasks import daily_next_run, daily_schedule_ensure, support_daily_task

from .factories import age, open_case

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PARIS = ZoneInfo("Europe/Paris")


def test_the_next_run(settings):
    settings.SUPPORT_DAILY_HOUR = 6
    before = datetime(2026, 12, 6, 5, 30, tzinfo=PARIS)
    assert daily_next_run(before) == datetime(2026, 12, 6, 6, 0, tzinfo=PARIS)
    after = datetime(2026, 12, 6, 6, 0, tzinfo=PARIS)
    assert daily_next_run(after) == datetime(2026, 12, 7, 6, 0, tzinfo=PARIS)


def test_the_run_sends_and_anonymises_once(world, settings):
    age(open_case(), 10)
    first = support_daily_run()
    assert first.reminders.sent == 1 and first.anonymised == 0
    assert "1 relance(s)" in first.summary()
    assert support_daily_run().reminders.sent == 0


def test_the_immediate_backend_cannot_defer(world):
    assert daily_schedule_ensure() is None  # the tests' backend runs tasks at once


def test_the_daily_task_is_queued_once(world, settings):
    settings.TASKS = DB_TASKS
    when = daily_schedule_ensure()
    assert when is not None and when > timezone.now()
    assert daily_schedule_ensure() is None  # already waiting
    waiting = DBTaskResult.objects.filter(task_path=support_daily_task.module_path)
    assert waiting.count() == 1 and waiting.get().run_after == when


def test_the_task_does_the_work_and_queues_the_next_run(world, settings):
    settings.TASKS = DB_TASKS
    age(open_case(), 10)
    assert support_daily_task.call().startswith("1 relance(s)")
    queued = DBTaskResult.objects.filter(task_path=support_daily_task.module_path)
    assert queued.count() == 1
    assert queued.get().run_after - timezone.now() < timedelta(days=1, minutes=1)
    support_daily_task.call()  # a second run while the next one waits: no second chain
    assert queued.count() == 1


def test_the_command(world, settings):
    age(open_case(), 10)
    out = StringIO()
    call_command("support_daily", stdout=out)
    assert "1 relance(s) envoyée(s)" in out.getvalue()
    out = StringIO()
    call_command("support_daily", stdout=out)
    assert "0 relance(s)" in out.getvalue()
    settings.TASKS = DB_TASKS
    out = StringIO()
    call_command("support_daily", "--schedule", stdout=out)
    assert "programmée pour le" in out.getvalue()
    out = StringIO()
    call_command("support_daily", "--schedule", stdout=out)
    assert "déjà programmée" in out.getvalue()
