"""The editing rule itself (services.access) and its enforcement outside the admin
(services.organisations.organisation_update, services.proposals)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import MembershipStatus
from atelier.directory.models import ChangeProposal, Organisation
from atelier.directory.services.access import is_moderator, may_edit_organisation, may_moderate
from atelier.directory.services.organisations import organisation_update
from atelier.directory.services.proposals import ProposalError, proposal_submit
from atelier.directory.tests.factories import NetworkFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_coopaname(make_small_reference())  # member of atelier-idf and cg-scop


def _staff(django_user_model, name, slug, role=Role.STAFF):
    user = django_user_model.objects.create_user(name, password="x", is_staff=True)
    network_role_grant(user=user, network=NetworkFactory(slug=slug), role=role)
    return user


def test_the_rule(org, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    editor = _staff(django_user_model, "equipe", "atelier-idf")
    other = _staff(django_user_model, "equipe2", "cae-paris")
    advisor = _staff(django_user_model, "conseil", "atelier-idf", role=Role.ADVISOR)
    assert may_edit_organisation(root, org)
    assert may_edit_organisation(editor, org)
    assert not may_edit_organisation(other, org)
    assert not may_edit_organisation(advisor, org)  # a role, but not the staff role
    assert not may_edit_organisation(AnonymousUser(), org)
    editor.is_active = False
    assert not may_edit_organisation(editor, org)


def test_a_lapsed_membership_gives_no_right(org, django_user_model):
    editor = _staff(django_user_model, "equipe", "atelier-idf")
    org.memberships.filter(network__slug="atelier-idf").update(status=MembershipStatus.LAPSED)
    assert not may_edit_organisation(editor, org)


def test_moderators_moderate_but_do_not_edit(org, django_user_model):
    moderator = django_user_model.objects.create_user("modo", password="x")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_changeproposal"))
    assert is_moderator(moderator) and may_moderate(moderator, org)
    assert not may_edit_organisation(moderator, org)
    with pytest.raises(PermissionDenied):
        organisation_update(user=moderator, organisation=org, values={"acronym": "X"})


def test_organisation_update_enforces_the_rule(org, django_user_model):
    other = _staff(django_user_model, "equipe2", "cae-paris")
    with pytest.raises(PermissionDenied):
        organisation_update(user=other, organisation=org, values={"acronym": "X"})
    assert Organisation.objects.get(pk=org.pk).acronym == "COOP"
    editor = _staff(django_user_model, "equipe", "atelier-idf")
    with pytest.raises(ValueError):
        organisation_update(user=editor, organisation=org, values={"search_text": "x"})
    assert organisation_update(user=editor, organisation=org, values={"acronym": "COOP"}) == []


def test_proposals_only_carry_allow_listed_fields(org):
    with pytest.raises(ProposalError):
        proposal_submit(organisation=org, values={"ess_decision": "exclude"}, email="v@x.org")
    assert not ChangeProposal.objects.exists()


def test_the_page_offers_editing_only_to_editors(client, org, django_user_model):
    change = reverse("admin:directory_organisation_change", args=[org.pk])
    page = reverse("directory:organisation", args=[org.pk])
    client.force_login(_staff(django_user_model, "equipe2", "cae-paris"))
    assert change not in client.get(page).content.decode()
    client.force_login(_staff(django_user_model, "equipe", "atelier-idf"))
    assert change in client.get(page).content.decode()
