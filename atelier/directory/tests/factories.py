import factory

from atelier.accounts.models import Network
from atelier.directory.enums import Approval, GeoPrecision, HeadcountBand, Source, Theme
from atelier.directory.geo import lonlat_to_world
from atelier.directory.models import Establishment, Organisation, OrganisationMembership
from atelier.directory.services.organisations import bits
from atelier.territories.models import LegalCategory, NafCode


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


def placed_establishment(organisation, lon: float, lat: float, **fields) -> Establishment:
    """An establishment of `organisation` at (lon, lat), with its map coordinates (mx, my) and
    an address precision unless `fields` say otherwise."""
    mx, my = lonlat_to_world(lon, lat)
    fields.setdefault("geo_precision", GeoPrecision.ADDRESS)
    return EstablishmentFactory(
        organisation=organisation, longitude=lon, latitude=lat, mx=mx, my=my, **fields
    )


# Legal categories (association twice as likely) and NAF codes of the small test reference.
RANDOM_CATEGORIES = ["9220", "9220", "5458", "5560", "5710", "8210", "9300"]
RANDOM_NAFS = ["70.22Z", "94.99Z", "88.99B", None]


def random_organisation(rng, *, name: str, description: str) -> Organisation:
    """An organisation with facets drawn from `rng` (legal category, NAF code, themes,
    approvals, headcount band, activity, staff approval), for tests that compare two ways of
    answering the same search on varied data. Needs the small reference data."""
    category = rng.choice(RANDOM_CATEGORIES)
    naf = rng.choice(RANDOM_NAFS)
    return OrganisationFactory(
        name=name,
        description=description,
        legal_category=LegalCategory.objects.get(code=category),
        naf=NafCode.objects.get(code=naf) if naf else None,
        theme_bits=bits(rng.sample(list(Theme), rng.randint(0, 3))),
        approval_bits=bits(rng.sample(list(Approval), rng.randint(0, 2))),
        headcount_band=rng.choice([b.value for b in HeadcountBand]),
        is_active=rng.random() > 0.1,
        staff_approved=rng.random() > 0.7,
    )


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
