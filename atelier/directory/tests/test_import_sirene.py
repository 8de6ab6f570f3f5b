"""`atelier import-sirene` on small files written in exactly the INSEE stock layouts."""

import gzip
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyproj import Transformer

from atelier.directory.enums import EssRule, GeoPrecision, Source
from atelier.directory.geo import lonlat_to_world
from atelier.directory.models import Establishment, Organisation
from atelier.directory.services.reports import ImportReport
from atelier.directory.services.sirene import (
    ETABLISSEMENT_COLUMNS,
    UNITE_LEGALE_COLUMNS,
    SireneOptions,
    organisation_import_sirene,
)
from atelier.directory.tests.sirene_files import (
    etab,
    report_rows,
    run_import,
    siren_of,
    siret_of,
    unit,
    write_csv,
)
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def test_happy_path_creates_organisations_and_establishments(ref, tmp_path):
    a, b = siren_of(1), siren_of(2)
    run_import(
        tmp_path,
        [unit(a, sigleUniteLegale="AJ"), unit(b, categorieJuridiqueUniteLegale="5458")],
        [
            etab(siret_of(a, 1)),
            etab(
                siret_of(a, 2),
                etablissementSiege="false",
                codeCommuneEtablissement="93066",
                codePostalEtablissement="93200",
                enseigne1Etablissement="ANTENNE NORD",
            ),
            etab(siret_of(b, 1), codeCommuneEtablissement="69123", codePostalEtablissement="69001"),
        ],
    )
    assert Organisation.objects.count() == 2
    assert Establishment.objects.count() == 3
    org = Organisation.objects.get(siren=a)
    assert org.name == f"ASSOCIATION {a}"
    assert org.acronym == "AJ"
    assert org.source == Source.SIRENE
    assert org.legal_category_id == "9220"
    assert org.naf_id == "88.99B"
    assert org.headcount_band == "02"
    assert str(org.creation_date) == "2012-03-01"
    assert org.sirene_ess_flag == "O"
    assert org.created_at and org.updated_at
    # Derived columns come from the head office (Paris 10e), nomenclatures and the name.
    assert org.ess_family == "association"
    assert org.ess_rule == EssRule.SIRENE_FLAG
    assert (org.commune_code, org.departement_code, org.region_code) == ("75110", "75", "11")
    assert org.epci_code == "200054781"
    assert org.naf_section == "Q"
    assert "associ" in org.search_text.split() and a in org.search_text.split()
    head = Establishment.objects.get(siret=siret_of(a, 1))
    assert head.is_head_office and head.is_open
    assert head.street == "8 impasse BOUTRON"
    assert head.postcode == "75010"
    assert head.geo_precision == GeoPrecision.COMMUNE
    assert (head.latitude, head.longitude) == (48.87602, 2.36111)
    assert (head.mx, head.my) == lonlat_to_world(2.36111, 48.87602)
    branch = Establishment.objects.get(siret=siret_of(a, 2))
    assert branch.name == "ANTENNE NORD" and not branch.is_head_office
    assert branch.organisation_id == org.id
    coop = Organisation.objects.get(siren=b)
    assert coop.ess_family == "cooperative" and coop.departement_code == "69"


def test_second_import_changes_nothing_and_applies_updates(ref, tmp_path):
    a = siren_of(3)
    units, etabs = (
        [unit(a)],
        [etab(siret_of(a, 1)), etab(siret_of(a, 2), etablissementSiege="false")],
    )
    _, out1 = run_import(tmp_path, units, etabs)
    first = Organisation.objects.get(siren=a)
    assert "Organisations : 1 créées, 0 mises à jour." in out1
    assert "Établissements écrits : 2 créés, 0 mis à jour" in out1
    _, out2 = run_import(tmp_path, units, etabs)
    assert Organisation.objects.count() == 1 and Establishment.objects.count() == 2
    again = Organisation.objects.get(siren=a)
    assert again.updated_at == first.updated_at  # nothing changed, nothing rewritten
    assert "Organisations : 0 créées, 0 mises à jour." in out2
    assert "Établissements écrits : 0 créés, 0 mis à jour" in out2
    # A changed name is applied on the next run, without a duplicate.
    _, out3 = run_import(tmp_path, [unit(a, denominationUniteLegale="NOUVEAU NOM")], etabs)
    assert "Organisations : 0 créées, 1 mises à jour." in out3
    assert Organisation.objects.get().name == "NOUVEAU NOM"
    assert "nouveau" in Organisation.objects.get().search_text
    assert Establishment.objects.count() == 2


def test_closed_establishments_and_ceased_units(ref, tmp_path):
    a, b = siren_of(4), siren_of(5)
    run_import(
        tmp_path,
        [unit(a), unit(b, etatAdministratifUniteLegale="C")],
        [etab(siret_of(a, 1), etatAdministratifEtablissement="F"), etab(siret_of(b, 1))],
    )
    assert not Establishment.objects.get(siret=siret_of(a, 1)).is_open
    assert Organisation.objects.get(siren=a).is_active
    assert not Organisation.objects.get(siren=b).is_active


def test_lambert93_coordinates_converted_to_wgs84(ref, tmp_path):
    a = siren_of(6)
    run_import(
        tmp_path,
        [unit(a)],
        [
            etab(
                siret_of(a, 1),
                coordonneeLambertAbscisseEtablissement="652469",
                coordonneeLambertOrdonneeEtablissement="6862035",
            )
        ],
    )
    e = Establishment.objects.get()
    # Checked independently with pyproj: Lambert-93 (652469, 6862035) is in central Paris.
    assert e.longitude == pytest.approx(2.35220, abs=1e-4)
    assert e.latitude == pytest.approx(48.85660, abs=1e-4)
    assert e.geo_precision == GeoPrecision.ADDRESS
    assert (e.mx, e.my) == lonlat_to_world(e.longitude, e.latitude)
    back = Transformer.from_crs(4326, 2154, always_xy=True).transform(e.longitude, e.latitude)
    assert back == pytest.approx((652469, 6862035), abs=0.01)


def test_geo_file_gives_positions(ref, tmp_path):
    a = siren_of(7)
    s1, s2 = siret_of(a, 1), siret_of(a, 2)
    run_import(
        tmp_path,
        [unit(a)],
        [etab(s1), etab(s2, etablissementSiege="false")],
        geo=[
            {
                "siret": s1,
                "x": "652469",
                "y": "6862035",
                "epsg": "2154",
                "y_latitude": "48.8712",
                "x_longitude": "2.3601",
            },
            {"siret": s2, "x": "652469", "y": "6862035", "epsg": "2154"},
        ],
    )
    e1, e2 = Establishment.objects.get(siret=s1), Establishment.objects.get(siret=s2)
    assert (e1.latitude, e1.longitude, e1.geo_precision) == (48.8712, 2.3601, "address")
    assert e2.longitude == pytest.approx(2.3522, abs=1e-4)
    assert e2.geo_precision == "address"


def test_ess_only_keeps_the_ess_perimeter(ref, tmp_path):
    assoc, flagged, company = siren_of(8), siren_of(9), siren_of(10)
    run_import(
        tmp_path,
        [
            unit(assoc, economieSocialeSolidaireUniteLegale=""),
            unit(flagged, categorieJuridiqueUniteLegale="5710"),
            unit(
                company,
                categorieJuridiqueUniteLegale="5710",
                economieSocialeSolidaireUniteLegale="N",
            ),
        ],
        [etab(siret_of(assoc)), etab(siret_of(flagged)), etab(siret_of(company))],
        ess_only=True,
    )
    assert set(Organisation.objects.values_list("siren", flat=True)) == {assoc, flagged}
    assert Organisation.objects.get(siren=assoc).ess_rule == EssRule.LEGAL_CATEGORY
    assert Establishment.objects.count() == 2


def test_territory_keeps_establishments_of_the_territory(ref, tmp_path):
    a, b = siren_of(11), siren_of(12)
    units = [unit(a), unit(b)]
    etabs = [
        etab(siret_of(a, 1), codeCommuneEtablissement="93066", codePostalEtablissement="93200"),
        etab(siret_of(a, 2), etablissementSiege="false"),
        etab(siret_of(b, 1), codeCommuneEtablissement="69123"),
    ]
    _, out = run_import(tmp_path, units, etabs, territory="departement:93")
    assert list(Establishment.objects.values_list("siret", flat=True)) == [siret_of(a, 1)]
    assert list(Organisation.objects.values_list("siren", flat=True)) == [a]
    assert "Seine-Saint-Denis (93)" in out
    Establishment.objects.all().delete()
    Organisation.objects.all().delete()
    run_import(tmp_path, units, etabs, territory="region:11")
    assert Establishment.objects.count() == 2 and Organisation.objects.count() == 1


def test_commune_territory_includes_its_municipal_arrondissements(ref, tmp_path):
    """`commune:75056` keeps the establishments placed in Paris's arrondissements (read from the
    reference: 75110 is one, 93066 is not)."""
    a, b = siren_of(21), siren_of(22)
    units = [unit(a), unit(b)]
    etabs = [
        etab(siret_of(a, 1)),  # Paris 10e (75110)
        etab(siret_of(b, 1), codeCommuneEtablissement="93066", codePostalEtablissement="93200"),
    ]
    run_import(tmp_path, units, etabs, territory="commune:75056")
    assert list(Establishment.objects.values_list("siret", flat=True)) == [siret_of(a, 1)]


def test_refused_before_the_reference_is_loaded(tmp_path):
    a = siren_of(23)
    err, _ = run_import(tmp_path, [unit(a)], [etab(siret_of(a))], expect_error=True)
    assert "référentiel des communes n'est pas chargé" in str(err)
    assert Organisation.objects.count() == 0


def test_ambiguous_or_unknown_territory_is_one_sentence(ref, tmp_path):
    err, _ = run_import(tmp_path, [], [], territory="departement:99", expect_error=True)
    assert "Territoire inconnu" in str(err)


def test_bad_siret_rejected_with_line_and_column_and_nonzero_exit(ref, tmp_path):
    a = siren_of(13)
    bad = siret_of(a, 2)[:-1] + str((int(siret_of(a, 2)[-1]) + 1) % 10)
    err, out = run_import(
        tmp_path,
        [unit(a), unit("123456789")],
        [
            etab(siret_of(a, 1)),
            etab(bad, etablissementSiege="false"),
            etab(siret_of(a, 3), codeCommuneEtablissement="99999", etablissementSiege="false"),
        ],
        expect_error=True,
    )
    assert err.returncode != 0
    rows = report_rows(tmp_path)
    by_file = {(r["fichier"], r["ligne"], r["colonne"]): r for r in rows}
    assert ("StockUniteLegale.csv", "3", "siren") in by_file
    assert ("StockEtablissement.csv", "3", "siret") in by_file
    assert "Luhn" in by_file[("StockEtablissement.csv", "3", "siret")]["motif"]
    unknown = by_file[("StockEtablissement.csv", "4", "codeCommuneEtablissement")]
    assert unknown["motif"] == "code commune inconnu"
    # Every good row is kept.
    assert list(Establishment.objects.values_list("siret", flat=True)) == [siret_of(a, 1)]
    assert "3 ligne(s) rejetée(s)" in out


def test_bad_date_rejected(ref, tmp_path):
    a = siren_of(14)
    run_import(
        tmp_path,
        [unit(a, dateCreationUniteLegale="2012-13-45")],
        [etab(siret_of(a))],
        expect_error=True,
    )
    reasons = {(r["colonne"], r["motif"]) for r in report_rows(tmp_path)}
    assert ("dateCreationUniteLegale", "date invalide") in reasons
    assert not Organisation.objects.exists()


def test_partial_diffusion_hides_personal_data(ref, tmp_path):
    person, public = siren_of(15), siren_of(16)
    run_import(
        tmp_path,
        [
            unit(
                person,
                categorieJuridiqueUniteLegale="1000",
                statutDiffusionUniteLegale="P",
                denominationUniteLegale="",
                nomUniteLegale="[ND]",
                prenom1UniteLegale="[ND]",
            ),
            unit(
                public,
                categorieJuridiqueUniteLegale="1000",
                denominationUniteLegale="",
                nomUniteLegale="MARTIN",
                prenom1UniteLegale="CLAIRE",
            ),
        ],
        [
            etab(
                siret_of(person),
                statutDiffusionEtablissement="P",
                coordonneeLambertAbscisseEtablissement="652469",
                coordonneeLambertOrdonneeEtablissement="6862035",
            ),
            etab(siret_of(public)),
        ],
    )
    hidden = Organisation.objects.get(siren=person)
    assert "ND" not in hidden.name and "diffusion partielle" in hidden.name
    e = Establishment.objects.get(siret=siret_of(person))
    assert e.street == "" and e.geo_precision == GeoPrecision.COMMUNE
    assert Organisation.objects.get(siren=public).name == "CLAIRE MARTIN"


def test_missing_columns_stop_with_one_sentence(ref, tmp_path):
    cols = [c for c in UNITE_LEGALE_COLUMNS if c not in ("denominationUniteLegale", "siren")]
    ul = write_csv(tmp_path / "ul.csv", cols, [])
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, [])
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_sirene",
            "--unites-legales",
            str(ul),
            "--etablissements",
            str(et),
            "--report",
            str(tmp_path / "r.csv"),
            stderr=io.StringIO(),
        )
    message = str(exc.value)
    assert message.startswith("Il manque dans le fichier ul.csv")
    assert "siren, denominationUniteLegale" in message
    assert message.count(".") == 2 and "\n" not in message  # ".csv" and the final full stop


def test_wrong_separator_and_not_a_csv(ref, tmp_path):
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, [], delimiter=";")
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, [])
    with pytest.raises(CommandError, match="séparateur « ; »"):
        call_command(
            "import_sirene",
            "--unites-legales",
            str(ul),
            "--etablissements",
            str(et),
            "--report",
            str(tmp_path / "r.csv"),
            stderr=io.StringIO(),
        )
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    with pytest.raises(CommandError, match="n'est pas un fichier CSV"):
        call_command(
            "import_sirene",
            "--unites-legales",
            str(binary),
            "--etablissements",
            str(et),
            "--report",
            str(tmp_path / "r.csv"),
            stderr=io.StringIO(),
        )


def test_zip_and_gzip_inputs(ref, tmp_path):
    a = siren_of(17)
    ul = write_csv(tmp_path / "StockUniteLegale.csv", UNITE_LEGALE_COLUMNS, [unit(a)])
    et = write_csv(tmp_path / "StockEtablissement.csv", ETABLISSEMENT_COLUMNS, [etab(siret_of(a))])
    zipped = tmp_path / "StockUniteLegale_utf8.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(ul, "StockUniteLegale_utf8.csv")
    gzipped = tmp_path / "StockEtablissement.csv.gz"
    gzipped.write_bytes(gzip.compress(et.read_bytes()))
    call_command(
        "import_sirene",
        "--unites-legales",
        str(zipped),
        "--etablissements",
        str(gzipped),
        "--report",
        str(tmp_path / "r.csv"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Establishment.objects.get().siret == siret_of(a)


def test_establishment_without_legal_unit_is_reported(ref, tmp_path):
    a, orphan = siren_of(18), siren_of(19)
    run_import(tmp_path, [unit(a)], [etab(siret_of(a)), etab(siret_of(orphan))], expect_error=True)
    [row] = report_rows(tmp_path)
    assert row["motif"] == "SIREN absent du fichier des unités légales"
    assert Establishment.objects.count() == 1


def test_head_office_found_in_a_later_batch_sets_the_commune(ref, tmp_path):
    a = siren_of(20)
    units = [unit(a)]
    etabs = [
        etab(siret_of(a, 1), etablissementSiege="false", codeCommuneEtablissement="69123"),
        etab(siret_of(a, 2), codeCommuneEtablissement="93066"),
    ]
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, units)
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, etabs)
    report = ImportReport()
    organisation_import_sirene(
        options=SireneOptions(
            unites_legales=ul, etablissements=et, batch_size=1, progress_stream=io.StringIO()
        ),
        report=report,
    )
    assert Organisation.objects.get().commune_code == "93066"
    assert report.count == 0
