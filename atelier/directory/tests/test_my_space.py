""" "Mon espace" (issue 8): a signed-in person's organisations and proposals."""

import pytest
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import ProposalStatus
from atelier.directory.models import ChangeProposal
from atelier.directory.tests.factories import MembershipFactory, NetworkFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db
SPACE = reverse("directory:my-space")


@pytest.fixture
def org():
    return make_coopaname(make_small_reference())


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get(SPACE)
    assert response.status_code == 302 and "/comptes/connexion/" in response["Location"]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADVISOR])
def test_member_and_advisor_see_their_organisations_and_proposals(
    client, org, django_user_model, role
):
    user = django_user_model.objects.create_user("conseil", password="x")
    network_role_grant(user=user, network=NetworkFactory(slug="atelier-idf"), role=role)
    other = MembershipFactory(network=NetworkFactory(slug="ailleurs")).organisation
    ChangeProposal.objects.create(
        organisation=org,
        proposer=user,
        values={"acronym": "CPN"},
        status=ProposalStatus.REFUSED,
        reason="Sigle officiel inchangé",
    )
    client.force_login(user)
    response = client.get(SPACE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mes organisations" in body and "Coopaname" in body
    assert other.name not in body  # not one of their networks' organisations
    assert reverse("directory:organisation-propose", args=[org.pk]) in body  # may not edit
    assert "refusée" in body and "Sigle officiel inchangé" in body
    assert 'id="space-moderation-link"' not in body
    # The header links to it for signed-in people.
    assert f'href="{SPACE}"' in client.get("/").content.decode()


def test_staff_of_the_network_get_an_edit_link_and_the_moderation_link(
    client, org, django_user_model
):
    user = django_user_model.objects.create_user("equipe", password="x", is_staff=True)
    network_role_grant(user=user, network=NetworkFactory(slug="atelier-idf"), role=Role.STAFF)
    client.force_login(user)
    body = client.get(SPACE).content.decode()
    assert reverse("admin:directory_organisation_change", args=[org.pk]) in body
    assert 'id="space-moderation-link"' in body
    assert "Vous n'avez encore proposé aucune modification." in body


def test_no_header_link_for_visitors(client, db):
    assert f'href="{SPACE}"' not in client.get("/").content.decode()
