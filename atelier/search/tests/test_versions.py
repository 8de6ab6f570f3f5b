"""Data versions: moved in the writer's transaction (so never before the data is visible), by the
ORM receivers of `watch` and by explicit bumps; reused by a process for a bounded time."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from atelier.search import versions

pytestmark = pytest.mark.django_db


def test_bump_starts_from_zero_and_counts():
    assert versions.read("fresh") == 0
    versions.bump("fresh")
    versions.bump("fresh")
    assert versions.read("fresh") == 2


def test_a_rolled_back_write_does_not_move_the_version():
    versions.bump("rolled")
    with pytest.raises(RuntimeError), transaction.atomic():
        versions.bump("rolled")
        raise RuntimeError
    assert versions.read("rolled") == 1


@pytest.fixture
def watched_groups():
    versions.watch("groups", Group)
    yield
    uid = "atelier.search.versions:groups:auth.Group"
    post_save.disconnect(sender=Group, dispatch_uid=uid + ":save")
    post_delete.disconnect(sender=Group, dispatch_uid=uid + ":delete")


def test_watched_models_move_the_version_on_save_and_delete(watched_groups):
    group = Group.objects.create(name="équipe")
    assert versions.read("groups") == 1
    group.name = "équipe salariée"
    group.save()
    group.delete()
    assert versions.read("groups") == 3


def test_a_process_reuses_the_version_for_the_configured_time(settings):
    settings.ATELIER_SEARCH_DATA_VERSION_SECONDS = 3600
    versions.forget()
    try:
        assert versions.current("reused") == 0
        versions.bump("reused")
        assert versions.current("reused") == 0  # remembered
        assert versions.current("reused", refresh=True) == 1
        settings.ATELIER_SEARCH_DATA_VERSION_SECONDS = 0
        versions.bump("reused")
        assert versions.current("reused") == 2  # read every time
    finally:
        versions.forget()
