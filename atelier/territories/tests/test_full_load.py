"""The whole of France, once: the real row counts of @etalab/decoupage-administratif 6.0.0."""

from atelier.territories.enums import CommuneKind, GroupingKind, Zone
from atelier.territories.models import Commune, Departement, Grouping, Region
from atelier.territories.services import reference_load


def test_full_france_load(db):
    report = reference_load(force=True)
    current = Commune.objects.filter(kind=CommuneKind.COMMUNE)
    assert current.count() == 34969
    assert Commune.objects.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT).count() == 45
    assert Grouping.objects.exclude(kind=GroupingKind.EPT).count() == 1255
    assert Grouping.objects.filter(kind=GroupingKind.EPT).count() == 11
    assert Departement.objects.exclude(zone=Zone.COM).count() == 101
    assert Region.objects.exclude(zone=Zone.COM).count() == 18
    assert current.filter(region_id="11").count() == 1266
    assert report.idf_rate is not None and report.idf_rate > 60
    assert report.geonames_rate > 30
    assert not Commune.objects.filter(latitude__isnull=True).exists()
