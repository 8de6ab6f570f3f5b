"""Premières heures parameters: the idempotent seed (thresholds from the document, amounts as
examples) and a staff change from a date (never in a past month, tiers kept coherent)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from atelier.support.enums import SchemeKind
from atelier.support.models import Scheme, SchemeParameter
from atelier.support.selectors.premieres_heures import PARAMETERS, ph_parameters_at
from atelier.support.services.ph_parameters import ph_parameter_add, premieres_heures_seed
from atelier.support.tests.ph_factories import make_structure, make_user

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 15)


def message(exc_info, field):
    return " ".join(exc_info.value.message_dict[field])


def test_the_seed_is_idempotent_and_marks_the_amounts_as_examples():
    scheme = premieres_heures_seed()
    assert scheme.slug == "premieres-heures" and scheme.kind == SchemeKind.INSERTION_SCHEME
    premieres_heures_seed()
    assert SchemeParameter.objects.count() == len(PARAMETERS)
    rows = {p.name: p for p in SchemeParameter.objects.all()}
    assert rows["palier_1_min"].value == 5 and rows["palier_2_max"].value == 72
    assert not rows["seuil_forfait"].is_example and "seeds/002" in rows["seuil_forfait"].source
    for amount in ("forfait_mensuel", "palier_1_montant", "palier_2_montant", "prime_sortie"):
        assert rows[amount].is_example
    assert {p.start for p in rows.values()} == {date(2010, 1, 1)}


def test_the_seed_keeps_the_catalogues_scheme_and_values():
    Scheme.objects.create(
        slug="premieres-heures",
        name="Premières Heures (catalogue)",
        kind=SchemeKind.INSERTION_SCHEME,
        rule="x",
    )
    scheme = Scheme.objects.get()
    SchemeParameter.objects.create(
        scheme=scheme, name="forfait_mensuel", start=date(2013, 3, 1), value=Decimal("80")
    )
    premieres_heures_seed()
    assert Scheme.objects.get().name == "Premières Heures (catalogue)"
    assert SchemeParameter.objects.filter(name="forfait_mensuel").count() == 1
    assert SchemeParameter.objects.count() == len(PARAMETERS)


def test_a_change_from_a_date(django_user_model):
    premieres_heures_seed()
    user = make_user(django_user_model, "equipe")
    row = ph_parameter_add(
        user=user,
        name="forfait_mensuel",
        start=date(2025, 7, 1),
        value="120,50",
        source="Délibération 2025",
        today=TODAY,
    )
    assert (row.value, row.set_by, row.is_example) == (Decimal("120.50"), user, False)
    assert ph_parameters_at(date(2025, 6, 1))["forfait_mensuel"] == Decimal("100.00")
    assert ph_parameters_at(date(2025, 7, 1))["forfait_mensuel"] == Decimal("120.50")
    assert not ph_parameters_at(date(2025, 7, 1)).is_example("forfait_mensuel")


@pytest.mark.parametrize(
    ("name", "start", "value", "field", "expected"),
    [
        ("forfait_mensuel", date(2025, 5, 1), "1", "start", "au plus tôt le 01/06/2025"),
        ("forfait_mensuel", date(2025, 7, 14), "1", "start", "premier jour d'un mois"),
        ("forfait_mensuel", date(2010, 1, 1), "1", "start", "au plus tôt"),
        ("forfait_mensuel", date(2025, 7, 1), "-3", "value", "positif ou nul"),
        ("forfait_mensuel", date(2025, 7, 1), "douze", "value", "Saisissez un nombre"),
        ("forfait_mensuel", date(2025, 7, 1), "1.234", "value", "Deux décimales"),
        ("palier_1_max", date(2025, 7, 1), "4", "value", "le palier 1 irait de 5 h à 4 h"),
        ("palier_2_min", date(2025, 7, 1), "20", "value", "les paliers ne se chevauchent pas"),
        ("inconnu", date(2025, 7, 1), "1", "name", "Paramètre inconnu"),
    ],
)
def test_what_a_change_may_not_do(name, start, value, field, expected):
    premieres_heures_seed()
    with pytest.raises(ValidationError) as exc:
        ph_parameter_add(user=None, name=name, start=start, value=value, today=TODAY)
    assert expected in message(exc, field)
    assert SchemeParameter.objects.count() == len(PARAMETERS)


def test_two_values_cannot_start_on_the_same_day():
    premieres_heures_seed()
    ph_parameter_add(
        user=None, name="prime_sortie", start=date(2025, 9, 1), value="600", today=TODAY
    )
    with pytest.raises(ValidationError) as exc:
        ph_parameter_add(
            user=None, name="prime_sortie", start=date(2025, 9, 1), value="700", today=TODAY
        )
    assert "déjà une valeur qui commence le 01/09/2025" in message(exc, "start")


def test_the_parameters_page_lists_the_dated_values(client, django_user_model):
    premieres_heures_seed()
    ph_parameter_add(
        user=None, name="prime_sortie", start=date(2099, 1, 1), value="650", is_example=True
    )
    staff = make_user(django_user_model, "equipe", network=make_structure().network)
    client.force_login(staff)
    body = client.get(reverse("support:ph-parameters")).content.decode().replace("\u00a0", " ")
    assert "prime de retour à l&#x27;emploi ou à la formation" in body
    assert "01/01/2010 : 500,00 € — <strong>exemple</strong>" in body
    assert "01/01/2099 : 650,00 €" in body
    assert "01/01/2010 : 5 h" in body  # a threshold
