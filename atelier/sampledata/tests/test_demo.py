import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from atelier.accounts.selectors import user_network_ids
from atelier.directory.enums import Approval, EssRule, GeoPrecision, Source
from atelier.directory.models import Establishment, Organisation, OrganisationMembership
from atelier.directory.selectors.approvals import approval_infos
from atelier.sampledata.demo import DEMO_FILE, DemoDataError, demo_data_read, demo_load
from atelier.territories.enums import CommuneKind
from atelier.territories.tests.factories import CommuneFactory, make_small_reference

pytestmark = pytest.mark.django_db

ARRONDISSEMENTS = {
    "75111": ("Paris 11e Arrondissement", 48.8592, 2.3800),
    "75113": ("Paris 13e Arrondissement", 48.8283, 2.3623),
    "75114": ("Paris 14e Arrondissement", 48.8292, 2.3265),  # the schemes catalogue names it
    "75118": ("Paris 18e Arrondissement", 48.8925, 2.3484),
    "75119": ("Paris 19e Arrondissement", 48.8871, 2.3848),
}


@pytest.fixture
def ref():
    ref = make_small_reference()
    for code, (name, lat, lon) in ARRONDISSEMENTS.items():
        CommuneFactory(
            code=code,
            name=name,
            kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT,
            parent=ref["paris"],
            departement=ref["paris"].departement,
            latitude=lat,
            longitude=lon,
        )
    for code, label, family in [
        ("9230", "Association déclarée, reconnue d'utilité publique", "association")
    ]:
        from atelier.territories.tests.factories import LegalCategoryFactory

        LegalCategoryFactory(code=code, label=label, ess_family=family)
    return ref


def test_demo_file_names_the_real_organisations():
    names = {o["name"] for o in demo_data_read()["organisations"]}
    for expected in [
        "L'Atelier",
        "Coopaname",
        "CLARA",
        "Alter Bâtir",
        "Port Parallèle",
        "Coopetic",
        "Astrolabe Conseil",
        "Voisin Malin",
        "Urbagri",
        "Buro'nomade",
        "Paris Initiative Entreprise",
        "Emmaüs Connect",
    ]:
        assert expected in names


def test_demo_file_has_no_siren_and_paris_codes_are_arrondissements():
    data = demo_data_read()
    for org in data["organisations"]:
        assert "siren" not in org
        for est in org["establishments"]:
            if est["postcode"].startswith("75"):
                assert est["commune"] == "751" + est["postcode"][-2:]


def test_load_creates_organisations_positions_and_memberships(ref):
    report = demo_load()
    count = len(demo_data_read()["organisations"])
    assert report.organisations_created == count
    assert Organisation.objects.filter(source=Source.DEMO).count() == count
    atelier = Organisation.objects.get(name="L'Atelier")
    head = atelier.establishments.get()
    assert head.street == "8-10 impasse Boutron" and head.commune_id == "75110"
    assert head.geo_precision == GeoPrecision.COMMUNE
    assert (head.latitude, head.longitude) == (48.87602, 2.36111)
    assert head.mx and head.my
    assert atelier.commune_code == "75110" and atelier.departement_code == "75"
    assert atelier.ess_rule != EssRule.NONE
    assert atelier.search_text

    coopaname = Organisation.objects.get(name="Coopaname")
    assert coopaname.establishments.filter(is_open=True).count() == 2
    # The demo's one closed establishment, with its closing date (an illustration).
    closed = coopaname.establishments.get(is_open=False)
    assert closed.closed_on == datetime.date(2021, 3, 12) and not closed.is_head_office
    assert coopaname.commune_code == "75120"  # placed at an open establishment
    assert Approval.CAE in coopaname.approvals
    assert coopaname.ess_family == "cooperative"
    assert coopaname.siren is None

    adie = Organisation.objects.get(acronym="ADIE")
    assert adie.legal_category_id == "9230"
    pie = Organisation.objects.get(acronym="PIE")
    assert set(pie.memberships.values_list("network__slug", flat=True)) == {
        "france-active",
        "initiative-france",
    }
    assert Organisation.objects.filter(source=Source.DEMO, ess_rule="").count() == 0


def test_load_is_idempotent(ref):
    demo_load()
    counts = (
        Organisation.objects.count(),
        Establishment.objects.count(),
        OrganisationMembership.objects.count(),
    )
    Organisation.objects.filter(name="Coopaname").update(description="changé")
    report = demo_load()
    assert report.organisations_created == 0
    assert (
        Organisation.objects.count(),
        Establishment.objects.count(),
        OrganisationMembership.objects.count(),
    ) == counts
    assert Organisation.objects.get(name="Coopaname").description != "changé"


def test_load_without_reference_data_is_a_clear_error(db):
    with pytest.raises(DemoDataError, match="load-reference"):
        demo_load()


def test_load_rejects_an_unknown_theme(ref, tmp_path):
    data = demo_data_read()
    data["organisations"][0]["themes"] = ["astrologie"]
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DemoDataError, match="astrologie"):
        demo_load(path=path)


def test_command_creates_accounts_in_debug(ref, settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "atelier-demo" in out and "equipe2" in out
    from django.contrib.auth import authenticate

    admin = authenticate(username="admin", password="atelier-demo")
    assert admin.is_superuser
    equipe = authenticate(username="equipe", password="atelier-demo")
    equipe2 = authenticate(username="equipe2", password="atelier-demo")
    assert equipe.is_staff and not equipe.is_superuser
    assert equipe.has_perm("directory.change_organisation")
    assert user_network_ids(equipe, roles=["staff"]) != user_network_ids(equipe2, roles=["staff"])
    membre = authenticate(username="membre", password="atelier-demo")
    assert not membre.is_staff and user_network_ids(membre, roles=["member"])
    conseil = authenticate(username="conseil", password="atelier-demo")
    assert user_network_ids(conseil, roles=["advisor"])
    call_command("load_demo")  # twice: still one account each
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="equipe").count() == 1


def test_command_refuses_accounts_without_debug(ref, settings, capsys):
    settings.DEBUG = False
    call_command("load_demo")
    assert "NON créés" in capsys.readouterr().out
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="admin").exists()
    call_command("load_demo", "--with-accounts")
    assert get_user_model().objects.filter(username="admin").exists()


def test_command_reports_missing_reference_data(db):
    with pytest.raises(CommandError, match="load-reference"):
        call_command("load_demo")


def test_demo_file_exists():
    assert DEMO_FILE.exists()


def test_every_demo_organisation_has_a_public_page(ref, client):
    demo_load()
    for org in Organisation.objects.filter(source=Source.DEMO):
        response = client.get(f"/atlas/organisations/{org.pk}/")
        assert response.status_code == 200, org.name
        assert org.name.replace("'", "&#x27;") in response.content.decode()


def test_every_demo_organisation_exports_to_data_inclusion(ref):
    from data_inclusion.schema.v1 import Structure

    from atelier.directory.services.exports import ExportReport, data_inclusion_structures

    demo_load()
    report = ExportReport()
    structures = list(
        data_inclusion_structures(Organisation.objects.filter(source=Source.DEMO), report=report)
    )
    assert report.skipped == []
    assert len(structures) == Organisation.objects.filter(source=Source.DEMO).count()
    for item in structures:
        Structure.model_validate_json(json.dumps(item), strict=True)


def test_demo_has_a_moderator_and_a_pending_proposal(ref, settings):
    """Shared records (issue 8): the group "Modérateurs", its account, and one proposal of
    another network's staff on L'Atelier waiting in the queue of L'Atelier's staff."""
    from django.contrib.auth import authenticate

    from atelier.directory.enums import ProposalStatus
    from atelier.directory.models import ChangeProposal
    from atelier.directory.selectors.proposals import moderation_queue
    from atelier.directory.services.access import may_edit_organisation

    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent: still one proposal
    moderator = authenticate(username="moderation", password="atelier-demo")
    assert moderator.groups.filter(name="Modérateurs").exists()
    assert moderator.has_perm("directory.moderate_changeproposal") and not moderator.is_staff
    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert proposal.proposer.username == "equipe2"
    assert proposal.organisation.name == "L'Atelier"
    equipe = authenticate(username="equipe", password="atelier-demo")
    equipe2 = authenticate(username="equipe2", password="atelier-demo")
    assert may_edit_organisation(equipe, proposal.organisation)
    assert not may_edit_organisation(equipe2, proposal.organisation)
    assert list(moderation_queue(equipe)) == [proposal]
    assert list(moderation_queue(moderator)) == [proposal]
    assert list(moderation_queue(equipe2)) == []


def test_load_rejects_an_invalid_closing_date(ref, tmp_path):
    data = demo_data_read()
    data["organisations"][1]["establishments"][0]["closed_on"] = "12/03/2021"
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DemoDataError, match="12/03/2021"):
        demo_load(path=path)


def test_the_demo_page_shows_a_closed_establishment_with_its_date(ref, client):
    demo_load()
    coopaname = Organisation.objects.get(name="Coopaname")
    body = client.get(f"/atlas/organisations/{coopaname.pk}/").content.decode()
    assert "Fermé depuis le" in body and "12 mars 2021" in body


def test_the_demo_records_its_approvals_as_demo_data(ref):
    demo_load()
    coopaname = Organisation.objects.get(name="Coopaname")
    (info,) = approval_infos(coopaname)
    assert info.code == "cae" and info.source.code == "demo"
    assert info.source.text == "Données de démonstration (documents fondateurs)"
    assert coopaname.approval_sources["cae"]["held"] is True
    demo_load()  # idempotent
    assert Organisation.objects.get(pk=coopaname.pk).approval_sources == coopaname.approval_sources
