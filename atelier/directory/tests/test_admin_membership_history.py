"""The change history of a membership holds personal data too: reading it is access-logged as
the change page is, and another network's membership answers 404 on every admin route (a 403
would confirm that it exists)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.core.models import AccessLog
from atelier.directory.tests.factories import MembershipFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

PREFIX = "admin:directory_organisationmembership_"


@pytest.fixture
def memberships():
    ref = make_small_reference()
    org = make_coopaname(ref)  # atelier-idf (with Camille's contact) and cg-scop
    own = org.memberships.get(network__slug="atelier-idf")
    other = org.memberships.get(network__slug="cg-scop")
    other.contact_name = "Dominique Privé"
    other.save()
    MembershipFactory(organisation=make_outside_ess(ref), network=own.network)
    return {"own": own, "other": other}


def _routes(m):
    version = m.history.order_by("history_date").first().history_id
    return {
        "change": reverse(PREFIX + "change", args=[m.pk]),
        "history": reverse(PREFIX + "history", args=[m.pk]),
        "version": reverse(PREFIX + "simple_history", args=[m.pk, version]),
        "delete": reverse(PREFIX + "delete", args=[m.pk]),
    }


def _staff(django_user_model, name, network):
    user = django_user_model.objects.create_user(name, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="directory"))
    if network is not None:
        network_role_grant(user=user, network=network, role=Role.STAFF)
    return user


@pytest.mark.parametrize("route", ["history", "version"])
def test_staff_reading_their_membership_s_history_is_logged(
    client, memberships, django_user_model, route
):
    own = memberships["own"]
    user = _staff(django_user_model, "equipe", own.network)
    client.force_login(user)
    response = client.get(_routes(own)[route])
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (user, "view", str(own.pk))
    assert "adhésion" in log.detail


@pytest.mark.parametrize("route", ["change", "history", "version", "delete"])
def test_another_network_s_membership_is_404_on_every_admin_route(
    client, memberships, django_user_model, route
):
    user = _staff(django_user_model, "equipe", memberships["own"].network)
    client.force_login(user)
    response = client.get(_routes(memberships["other"])[route])
    assert response.status_code == 404
    assert "Privé" not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_staff_in_no_network_gets_404_on_the_history(client, memberships, django_user_model):
    client.force_login(_staff(django_user_model, "seul", None))
    assert client.get(_routes(memberships["own"])["history"]).status_code == 404


def test_an_unknown_membership_history_is_404(client, memberships, django_user_model):
    client.force_login(_staff(django_user_model, "equipe", memberships["own"].network))
    for pk in ("999999", "abc"):
        assert client.get(reverse(PREFIX + "history", args=[pk])).status_code == 404


def test_superuser_reads_any_history_and_it_is_logged(client, memberships, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    assert client.get(_routes(memberships["other"])["history"]).status_code == 200
    assert AccessLog.objects.filter(user=root, action="view").count() == 1


def test_history_of_a_deleted_membership_stays_visible_to_its_network(
    client, memberships, django_user_model
):
    own = memberships["own"]
    routes = _routes(own)
    own.delete()
    client.force_login(_staff(django_user_model, "equipe", own.network))
    assert client.get(routes["history"]).status_code == 200


@pytest.mark.parametrize("role", [None, Role.MEMBER, Role.ADVISOR])
def test_anonymous_members_and_advisors_are_sent_to_the_login(
    client, memberships, django_user_model, role
):
    if role is not None:
        user = django_user_model.objects.create_user("someone", password="x")
        network_role_grant(user=user, network=memberships["own"].network, role=role)
        client.force_login(user)
    response = client.get(_routes(memberships["own"])["history"])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AccessLog.objects.exists()
