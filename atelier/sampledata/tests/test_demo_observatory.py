"""`atelier load-demo` refreshes the observatory: the demo territories have figures at once."""

import pytest
from django.core.management import call_command

from atelier.observatory.selectors.indicators import indicators
from atelier.observatory.selectors.territory import territory_resolve
from atelier.observatory.services.freshness import observatory_is_stale
from atelier.observatory.tests.factories import recompute
from atelier.sampledata.tests.test_demo import ref  # noqa: F401 — the demo's reference

pytestmark = pytest.mark.django_db


def test_load_demo_refreshes_the_observatory(client, ref):  # noqa: F811
    call_command("load_demo", "--without-accounts")
    assert not observatory_is_stale(recent=False)
    paris = indicators(territory_resolve("commune", "75056"))
    raw = recompute("commune", "75056")[("total", "")]
    assert paris.organisations == raw.organisations > 0
    region = indicators(territory_resolve("region", "11"))
    assert region.organisations >= paris.organisations
    assert client.get("/observatoire/commune/75056/").status_code == 200
