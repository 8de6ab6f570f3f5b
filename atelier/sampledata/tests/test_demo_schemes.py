"""`atelier load_demo` loads the schemes catalogue (data/support/schemes.yaml) with its
operators linked to the demo organisations, idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command

from atelier.directory.enums import Source
from atelier.directory.selectors.organisations import organisation_find
from atelier.sampledata.demo import demo_load, demo_schemes_load
from atelier.support.models import Scheme
from atelier.support.tests.scheme_factories import make_reference
from atelier.territories.tests.factories import LegalCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    ref = make_reference()
    LegalCategoryFactory(code="9230", label="Association déclarée, reconnue d'utilité publique")
    return ref


def test_every_operator_of_the_catalogue_is_a_demo_organisation(ref):
    demo_load()
    report = demo_schemes_load()
    assert report.warnings == []
    assert report.created == Scheme.objects.count() > 20
    for scheme in Scheme.objects.exclude(operator=None):
        assert (
            organisation_find(source=Source.DEMO, name=scheme.operator.name) == scheme.operator_id
        )
    again = demo_schemes_load()
    assert (again.created, again.parameters_created) == (0, 0)


def test_the_command_loads_the_catalogue(ref):
    out = StringIO()
    call_command("load_demo", "--without-accounts", stdout=out)
    assert f"Catalogue des dispositifs : {Scheme.objects.count()} créés" in out.getvalue()
    call_command("load_demo", "--without-accounts", stdout=out)
    assert "Catalogue des dispositifs : 0 créés" in out.getvalue()
