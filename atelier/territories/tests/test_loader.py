"""The reference loader on the real sources (npm and PyPI packages installed by `make install`),
restricted to Paris, Seine-Saint-Denis, Rhône and Bouches-du-Rhône."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from atelier.territories.enums import CommuneKind, GroupingKind, PositionPrecision, Zone
from atelier.territories.models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    ReferenceState,
    Region,
)
from atelier.territories.services import ReferenceSources, reference_load

SCOPE = ["75", "93", "69", "13"]
MODELS = [
    PostalCode,
    Commune,
    Grouping,
    Departement,
    Region,
    NafCode,
    LegalCategory,
    ReferenceState,
]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """One real load for the whole module (it reads 80 MB of GeoNames), removed afterwards."""
    with django_db_blocker.unblock():
        report = reference_load(departements=SCOPE, force=True)
        yield report
        with transaction.atomic():
            for model in MODELS:
                model.objects.all().delete()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_restricted_to_departements(loaded, db):
    assert set(Commune.objects.values_list("departement_id", flat=True)) == set(SCOPE)
    assert Commune.objects.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT).count() == 45
    # Every région and département is loaded whole; the overseas collectivités are flagged.
    assert Departement.objects.exclude(zone=Zone.COM).count() == 101
    assert Region.objects.exclude(zone=Zone.COM).count() == 18
    assert Departement.objects.get(code="93").region_id == "11"
    assert loaded.counts["communes"] == Commune.objects.filter(kind=CommuneKind.COMMUNE).count()


def test_arrondissements_belong_to_their_commune(loaded, db):
    paris = Commune.objects.get(code="75056")
    arr10 = Commune.objects.get(code="75110")
    assert arr10.kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT
    assert arr10.parent_id == "75056"
    assert arr10.epci_id == paris.epci_id == "200054781"  # Métropole du Grand Paris
    assert Commune.objects.get(code="69381").parent_id == "69123"
    assert Commune.objects.get(code="69381").epci.kind == GroupingKind.MET69
    assert Commune.objects.get(code="13216").parent_id == "13055"
    assert paris.arrondissements.count() == 20


def test_ept_membership(loaded, db):
    saint_denis = Commune.objects.get(code="93066")
    assert saint_denis.ept_id == "200057867"
    assert saint_denis.ept.kind == GroupingKind.EPT
    assert saint_denis.epci_id == "200054781"
    assert Grouping.objects.filter(kind=GroupingKind.EPT).count() >= 4  # EPT reaching 93


def test_every_commune_has_a_position(loaded, db):
    precisions = set(PositionPrecision.values)
    for lat, lon, precision in Commune.objects.values_list(
        "latitude", "longitude", "position_precision"
    ):
        assert 41 < lat < 51.5 and -5.5 < lon < 10
        assert precision in precisions


def test_positions_precision_flags(loaded, db):
    # Big cities are in GeoNames; so are the arrondissements of the three cities.
    for code in ("75056", "93066", "69123", "13055", "75110", "69381", "13201"):
        assert Commune.objects.get(code=code).position_precision == PositionPrecision.GEONAMES
    saint_denis = Commune.objects.get(code="93066")
    assert abs(saint_denis.latitude - 48.936) < 0.05 and abs(saint_denis.longitude - 2.357) < 0.05
    arr20 = Commune.objects.get(code="75120")
    assert abs(arr20.latitude - 48.864) < 0.02 and abs(arr20.longitude - 2.398) < 0.02
    approx = Commune.objects.filter(position_precision=PositionPrecision.APPROX_EPCI)
    assert approx.exists()  # small communes of the Rhône lack from cities500
    assert loaded.geonames_rate > 50
    assert loaded.idf_rate is not None and loaded.idf_rate > 90  # Paris and 93 are all towns


def test_approximate_position_is_the_epci_centre(loaded, db):
    commune = Commune.objects.filter(position_precision=PositionPrecision.APPROX_EPCI).first()
    placed = Commune.objects.filter(
        epci_id=commune.epci_id,
        kind=CommuneKind.COMMUNE,
        position_precision=PositionPrecision.GEONAMES,
    )
    lats = [c.latitude for c in placed]
    assert commune.latitude == pytest.approx(sum(lats) / len(lats), abs=1e-5)


def test_postal_codes(loaded, db):
    # Paris itself is served by every Paris postcode, and so is each arrondissement by its own.
    assert set(PostalCode.objects.filter(code="75010").values_list("commune_id", flat=True)) == {
        "75056",
        "75110",
    }
    assert set(PostalCode.objects.filter(commune_id="93066").values_list("code", flat=True)) >= {
        "93200",
        "93210",
    }
    assert PostalCode.objects.filter(commune_id="13201", code="13001").exists()


def test_naf_every_level_with_its_section(loaded, db):
    levels = {level: NafCode.objects.filter(level=level).count() for level in range(1, 6)}
    assert levels == {1: 21, 2: 88, 3: 272, 4: 615, 5: 732}
    assert NafCode.objects.get(code="88.99B").section == "Q"
    assert NafCode.objects.get(code="88").section == "Q"
    assert NafCode.objects.get(code="Q").label == "Santé humaine et action sociale"
    assert NafCode.objects.get(code="94.99Z").label.startswith("Autres organisations")


def test_legal_categories_loaded(loaded, db):
    assert LegalCategory.objects.get(code="9220").ess_family == "association"
    assert LegalCategory.objects.get(code="5458").label == "SARL coopérative de production (SCOP)"
    assert LegalCategory.objects.get(code="5710").ess_family == "other"


def test_second_run_skips_and_forced_run_changes_nothing(loaded, db):
    before = _counts()
    skipped = reference_load(departements=SCOPE)
    assert skipped.skipped
    forced = reference_load(departements=SCOPE, force=True)
    assert not forced.skipped
    assert all(changes == [0, 0, 0] for changes in forced.changes.values()), forced.changes
    assert _counts() == before


def test_reload_repairs_changed_rows(loaded, db):
    Commune.objects.filter(code="93066").update(name="Saint-Denis (modifié)", latitude=0.0)
    PostalCode.objects.filter(code="93200").delete()
    report = reference_load(departements=SCOPE, force=True)
    assert report.changes["communes"] == [0, 1, 0]
    assert report.changes["postal_codes"][0] >= 1
    assert Commune.objects.get(code="93066").name == "Saint-Denis"
    assert PostalCode.objects.filter(code="93200", commune_id="93066").exists()


def test_command_prints_both_rates(loaded, db, capsys):
    call_command("load_reference", departements="75,93,69,13", force=True)
    out = capsys.readouterr().out
    assert "Positions : " in out
    assert "des communes placées par GeoNames (Île-de-France : " in out
    assert "approximatives" in out


def test_missing_source_gives_one_clear_error(db, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="Fichier source introuvable"):
        call_command("load_reference", departements="75", force=True)


def test_broken_legal_categories_file_is_refused(db, tmp_path):
    bad = tmp_path / "legal.csv"
    bad.write_text("code,label,ess_family\n92,Association,association\n", encoding="utf-8")
    sources = ReferenceSources.default()
    sources = ReferenceSources(sources.decoupage_dir, sources.codes_postaux_file, bad)
    from atelier.territories.services import ReferenceSourceError
    from atelier.territories.services.nomenclatures import read_legal_categories

    with pytest.raises(ReferenceSourceError, match="ligne 2"):
        read_legal_categories(sources.legal_categories_file)
