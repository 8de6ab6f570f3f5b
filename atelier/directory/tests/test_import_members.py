"""`atelier import-members`: member lists of a network, CSV (sniffed) or XLSX."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from atelier.directory.enums import EssRule, GeoPrecision, Source, Theme
from atelier.directory.models import Establishment, Organisation, OrganisationMembership
from atelier.directory.tests.factories import NetworkFactory
from atelier.directory.tests.test_import_sirene import siren_of, siret_of
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def network():
    return NetworkFactory(slug="atelier-idf", name="L'Atelier")


def write(path, rows, *, delimiter=";", encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def run(path, *args, expect_error=False):
    out = io.StringIO()
    argv = [str(path), "--report", str(path.parent / "rapport.csv"), *args]
    if expect_error:
        with pytest.raises(CommandError) as exc:
            call_command("import_members", *argv, stdout=out)
        return exc.value, out.getvalue()
    call_command("import_members", *argv, stdout=out)
    return None, out.getvalue()


def report(path):
    with (path.parent / "rapport.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


HEADER = ["Raison sociale", "SIRET", "Adresse", "Code postal", "Ville", "Site web", "Courriel",
          "Thématiques", "Date d'adhésion"]  # fmt: skip


def test_csv_members_created_with_memberships(ref, network, tmp_path):
    s = siret_of(siren_of(500))
    path = write(
        tmp_path / "adherents.csv",
        [
            HEADER,
            [
                "Coopaname",
                s,
                "3 rue Albert Marquet",
                "75020",
                "Paris",
                "www.coopaname.coop",
                "contact@coopaname.coop",
                "insertion, Culture",
                "12/03/2019",
            ],
            ["Voisin Malin", "", "", "93200", "Saint-Denis", "", "", "", ""],
        ],
        encoding="cp1252",
    )
    _, out = run(path, "--network", "atelier-idf")
    assert "2 organisation(s) créée(s)" in out
    coop = Organisation.objects.get(name="Coopaname")
    assert coop.source == Source.MEMBERS and coop.staff_approved
    assert coop.ess_rule == EssRule.STAFF_APPROVAL
    assert coop.siren == s[:9] and coop.website == "https://www.coopaname.coop"
    assert set(coop.themes) == {Theme.INSERTION, Theme.CULTURE}
    assert coop.commune_code == "75120" and coop.departement_code == "75"
    est = coop.establishments.get()
    assert est.siret == s and est.geo_precision == GeoPrecision.COMMUNE
    assert (est.latitude, est.longitude) == (48.86346, 2.40123) and est.mx
    m = OrganisationMembership.objects.get(organisation=coop, network=network)
    assert m.contact_email == "contact@coopaname.coop"
    assert str(m.joined_on) == "2019-03-12"
    voisin = Organisation.objects.get(name="Voisin Malin")
    assert voisin.commune_code == "93066" and "voisin" in voisin.search_text


def test_second_import_updates_by_siret_then_name(ref, network, tmp_path):
    s = siret_of(siren_of(501))
    rows = [HEADER, ["Coopaname", s, "", "75020", "Paris", "", "", "", ""],
            ["Voisin Malin", "", "", "93200", "Saint-Denis", "", "", "", ""]]  # fmt: skip
    run(write(tmp_path / "a.csv", rows), "--network", "atelier-idf")
    rows[1][0] = "Coopaname SCOP"
    rows[2][5] = "voisin-malin.fr"
    _, out = run(write(tmp_path / "b.csv", rows), "--network", "atelier-idf")
    assert "0 organisation(s) créée(s), 2 mise(s) à jour" in out
    assert Organisation.objects.count() == 2 and Establishment.objects.count() == 2
    assert Organisation.objects.get(name="Voisin Malin").website == "https://voisin-malin.fr"
    assert OrganisationMembership.objects.count() == 2


def test_xlsx_with_map_and_sheet(ref, network, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    ws = book.create_sheet("Adhérents")
    ws.append(["Structure adhérente", "Code INSEE", "Forme"])
    ws.append(["La Cyclofficine", "93066", "9220"])
    path = tmp_path / "adherents.xlsx"
    book.save(path)
    _, out = run(path, "--network", "atelier-idf", "--sheet", "Adhérents",
                 "--map", "Structure adhérente=name,Forme=legal_category")  # fmt: skip
    org = Organisation.objects.get()
    assert org.name == "La Cyclofficine" and org.legal_category_id == "9220"
    assert org.ess_rule == EssRule.LEGAL_CATEGORY and org.commune_code == "93066"


def test_dry_run_writes_nothing_and_previews(ref, network, tmp_path):
    path = write(tmp_path / "a.csv", [HEADER, ["Alter Bâtir", "", "", "75010", "Paris", "", "", "",
                                               ""]])  # fmt: skip
    _, out = run(path, "--network", "atelier-idf", "--dry-run")
    assert "Essai à blanc" in out and "Alter Bâtir" in out and "créée" in out
    assert "Paris 10e Arrondissement (75110)" in out
    assert not Organisation.objects.exists() and not Establishment.objects.exists()
    assert not OrganisationMembership.objects.exists()


def test_postcode_commune_mismatch_and_bad_siret_reported(ref, network, tmp_path):
    good = siret_of(siren_of(502))
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    path = write(
        tmp_path / "a.csv",
        [
            HEADER,
            ["Port Parallèle", "", "", "69001", "Saint-Denis", "", "", "", ""],
            ["Astrolabe Conseil", bad, "", "75010", "Paris", "", "", "", ""],
            ["Coopetic", good, "", "75010", "Paris", "", "", "", ""],
        ],
    )
    err, out = run(path, "--network", "atelier-idf", expect_error=True)
    assert err.returncode != 0
    rows = {r["ligne"]: r for r in report(path)}
    assert rows["2"]["colonne"] == "Ville"
    assert "69001 n'appartient pas à la commune Saint-Denis" in rows["2"]["motif"]
    assert rows["3"]["colonne"] == "SIRET" and "Luhn" in rows["3"]["motif"]
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Coopetic"]


def test_unknown_network_and_missing_name_column_are_one_sentence(ref, network, tmp_path):
    path = write(tmp_path / "a.csv", [["Adresse", "Ville"], ["1 rue X", "Paris"]])
    err, _ = run(path, "--network", "nope", expect_error=True)
    assert str(err) == (
        f"Le réseau « nope » n'existe pas. Réseaux possibles (--network) : {network.slug}."
    )
    err, _ = run(path, "--network", "atelier-idf", expect_error=True)
    assert str(err).startswith("Aucune colonne de nom trouvée")


def test_refused_before_the_reference_is_loaded(network, tmp_path):
    path = write(tmp_path / "a.csv", [HEADER, ["Coopaname", "", "", "75020", "Paris"]])
    err, _ = run(path, "--network", "atelier-idf", expect_error=True)
    assert "référentiel des communes n'est pas chargé" in str(err)
    assert "atelier load-reference" in str(err)
