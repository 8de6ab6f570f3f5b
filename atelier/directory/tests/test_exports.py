import csv
import io
import json
from datetime import date

import pytest
from data_inclusion.schema.v1 import ReseauPorteur, Structure
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from atelier.directory.enums import Approval
from atelier.directory.models import Organisation
from atelier.directory.services.exports import (
    ExportReport,
    data_inclusion_record,
    data_inclusion_source,
    export_csv,
    export_data_inclusion,
    export_filename,
    export_geojson,
)
from atelier.directory.services.organisations import bits, organisation_refresh_derived
from atelier.directory.tests.factories import (
    EstablishmentFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
)
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess, place
from atelier.territories.models import LegalCategory
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def orgs(ref):
    coopaname = make_coopaname(ref)
    insertion = OrganisationFactory(
        name='=HYPERLINK("x")',  # a formula-looking name must stay text in a spreadsheet
        legal_category=LegalCategory.objects.get(code="9220"),
        approval_bits=bits([Approval.SIAE_ACI, Approval.SIAE_EI]),
        website="not a url",
        description="ok",
    )
    place(
        EstablishmentFactory(
            organisation=insertion, postcode="93200", commune=ref["saint_denis"], siret=None
        ),
        48.93564,
        2.35387,
    )
    organisation_refresh_derived(organisation=insertion)
    MembershipFactory(organisation=insertion, network=NetworkFactory(slug="emmaus", name="Emmaüs"))
    bare = OrganisationFactory(
        name="AB", legal_category=LegalCategory.objects.get(code="9300"), acronym="ABF"
    )
    organisation_refresh_derived(organisation=bare)
    return {"coopaname": coopaname, "insertion": insertion, "bare": bare}


def _all():
    return Organisation.objects.exclude(ess_rule="")


def test_csv_has_bom_semicolons_french_headers_and_one_row_per_organisation(orgs, ref):
    make_outside_ess(ref)
    text = "".join(export_csv(_all()))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:4] == ["Identifiant", "SIREN", "Nom", "Sigle"]
    assert len(rows) == 1 + 3  # the organisation outside the ESS is not in the queryset
    header = rows[0]
    coop = dict(zip(header, rows[1], strict=True))
    assert coop["Nom"] == "Coopaname"
    assert coop["Famille de l'ESS"] == "coopérative"
    assert coop["Code forme juridique"] == "5458"
    assert coop["Adresse"] == "3-7 rue Albert Marquet"
    assert coop["Commune"] == "Paris 20e Arrondissement"
    assert coop["Code commune"] == "75120"
    assert coop["Latitude"] == "48.853"
    assert coop["Établissements ouverts"] == "2"
    assert "coopérative d'activités et d'emploi (CAE)" in coop["Agréments"]
    formula = dict(zip(header, rows[2], strict=True))
    assert formula["Nom"] == '\'=HYPERLINK("x")'


def test_csv_streams_in_chunks(ref, orgs):
    Organisation.objects.bulk_create(
        Organisation(name=f"Asso {i}", ess_rule="legal_category", source="manual")
        for i in range(1200)
    )
    chunks = list(export_csv(_all()))
    assert len(chunks) >= 3
    assert sum(c.count("\r\n") for c in chunks) == 1 + 1203


def test_exports_read_a_bounded_number_of_queries(orgs, django_assert_num_queries):
    # organisations + establishments (with communes) + memberships (with networks)
    with django_assert_num_queries(3):
        "".join(export_csv(_all()))
    with django_assert_num_queries(3):
        "".join(export_geojson(_all()))
    with django_assert_num_queries(3):
        "".join(export_data_inclusion(_all()))


def test_geojson_features_are_open_placed_establishments(orgs):
    data = json.loads("".join(export_geojson(_all(), page_url="https://x.test/o/{id}/")))
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == 3  # 2 open placed for Coopaname, 1 for the insertion company
    coop = [f for f in features if f["properties"]["organisation"] == "Coopaname"]
    assert coop[0]["geometry"] == {"type": "Point", "coordinates": [2.41, 48.853]}
    props = coop[0]["properties"]
    assert props["organisation_id"] == orgs["coopaname"].pk
    assert props["famille_ess"] == "cooperative"
    assert props["commune"] == "Paris 20e Arrondissement"
    assert props["siege"] is True
    assert props["fiche"] == f"https://x.test/o/{orgs['coopaname'].pk}/"


def test_geojson_of_nothing_is_an_empty_collection(db):
    assert json.loads("".join(export_geojson(Organisation.objects.none()))) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_every_data_inclusion_structure_validates_strictly(orgs):
    report = ExportReport()
    structures = json.loads("".join(export_data_inclusion(_all(), report=report)))
    assert report.written == len(structures) == 3 and report.skipped == []
    for item in structures:
        Structure.model_validate_json(json.dumps(item), strict=True)
    for org in _all():
        org = Organisation.objects.get(pk=org.pk)
        record = data_inclusion_record(org, source=data_inclusion_source())
        Structure.model_validate(record, strict=True)


def test_data_inclusion_fields_and_extension(orgs):
    structures = {
        s["nom"]: s
        for s in json.loads(
            "".join(export_data_inclusion(_all(), page_url="https://x.test/o/{id}/"))
        )
    }
    coop = structures["Coopaname"]
    pk = orgs["coopaname"].pk
    assert coop["id"] == f"atelier--{pk}" and coop["source"] == "atelier"
    assert coop["siret"] == "44312197500017"
    assert coop["adresse"] == "3-7 rue Albert Marquet"
    assert (coop["code_postal"], coop["code_insee"]) == ("75020", "75120")
    assert coop["commune"] == "Paris 20e Arrondissement"
    assert (coop["latitude"], coop["longitude"]) == (48.853, 2.41)
    assert coop["site_web"].startswith("https://www.coopaname.coop")
    assert coop["lien_source"] == f"https://x.test/o/{pk}/"
    assert date.fromisoformat(coop["date_maj"]) <= date.today()
    assert (date.today() - date.fromisoformat(coop["date_maj"])).days <= 1
    assert "reseaux_porteurs" not in coop  # its networks have no data·inclusion value
    assert coop["atelier"]["famille_ess"] == "cooperative"
    assert coop["atelier"]["forme_juridique"] == {
        "code": "5458",
        "libelle": "SARL coopérative de production (SCOP)",
    }
    assert coop["atelier"]["regle_ess"] == "legal_category"
    assert coop["atelier"]["agrements"] == ["cae", "scop"]

    insertion = structures['=HYPERLINK("x")']
    assert insertion["reseaux_porteurs"] == ["aci", "ei", "emmaus"]
    assert "site_web" not in insertion  # an invalid URL is dropped, not exported
    assert "description" not in insertion  # shorter than the schema's 5 characters
    assert "siret" not in insertion

    bare = structures["AB (ABF)"]  # the schema wants at least 3 characters
    assert "latitude" not in bare and "adresse" not in bare


def test_data_inclusion_reseaux_porteurs_are_enum_members(orgs):
    record = data_inclusion_record(
        Organisation.objects.prefetch_related("memberships__network").get(pk=orgs["insertion"].pk),
        source="atelier",
    )
    assert record["reseaux_porteurs"] == {ReseauPorteur.ACI, ReseauPorteur.EI}
    assert isinstance(record["date_maj"], date)


def test_data_inclusion_skips_and_reports_an_impossible_structure(ref):
    org = OrganisationFactory(name="X", ess_rule="legal_category")
    report = ExportReport()
    assert json.loads("".join(export_data_inclusion(_all(), report=report))) == []
    assert report.written == 0 and report.skipped[0][0] == org.pk


def test_export_filename_has_the_date():
    assert export_filename("csv", today=date(2025, 3, 1)) == "atlas-ess-2025-03-01.csv"
    assert export_filename("data-inclusion", today=date(2025, 3, 1)).endswith(".json")


# --- view and command (they go through the search task's selectors) -------------------


def test_export_view_streams_csv_with_a_dated_filename(client, orgs, ref):
    make_outside_ess(ref)
    response = client.get("/atlas/export.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert f'filename="atlas-ess-{today}.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert "Coopaname" in text and "Société Ordinaire" not in text


def test_export_view_applies_the_atlas_filters(client, orgs):
    response = client.get("/atlas/export.geojson?famille=cooperative")
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(b"".join(response.streaming_content))
    assert {f["properties"]["organisation"] for f in data["features"]} == {"Coopaname"}


def test_export_view_data_inclusion_json(client, orgs):
    response = client.get("/atlas/export.json?territoire=commune:93066")
    data = json.loads(b"".join(response.streaming_content))
    assert [s["nom"] for s in data] == ['=HYPERLINK("x")']
    assert data[0]["lien_source"].endswith(f"/atlas/organisations/{orgs['insertion'].pk}/")
    for item in data:
        Structure.model_validate_json(json.dumps(item), strict=True)


def test_export_view_unknown_format_is_404(client, db):
    assert client.get("/atlas/export.xlsx").status_code == 404


def test_export_command_writes_a_file(orgs, tmp_path, capsys):
    out = tmp_path / "atlas.json"
    call_command(
        "export", "--format", "data-inclusion", "--output", str(out), "--famille", "cooperative"
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [s["nom"] for s in data] == ["Coopaname"]


def test_export_command_to_stdout(orgs, capsys):
    call_command("export", "--format", "csv")
    assert capsys.readouterr().out.startswith("\ufeffIdentifiant;SIREN;Nom")


def test_export_command_rejects_a_bad_filter(orgs):
    with pytest.raises(CommandError, match="invalide"):
        call_command("export", "--format", "csv", "--territoire", "planete:mars")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\t1", "'\t1"),  # float() would read it as a number: still neutralised
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),  # a signed number stays a number
        ("+33", "+33"),
        ("Coopaname", "Coopaname"),
        (None, ""),
    ],
)
def test_one_formula_guard_for_every_csv_cell(value, cell):
    from atelier.directory.services.exports import csv_cell

    assert csv_cell(value) == cell


@pytest.mark.parametrize("prefix", ["+", "-", "@", "\t", "\r"])
def test_the_atlas_csv_neutralises_every_formula_prefix(ref, prefix):
    org = OrganisationFactory(
        name=f'{prefix}HYPERLINK("x")',
        legal_category=LegalCategory.objects.get(code="9220"),
    )
    place(
        EstablishmentFactory(organisation=org, commune=ref["saint_denis"], siret=None), 48.93, 2.35
    )
    organisation_refresh_derived(organisation=org)
    text = "".join(export_csv(_all()))
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    names = [dict(zip(rows[0], r, strict=True))["Nom"] for r in rows[1:]]
    assert names == [f'\'{prefix}HYPERLINK("x")']
