"""Test data of Premières heures: a structure of a network, staff users, the parameters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.tests.factories import NetworkFactory, OrganisationFactory
from atelier.support.models import InsertionStructure, Scheme, SchemeParameter
from atelier.support.selectors.premieres_heures import SCHEME_SLUG
from atelier.support.services.insertion import beneficiary_create, contract_create, hours_record
from atelier.support.services.ph_parameters import premieres_heures_seed

# A day after every month the tests use (hours and exits are refused in the future).
TODAY = date(2025, 6, 15)


def seed() -> Scheme:
    """The scheme with its seed parameters: forfait 100 €, tiers 150 € / 300 €, bonus 500 €."""
    return premieres_heures_seed()


def parameter_set(name: str, start: date, value: str, *, is_example: bool = False) -> None:
    scheme = Scheme.objects.get(slug=SCHEME_SLUG)
    SchemeParameter.objects.create(
        scheme=scheme, name=name, start=start, value=Decimal(value), is_example=is_example
    )


def make_structure(*, network_slug: str = "atelier-idf", name: str = "Chantier Alpha"):
    network = NetworkFactory(slug=network_slug)
    organisation = OrganisationFactory(name=name)
    return InsertionStructure.objects.create(organisation=organisation, network=network)


def make_user(django_user_model, username: str, *, network=None, role: str = Role.STAFF):
    user = django_user_model.objects.create_user(username, password="x")
    if network is not None:
        network_role_grant(user=user, network=network, role=role)
    return user


def person(structure, reference: str, start: date, end=None, outcome: str = "", hours=None):
    """A beneficiary with one contract and {month: hours}."""
    beneficiary = beneficiary_create(structure=structure, reference=reference)
    contract_create(
        user=None, beneficiary=beneficiary, start=start, end=end, outcome=outcome, today=TODAY
    )
    for month, worked in (hours or {}).items():
        hours_record(user=None, beneficiary=beneficiary, month=month, hours=worked, today=TODAY)
    return beneficiary
