import factory

from atelier.territories.enums import CommuneKind, EssFamily, GroupingKind, PositionPrecision
from atelier.territories.models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    Region,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "11"
    name = "Île-de-France"


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ["code"]

    code = "75"
    name = "Paris"
    region = factory.SubFactory(RegionFactory)


class GroupingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grouping
        django_get_or_create = ["code"]

    code = "200054781"
    name = "Métropole du Grand Paris"
    kind = GroupingKind.METRO


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    code = "75056"
    name = "Paris"
    kind = CommuneKind.COMMUNE
    departement = factory.SubFactory(DepartementFactory)
    region = factory.SelfAttribute("departement.region")
    population = 2103778
    latitude = 48.85341
    longitude = 2.3488
    position_precision = PositionPrecision.GEONAMES


class ArrondissementFactory(factory.django.DjangoModelFactory):
    """A municipal arrondissement of `parent` (Paris by default), in its département and EPCI."""

    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    code = "75101"
    name = "Paris 1er Arrondissement"
    kind = CommuneKind.MUNICIPAL_ARRONDISSEMENT
    parent = factory.SubFactory(CommuneFactory)
    departement = factory.SelfAttribute("parent.departement")
    region = factory.SelfAttribute("parent.region")
    epci = factory.SelfAttribute("parent.epci")
    latitude = 48.86
    longitude = 2.34
    position_precision = PositionPrecision.GEONAMES


class PostalCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostalCode
        django_get_or_create = ["code", "commune"]

    code = "75010"
    commune = factory.SubFactory(CommuneFactory)


class NafCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NafCode
        django_get_or_create = ["code"]

    code = "88.99B"
    label = "Action sociale sans hébergement n.c.a."
    level = 5
    section = "Q"


class LegalCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalCategory
        django_get_or_create = ["code"]

    code = "9220"
    label = "Association déclarée"
    ess_family = EssFamily.ASSOCIATION


def make_small_reference() -> dict:
    """A small, real extract of the reference data: enough for tests of other apps."""
    idf = RegionFactory(code="11", name="Île-de-France")
    ara = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    paris_d = DepartementFactory(code="75", name="Paris", region=idf)
    ssd = DepartementFactory(code="93", name="Seine-Saint-Denis", region=idf)
    rhone = DepartementFactory(code="69", name="Rhône", region=ara)
    mgp = GroupingFactory(code="200054781", name="Métropole du Grand Paris", kind="METRO")
    plaine = GroupingFactory(code="200057867", name="Plaine Commune", kind="EPT")
    paris = CommuneFactory(code="75056", name="Paris", departement=paris_d, epci=mgp)
    arr10 = ArrondissementFactory(
        code="75110",
        name="Paris 10e Arrondissement",
        parent=paris,
        population=83459,
        latitude=48.87602,
        longitude=2.36111,
    )
    arr20 = ArrondissementFactory(
        code="75120",
        name="Paris 20e Arrondissement",
        parent=paris,
        population=186393,
        latitude=48.86346,
        longitude=2.40123,
    )
    saint_denis = CommuneFactory(
        code="93066",
        name="Saint-Denis",
        departement=ssd,
        epci=mgp,
        ept=plaine,
        population=113116,
        latitude=48.93564,
        longitude=2.35387,
    )
    lyon = CommuneFactory(
        code="69123",
        name="Lyon",
        departement=rhone,
        population=522250,
        latitude=45.74846,
        longitude=4.84671,
    )
    for code, commune in [
        ("75010", arr10),
        ("75020", arr20),
        ("93200", saint_denis),
        ("93210", saint_denis),
        ("69001", lyon),
    ]:
        PostalCodeFactory(code=code, commune=commune)
    for code, label, family in [
        ("9220", "Association déclarée", EssFamily.ASSOCIATION),
        ("5458", "SARL coopérative de production (SCOP)", EssFamily.COOPERATIVE),
        ("5560", "Autre SA coopérative à conseil d'administration", EssFamily.COOPERATIVE),
        ("5710", "SAS, société par actions simplifiée", EssFamily.OTHER),
        ("8210", "Mutuelle", EssFamily.MUTUAL),
        ("9300", "Fondation", EssFamily.FOUNDATION),
    ]:
        LegalCategoryFactory(code=code, label=label, ess_family=family)
    for code, label, level, section in [
        ("Q", "Santé humaine et action sociale", 1, "Q"),
        ("88.99B", "Action sociale sans hébergement n.c.a.", 5, "Q"),
        ("S", "Autres activités de services", 1, "S"),
        ("94.99Z", "Autres organisations fonctionnant par adhésion volontaire", 5, "S"),
        ("M", "Activités spécialisées, scientifiques et techniques", 1, "M"),
        ("70.22Z", "Conseil pour les affaires et autres conseils de gestion", 5, "M"),
    ]:
        NafCodeFactory(code=code, label=label, level=level, section=section)
    return {
        "paris": paris,
        "arr10": arr10,
        "arr20": arr20,
        "saint_denis": saint_denis,
        "lyon": lyon,
    }
