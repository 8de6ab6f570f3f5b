"""The freshness rule: the aggregates record the directory version they reflect; a request
that finds them behind queues the refresh task once and answers from what it has."""

import pytest
from django.core.management import call_command

from atelier.observatory.models import Aggregate
from atelier.observatory.services.freshness import built_version, observatory_is_stale
from atelier.observatory.tasks import observatory_refresh_if_stale, observatory_refresh_task
from atelier.observatory.tests.factories import make_organisation, make_reference

pytestmark = pytest.mark.django_db


def organisations_in(level, code):
    row = Aggregate.objects.filter(level=level, code=code, dimension="total").first()
    return row.organisations if row else 0


def test_never_built_is_stale_and_the_command_builds(capsys):
    make_reference()
    assert built_version() is None and observatory_is_stale(recent=False)
    call_command("observatory_refresh")
    assert "Observatoire reconstruit" in capsys.readouterr().out
    assert not observatory_is_stale(recent=False)
    call_command("observatory_refresh", "--if-stale")
    assert "rien à reconstruire" in capsys.readouterr().out


def test_a_page_that_finds_the_aggregates_behind_queues_one_refresh(
    client, django_capture_on_commit_callbacks
):
    ref = make_reference()
    make_organisation(ref, places=["lyon"])
    call_command("observatory_refresh")
    make_organisation(ref, places=["lyon"])  # the directory moves on
    assert observatory_is_stale(recent=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get("/observatoire/commune/69123/").content.decode()
    assert "une mise à jour est en cours" in page
    assert len(callbacks) == 1  # the task, run at once by the test backend
    assert not observatory_is_stale(recent=False)
    assert organisations_in("commune", "69123") == 2
    # Fresh now: nothing is queued.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get("/api/v1/indicators/commune/69123")
    assert callbacks == []


def test_the_same_version_is_queued_once(django_capture_on_commit_callbacks):
    make_reference()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert observatory_refresh_if_stale() is True
        assert observatory_refresh_if_stale() is False
    assert len(callbacks) == 1


def test_the_task_skips_a_rebuild_when_fresh():
    make_reference()
    assert observatory_refresh_task.call().startswith("reconstruit")
    assert observatory_refresh_task.call() == "à jour"
