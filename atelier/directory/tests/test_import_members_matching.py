"""`atelier import-members`: a member without SIRET is matched by name and commune (one match
updates, several are reported), city postcodes place a row in its arrondissement, a mostly
invalid file is refused before writing, and a missing file leaves no report behind."""

import pytest

from atelier.directory.models import Establishment, Organisation
from atelier.directory.tests.factories import NetworkFactory
from atelier.directory.tests.test_import_members import HEADER, report, run, write
from atelier.directory.tests.test_import_sirene import siren_of, siret_of
from atelier.territories.tests.factories import (
    ArrondissementFactory,
    CommuneFactory,
    DepartementFactory,
    make_small_reference,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    found = make_small_reference()
    NetworkFactory(slug="atelier-idf", name="L'Atelier")
    return found


def row(name, postcode="", commune="", siret=""):
    return [name, siret, "", postcode, commune, "", "", "", ""]


# -- Duplicates without SIRET


def test_one_organisation_of_that_name_in_the_commune_is_updated(ref, tmp_path):
    run(write(tmp_path / "a.csv", [HEADER, row("Coopérative L'Établi", "75010", "Paris")]))
    org = Organisation.objects.get()
    assert org.commune_code == "75110"
    # Case, accents, apostrophes and spacing differ; the city is named without postcode.
    rows = [HEADER, ["COOPERATIVE  L’ETABLI", "", "", "", "paris", "etabli.coop", "", "", ""]]
    _, out = run(write(tmp_path / "b.csv", rows), "--network", "atelier-idf")
    assert "0 organisation(s) créée(s), 1 mise(s) à jour" in out
    org.refresh_from_db()
    assert Organisation.objects.count() == 1 and org.website == "https://etabli.coop"
    # The arrondissement already known is kept, in the one establishment.
    assert list(Establishment.objects.values_list("commune_id", flat=True)) == ["75110"]
    assert org.commune_code == "75110" and org.memberships.count() == 1


def test_same_name_in_another_commune_is_another_organisation(ref, tmp_path):
    rows = [HEADER, row("Les Petits Débrouillards", "75020", "Paris"),
            row("Les Petits Débrouillards", "93200", "Saint-Denis")]  # fmt: skip
    _, out = run(write(tmp_path / "a.csv", rows))
    assert "2 organisation(s) créée(s)" in out
    assert sorted(Organisation.objects.values_list("commune_code", flat=True)) == [
        "75120",
        "93066",
    ]


def test_several_organisations_of_that_name_are_reported_not_created(ref, tmp_path):
    rows = [HEADER, row("Solidarité Paysans", "75010", "Paris", siret_of(siren_of(610))),
            row("Solidarité Paysans", "75020", "Paris", siret_of(siren_of(611)))]  # fmt: skip
    run(write(tmp_path / "a.csv", rows))
    ids = sorted(Organisation.objects.values_list("id", flat=True))
    assert len(ids) == 2
    path = write(tmp_path / "b.csv", [HEADER, row("Solidarite paysans", "", "Paris")])
    err, out = run(path, expect_error=True)
    assert err.returncode == 2
    assert "1 doublon(s) possible(s) non écrit(s)" in out
    assert Organisation.objects.count() == 2
    [entry] = report(path)
    assert entry["colonne"] == "Raison sociale" and entry["ligne"] == "2"
    assert entry["motif"].startswith("doublon possible : 2 organisations de même nom")
    assert f"#{ids[0]}, #{ids[1]}" in entry["motif"]


def test_an_organisation_with_another_siren_is_not_matched_by_name(ref, tmp_path):
    first = siret_of(siren_of(612))
    run(write(tmp_path / "a.csv", [HEADER, row("Enercoop", "75020", "Paris", first)]))
    other = siret_of(siren_of(613))
    _, out = run(write(tmp_path / "b.csv", [HEADER, row("Enercoop", "75020", "Paris", other)]))
    assert "1 organisation(s) créée(s), 0 mise(s) à jour" in out
    assert Organisation.objects.count() == 2


def test_same_member_with_and_without_siret_in_one_file_is_one_row(ref, tmp_path):
    s = siret_of(siren_of(614))
    for rows in (
        [HEADER, row("La Louve", "75020", "Paris", s), row("LA LOUVE", "", "Paris")],
        [HEADER, row("La Louve", "", "Paris"), row("La Louve", "75020", "Paris", s)],
    ):
        Organisation.objects.all().delete()
        path = write(tmp_path / "a.csv", rows)
        err, _ = run(path, expect_error=True)
        assert err.returncode == 2 and Organisation.objects.count() == 1
        assert report(path)[0]["motif"] == "doublon de la ligne 2"


def test_two_sites_of_one_member_in_one_file(ref, tmp_path):
    siren = siren_of(615)
    rows = [HEADER, row("Emmaüs Défi", "75020", "Paris", siret_of(siren, 1)),
            row("Emmaüs Défi", "75010", "Paris", siret_of(siren, 2))]  # fmt: skip
    _, out = run(write(tmp_path / "a.csv", rows))
    assert "1 organisation(s) créée(s), 1 mise(s) à jour" in out
    org = Organisation.objects.get()
    assert sorted(org.establishments.values_list("commune_id", flat=True)) == ["75110", "75120"]


# -- Municipal arrondissements from postcodes


@pytest.fixture
def cities(ref):
    lyon3 = ArrondissementFactory(code="69383", name="Lyon 3e Arrondissement", parent=ref["lyon"])
    bdr = DepartementFactory(code="13", name="Bouches-du-Rhône", region=ref["lyon"].region)
    marseille = CommuneFactory(code="13055", name="Marseille", departement=bdr)
    marseille1 = ArrondissementFactory(
        code="13201", name="Marseille 1er Arrondissement", parent=marseille
    )
    return lyon3, marseille1


@pytest.mark.parametrize(
    ("postcode", "commune", "expected"),
    [
        ("69003", "Lyon", "69383"),
        ("69003", "", "69383"),
        ("13001", "Marseille", "13201"),
        ("13001", "13055", "13201"),
        ("75020", "", "75120"),
        ("75020", "Paris", "75120"),
    ],
)
def test_city_postcode_places_the_row_in_its_arrondissement(
    cities, tmp_path, postcode, commune, expected
):
    run(write(tmp_path / "a.csv", [HEADER, row("Ateliers du Soleil", postcode, commune)]))
    est = Establishment.objects.get()
    assert est.commune_id == expected and est.postcode == postcode
    assert Organisation.objects.get().commune_code == expected


def test_arrondissement_of_another_city_is_a_mismatch(cities, tmp_path):
    path = write(tmp_path / "a.csv", [HEADER, row("Ateliers du Soleil", "13001", "Lyon")])
    err, _ = run(path, expect_error=True)
    assert err.returncode == 2 and not Organisation.objects.exists()
    assert "13001 n'appartient pas à la commune Lyon" in report(path)[0]["motif"]


# -- Mostly garbage


def test_mostly_invalid_file_refused_before_writing(ref, tmp_path, settings):
    settings.ATELIER_IMPORT_MAX_REJECT_RATE = 0.5
    settings.ATELIER_IMPORT_REJECT_MIN_ROWS = 20
    good = [row(f"Structure {i}", "75020", "Paris") for i in range(5)]
    bad = [row(f"Ligne {i}", "99999", "Nulle-Part") for i in range(20)]
    path = write(tmp_path / "a.csv", [HEADER, *good, *bad])
    err, _ = run(path, expect_error=True)
    assert err.returncode == 1
    assert "20 ligne(s) sur 25 sont invalides (80 %, au-delà de 50 %" in str(err)
    assert "ATELIER_IMPORT_MAX_REJECT_RATE" in str(err) and "rien n'a été écrit" in str(err)
    assert not Organisation.objects.exists()
    assert len(report(path)) == 20  # the report says why


def test_reject_rate_needs_its_minimum_sample(ref, tmp_path, settings):
    settings.ATELIER_IMPORT_REJECT_MIN_ROWS = 20
    rows = [HEADER, row("Structure", "75020", "Paris"), row("Ligne", "99999", "Nulle-Part"),
            row("Autre", "99998", "Ailleurs")]  # fmt: skip
    err, _ = run(write(tmp_path / "a.csv", rows), expect_error=True)
    assert err.returncode == 2 and Organisation.objects.count() == 1


def test_rate_at_the_threshold_still_imports(ref, tmp_path, settings):
    settings.ATELIER_IMPORT_MAX_REJECT_RATE = 0.5
    settings.ATELIER_IMPORT_REJECT_MIN_ROWS = 4
    rows = [HEADER, *(row(f"Structure {i}", "75020", "Paris") for i in range(2)),
            *(row(f"Ligne {i}", "99999", "Nulle-Part") for i in range(2))]  # fmt: skip
    err, _ = run(write(tmp_path / "a.csv", rows), expect_error=True)
    assert err.returncode == 2 and Organisation.objects.count() == 2


# -- Missing file


def test_missing_file_writes_no_report(ref, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    err, _ = run(tmp_path / "absent.csv", expect_error=True)
    assert str(err) == f"Le fichier {tmp_path / 'absent.csv'} n'existe pas."
    assert not (tmp_path / "rapport.csv").exists()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_members", str(tmp_path / "absent.csv"))
    assert not (tmp_path / "var").exists()  # nor the default one under VAR_DIR/imports


def test_directory_is_not_a_file_and_writes_no_report(ref, tmp_path):
    (tmp_path / "dossier.csv").mkdir()
    err, _ = run(tmp_path / "dossier.csv", expect_error=True)
    assert str(err) == f"{tmp_path / 'dossier.csv'} n'est pas un fichier."
    assert not (tmp_path / "rapport.csv").exists()
