"""Two advisors take the same case at the same moment, in two threads with their own database
connections: the row lock lets exactly one through; the other gets a clear refusal."""

import threading

import pytest
from django.db import connection

from atelier.support.models import Case, CaseEvent
from atelier.support.services.transitions import CaseActionError, case_take

from .factories import make_world, open_case


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_takes(django_db_blocker):
    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("shared-cache in-memory SQLite locks tables without waiting")
    world = make_world()
    case = open_case()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def take(user):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            case_take(case_id=case.pk, user=user)
            outcomes[user.username] = "taken"
        except CaseActionError as exc:
            outcomes[user.username] = str(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(u,)) for u in (world.advisor, world.advisor2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(v == "taken" for v in outcomes.values()) == [False, True], outcomes
    refused = next(v for v in outcomes.values() if v != "taken")
    assert "déjà « pris en charge »" in refused
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1
    winner = next(k for k, v in outcomes.items() if v == "taken")
    assert Case.objects.get(pk=case.pk).taken_by.username == winner
