"""Test data of the support app: the reference extract the catalogue's perimeters need, the
demo operators of the catalogue file, and the catalogue itself loaded from
data/support/schemes.yaml by its service."""

import factory
import yaml

from atelier.directory.enums import Source
from atelier.directory.tests.factories import OrganisationFactory
from atelier.support.models import Scheme, SchemeParameter
from atelier.support.services.catalogue import CATALOGUE_FILE, catalogue_load
from atelier.territories.tests.factories import (
    ArrondissementFactory,
    NafCodeFactory,
    make_small_reference,
)

# Paris arrondissements the catalogue names (ADIE's meetings in the MDEE) or the tests use.
ARRONDISSEMENTS = {
    "75111": "Paris 11e Arrondissement",
    "75113": "Paris 13e Arrondissement",
    "75114": "Paris 14e Arrondissement",
    "75118": "Paris 18e Arrondissement",
    "75119": "Paris 19e Arrondissement",
}


# NAF sections the catalogue's schemes are reserved to (INSEE labels), beside Q, S and M.
NAF_SECTIONS = {
    "F": "Construction",
    "I": "Hébergement et restauration",
    "J": "Information et communication",
    "R": "Arts, spectacles et activités récréatives",
}


def make_reference() -> dict:
    """The small reference of the territories' tests plus the arrondissements and NAF
    sections above."""
    ref = make_small_reference()
    for code, name in ARRONDISSEMENTS.items():
        ref[f"arr{code[-2:]}"] = ArrondissementFactory(code=code, name=name, parent=ref["paris"])
    for code, label in NAF_SECTIONS.items():
        NafCodeFactory(code=code, label=label, level=1, section=code)
    return ref


def make_operators() -> dict[str, object]:
    """The demo Atlas organisations the catalogue file names as operators (source demo)."""
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    names = sorted({s["operator"] for s in data["schemes"] if s.get("operator")})
    return {n: OrganisationFactory(name=n, source=Source.DEMO) for n in names}


def load_catalogue():
    """The reference, the operators and the catalogue of data/support/schemes.yaml."""
    ref = make_reference()
    make_operators()
    report = catalogue_load()
    return ref, report


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"dispositif-{n}")
    name = factory.Sequence(lambda n: f"Dispositif {n}")
    kind = "grant"
    rule = "standard"
    perimeter = factory.LazyFunction(lambda: ["country:FR"])


class ParameterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeParameter

    scheme = factory.SubFactory(SchemeFactory)
    name = "montant_maximum"
    start = factory.Faker("date_object")
    value = 1000
