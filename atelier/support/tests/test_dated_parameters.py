"""Dated parameters: a change is a new value from a date, so an answer given on an earlier day
is the same after the change; the compiled catalogue follows every change at once."""

import datetime
from decimal import Decimal

import pytest

from atelier.support.models import Scheme, SchemeParameter
from atelier.support.profile import Profile
from atelier.support.selectors.catalogue import catalogue_on, parameter_histories
from atelier.support.selectors.orientation import orient, orient_batch
from atelier.support.selectors.parameters import parameters_at

pytestmark = pytest.mark.django_db

BEFORE = datetime.date(2026, 12, 31)
CHANGE = datetime.date(2027, 1, 1)


def _pie(answers):
    return next(a for a in answers if a.slug == "pie-pret-honneur")


def _profile(on):
    return Profile(stage="starting", project="business", commune="75119", amount=32000, on=on)


def test_a_change_on_a_date_leaves_the_earlier_answer_unchanged(catalogue):
    before = orient(_profile(BEFORE))
    assert not _pie(before).eligible

    pie = Scheme.objects.get(slug="pie-pret-honneur")
    SchemeParameter.objects.create(
        scheme=pie, name="montant_maximum", start=CHANGE, value=Decimal(35000), source="test"
    )

    again = orient(_profile(BEFORE))
    assert again == before  # every scheme, every check, every text, the same ranking
    after = _pie(orient(_profile(CHANGE)))
    assert after.eligible
    assert "montant demandé 32\u00a0000\u00a0€ ≤ maximum 35\u00a0000\u00a0€" in [
        c.text for c in after.checks
    ]


def test_a_batch_applies_each_profiles_own_day(catalogue):
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    SchemeParameter.objects.create(scheme=pie, name="montant_maximum", start=CHANGE, value=35000)
    batch = orient_batch([_profile(CHANGE), _profile(BEFORE), _profile(CHANGE)])
    assert ["pie-pret-honneur" in batch.eligible(i) for i in range(3)] == [True, False, True]
    assert batch.answers(1) == orient(_profile(BEFORE))
    assert batch.counts()["pie-pret-honneur"] == 2


def test_the_compiled_catalogue_follows_a_new_value(catalogue):
    first = catalogue_on(CHANGE)
    assert catalogue_on(CHANGE) is first  # kept while nothing changes
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    SchemeParameter.objects.create(scheme=pie, name="montant_maximum", start=CHANGE, value=35000)
    assert catalogue_on(CHANGE) is not first


def test_histories_and_values_on_a_day(catalogue):
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    SchemeParameter.objects.create(scheme=pie, name="montant_maximum", start=CHANGE, value=35000)
    history = parameter_histories([pie.pk])[pie.pk]["montant_maximum"]
    assert [(v.start, v.value) for v in history] == [
        (datetime.date(2021, 11, 4), Decimal(30000)),
        (CHANGE, Decimal(35000)),
    ]
    assert parameters_at([pie.pk], BEFORE)[pie.pk]["montant_maximum"] == Decimal(30000)
    assert parameters_at([pie.pk], CHANGE)[pie.pk]["montant_maximum"] == Decimal(35000)
    assert "montant_maximum" not in parameters_at([pie.pk], datetime.date(2020, 1, 1)).get(
        pie.pk, {}
    )
