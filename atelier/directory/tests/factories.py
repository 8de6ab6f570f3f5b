import factory

from atelier.accounts.models import Network
from atelier.directory.enums import Source
from atelier.directory.models import Establishment, Organisation, OrganisationMembership


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Create with `legal_category=` and an establishment, then call
    services.organisations.organisation_refresh_derived to fill the derived columns."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    source = Source.MANUAL


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    organisation = factory.SubFactory(OrganisationFactory)
    is_head_office = True


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"reseau-{n}")
    name = factory.Sequence(lambda n: f"Réseau {n}")
    kind = "regional"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    organisation = factory.SubFactory(OrganisationFactory)
    network = factory.SubFactory(NetworkFactory)
