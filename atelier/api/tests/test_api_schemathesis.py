"""Property-based check of the whole API against its own OpenAPI document (schemathesis): every
operation, with generated valid and invalid parameters, answers a status it documents, with a
body that matches the schema documented for that status, never a 500; and a request that breaks
the schema is refused. Runs in process (WSGI, the test database), with a fixed seed and a small
number of examples per operation so that it is repeatable and quick."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from atelier.directory.tests.test_search import make_org
from atelier.support.tests.scheme_factories import load_catalogue
from atelier.territories.tests.factories import make_small_reference

EXAMPLES = 25
# Operations whose parameters obey rules OpenAPI cannot state, answered by the documented 422:
# `territoire` must name a territory of the database, bbox needs west < east and south < north;
# the schemes' `territory` and the orientation's `commune` must exist in the reference, and
# "none of these situations" cannot be combined with another.
# A request that passes the document may still be refused there, so "valid data is accepted"
# is not asked of them; every other check is (statuses, bodies, content types, no 500, and
# requests that break the document refused).
CROSS_PARAMETER_RULES = {
    "/api/v1/organisations",
    "/api/v1/map/clusters",
    "/api/v1/schemes",
    "/api/v1/orientation",
}


pytestmark = pytest.mark.django_db

# The document as the API serves it, loaded once through the WSGI application (no server).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the end of a request must not close the database
    connection that holds the test's transaction (PostgreSQL would lose it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def organisations():
    ref = make_small_reference()
    make_org(ref, category="5458", name="Coopératives du Canal", commune="saint_denis")
    make_org(ref, name="Amis du quartier", commune="arr20")
    load_catalogue()  # the schemes catalogue of data/support/schemes.yaml


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_what_it_documents(case):
    excluded = []
    if case.operation.path in CROSS_PARAMETER_RULES:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)
