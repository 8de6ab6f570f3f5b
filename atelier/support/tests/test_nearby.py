"""The structures shown with the orientation's results: those the routing would choose, the
nearest open establishment first, read in a number of queries that does not grow with them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atelier.directory.tests.factories import placed_establishment
from atelier.support.selectors.nearby import structures_nearby

from .factories import SupportStructureFactory, profile

pytestmark = pytest.mark.django_db


def _structure(world, label, lon, lat):
    structure = SupportStructureFactory(
        network=world.idf, label=label, territories=["departement:75"]
    )
    placed_establishment(structure.organisation, lon, lat, commune=world.ref["arr20"])
    return structure


def _queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        structures_nearby(profile())
    return len(captured)


def test_the_nearest_first_and_queries_that_do_not_grow(world):
    _structure(world, "Loin", 2.20, 48.80)
    _structure(world, "Proche", 2.38, 48.88)
    names = [s.name for s in structures_nearby(profile())]
    assert names.index("Proche") < names.index("Loin")
    few = _queries()
    for i in range(4):
        _structure(world, f"Autre {i}", 2.30, 48.85)
    assert _queries() == few
