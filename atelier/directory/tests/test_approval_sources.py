"""Approvals with their source (issue 8): each approval of an organisation records where it
came from — a member list of a network on a date, a staff decision, the demo data — beside the
bits that the search filters and facets read; a staff decision survives later imports."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import Approval, ApprovalSource
from atelier.directory.models import Organisation
from atelier.directory.selectors.approvals import approval_infos
from atelier.directory.services.approvals import (
    approval_sources_consistent,
    approvals_from_member_list,
    approvals_set_by_staff,
)
from atelier.directory.services.organisations import bits
from atelier.directory.tests.factories import MembershipFactory, NetworkFactory
from atelier.directory.tests.sirene_files import etab, run_import, siren_of, siret_of, unit
from atelier.directory.tests.test_admin import _org_post_data
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 4)


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def network():
    return NetworkFactory(slug="cae-paris", name="Réseau des CAE")


@pytest.fixture
def org(ref, tmp_path):
    siren = siren_of(800)
    run_import(tmp_path, [unit(siren)], [etab(siret_of(siren, 1))])
    return Organisation.objects.get(siren=siren)


def _members(tmp_path, org, approvals, *args):
    path = tmp_path / "adherents.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(
            [
                ["Raison sociale", "SIRET", "Ville", "Code postal", "Agréments"],
                [org.name, siret_of(org.siren, 1), "Paris", "75010", approvals],
            ]
        )
    out = io.StringIO()
    report = tmp_path / "rapport.csv"
    call_command("import_members", str(path), "--report", str(report), *args, stdout=out)
    with report.open(encoding="utf-8") as fh:
        return out.getvalue(), list(csv.DictReader(fh))


def _staff(django_user_model, org, network, name="equipe"):
    user = django_user_model.objects.create_user(name, f"{name}@example.org", "x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="directory"))
    if not org.memberships.filter(network=network).exists():  # the list may have made it
        MembershipFactory(organisation=org, network=network)
    network_role_grant(user=user, network=network, role=Role.STAFF)
    return user


def _admin_save(client, user, org, approvals):
    client.force_login(user)
    org.refresh_from_db()
    url = reverse("admin:directory_organisation_change", args=[org.pk])
    data = _org_post_data(org, approvals=[str(a.value) for a in approvals])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org.refresh_from_db()
    return org


def test_a_member_list_gives_approvals_with_their_network_and_date(org, network, tmp_path):
    _members(tmp_path, org, "CAE, ESUS", "--network", "cae-paris")
    org.refresh_from_db()
    assert org.approval_bits == bits([Approval.ESUS, Approval.CAE])  # the filter's bits
    entry = org.approval_sources["cae"]
    assert entry["source"] == ApprovalSource.MEMBER_LIST and entry["held"] is True
    assert entry["network"] == "cae-paris" and entry["network_name"] == "Réseau des CAE"
    assert datetime.date.fromisoformat(entry["on"]) == datetime.date.today()
    assert approval_sources_consistent(org)
    # Folded labels and short forms are read too; an unknown value is rejected with its line.
    _members(tmp_path, org, "entreprise d'insertion | SCIC")
    org.refresh_from_db()
    assert {Approval.SIAE_EI, Approval.SCIC} <= set(org.approvals)
    assert org.approval_sources["scic"]["network"] is None  # a list without --network


def test_an_unknown_approval_is_rejected(org, tmp_path):
    with pytest.raises(Exception, match="rejetée"):
        _members(tmp_path, org, "label rouge")
    with (tmp_path / "rapport.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["colonne"], row["valeur"]) == ("Agréments", "label rouge")
    assert row["motif"].startswith("agrément inconnu")


def test_the_page_and_the_api_say_where_each_approval_comes_from(client, org, network, tmp_path):
    _members(tmp_path, org, "CAE", "--network", "cae-paris")
    org.refresh_from_db()
    org.approval_bits |= 1 << Approval.SCOP  # set before sources were recorded
    org.save()
    day = datetime.date.today()
    body = client.get(reverse("directory:organisation", args=[org.pk])).content.decode()
    assert "Liste d&#x27;adhérents de « Réseau des CAE », importée le" in body
    assert "Source non enregistrée" in body  # the SCOP bit has no recorded source
    data = client.get(f"/api/v1/organisations/{org.pk}").json()
    cae, scop = data["approvals"]
    assert cae["code"] == "cae" and cae["source"]["code"] == "members"
    assert cae["source"]["network"] == {"slug": "cae-paris", "name": "Réseau des CAE"}
    assert cae["source"]["recorded_on"] == day.isoformat()
    assert cae["source"]["text"].startswith("Liste d'adhérents de « Réseau des CAE »")
    assert scop["code"] == "scop" and scop["source"]["code"] is None
    assert scop["source"]["network"] is None and scop["source"]["recorded_on"] is None
    # The search still filters on the bits (index and facets).
    found = client.get("/api/v1/organisations", {"agrement": "cae"}).json()
    assert [r["id"] for r in found["results"]] == [org.pk]


def test_a_staff_withdrawal_survives_later_imports(
    client, django_user_model, org, network, tmp_path
):
    _members(tmp_path, org, "CAE, SCOP", "--network", "cae-paris")
    user = _staff(django_user_model, org, network)
    org = _admin_save(client, user, org, [Approval.SCOP])  # CAE withdrawn by the staff
    assert org.approvals == [Approval.SCOP]
    entry = org.approval_sources["cae"]
    assert (entry["held"], entry["source"], entry["user"]) == (False, "staff", user.pk)
    assert entry["network"] == "cae-paris"
    assert org.approval_sources["scop"]["source"] == "members"  # unchanged: its source kept
    # The same list again: CAE stays withdrawn, and the report says so (no rejection).
    out, rows = _members(tmp_path, org, "CAE, SCOP", "--network", "cae-paris")
    org.refresh_from_db()
    assert org.approvals == [Approval.SCOP]
    assert [(r["colonne"], r["valeur"], r["motif"]) for r in rows] == [
        ("Agréments", "cae", "agrément retiré par l'équipe : sa décision est conservée")
    ]
    assert "1 valeur(s) non écrite(s)" in out
    # A SIRENE re-import never touches the approvals nor their sources.
    run_import(tmp_path, [unit(org.siren, sigleUniteLegale="X")], [etab(siret_of(org.siren, 1))])
    fresh = Organisation.objects.get(pk=org.pk)
    assert fresh.approvals == [Approval.SCOP] and fresh.approval_sources == org.approval_sources
    assert approval_sources_consistent(fresh)


def test_a_staff_grant_keeps_its_staff_source(client, django_user_model, org, network, tmp_path):
    user = _staff(django_user_model, org, network)
    org = _admin_save(client, user, org, [Approval.ESUS])
    assert org.approval_sources["esus"]["source"] == "staff"
    _members(tmp_path, org, "ESUS, CAE", "--network", "cae-paris")
    org.refresh_from_db()
    assert set(org.approvals) == {Approval.ESUS, Approval.CAE}
    assert org.approval_sources["esus"]["source"] == "staff"  # not replaced by the list
    assert org.approval_sources["cae"]["source"] == "members"
    body = client.get(reverse("directory:organisation", args=[org.pk])).content.decode()
    assert "Décision de l&#x27;équipe de « Réseau des CAE », le" in body
    assert "equipe@example.org" not in body and ">equipe<" not in body  # no person named
    # The admin shows who decided.
    admin = client.get(reverse("admin:directory_organisation_change", args=[org.pk]))
    assert "par equipe" in admin.content.decode()


def test_a_staff_decision_can_grant_again_what_it_withdrew(org):
    approvals_from_member_list(organisation=org, approvals=[Approval.CAE], on=TODAY)
    approvals_set_by_staff(organisation=org, approvals=[], user=None, on=TODAY)
    assert org.approval_bits == 0 and org.approval_sources["cae"]["held"] is False
    assert approvals_from_member_list(organisation=org, approvals=[Approval.CAE]) == [Approval.CAE]
    assert org.approval_bits == 0
    approvals_set_by_staff(organisation=org, approvals=[Approval.CAE], user=None, on=TODAY)
    assert org.approvals == [Approval.CAE] and org.approval_sources["cae"]["held"] is True
    assert approval_sources_consistent(org)
    (info,) = approval_infos(org)
    assert (
        info.source.code == "staff"
        and info.source.text == "Décision de l'équipe, le 4 décembre 2026"
    )


def test_an_unchanged_staff_save_records_nothing(client, django_user_model, org, network, tmp_path):
    _members(tmp_path, org, "CAE", "--network", "cae-paris")
    org.refresh_from_db()
    before = dict(org.approval_sources)
    user = _staff(django_user_model, org, network)
    org = _admin_save(client, user, org, [Approval.CAE])
    assert org.approval_sources == before


def test_the_sources_are_said_in_english_too(org, network):
    from django.utils import translation

    approvals_from_member_list(
        organisation=org, approvals=[Approval.CAE], network=network, on=TODAY
    )
    with translation.override("en"):
        (info,) = approval_infos(org)
    assert info.source.text == "Member list of “Réseau des CAE”, imported on 4 December 2026"
