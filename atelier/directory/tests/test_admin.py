import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.core.models import AccessLog
from atelier.directory.enums import Approval, EssRule, Theme
from atelier.directory.models import Organisation
from atelier.directory.tests.factories import MembershipFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

MEMBERSHIP_LIST = reverse("admin:directory_organisationmembership_changelist")


def _change(m):
    return reverse("admin:directory_organisationmembership_change", args=[m.pk])


def _history(m):
    return reverse("admin:directory_organisationmembership_history", args=[m.pk])


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def networks(ref):
    org = make_coopaname(ref)  # member of atelier-idf (with contact) and cg-scop
    a = org.memberships.get(network__slug="atelier-idf")
    b = org.memberships.get(network__slug="cg-scop")
    b.contact_name = "Dominique Privé"
    b.save()
    other = make_outside_ess(ref)
    b2 = MembershipFactory(organisation=other, network=b.network, contact_name="Autre Privé")
    return {"org": org, "a": a, "b": b, "b2": b2}


def _user(django_user_model, name, *, staff=False, perms=True, superuser=False):
    user = django_user_model.objects.create_user(
        name, password="x", is_staff=staff or superuser, is_superuser=superuser
    )
    if perms and staff:
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="directory"))
    return user


def test_anonymous_is_sent_to_the_login_page(client, networks):
    response = client.get(MEMBERSHIP_LIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADVISOR])
def test_members_and_advisors_have_no_admin_access(client, networks, django_user_model, role):
    user = _user(django_user_model, "someone")
    network_role_grant(user=user, network=networks["a"].network, role=role)
    client.force_login(user)
    assert client.get(MEMBERSHIP_LIST).status_code == 302
    assert client.get(_change(networks["a"])).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 302


def test_staff_of_a_network_only_sees_its_memberships(client, networks, django_user_model):
    user = _user(django_user_model, "equipe", staff=True)
    network_role_grant(user=user, network=networks["a"].network, role=Role.STAFF)
    client.force_login(user)
    response = client.get(MEMBERSHIP_LIST)
    assert response.status_code == 200
    shown = {m.pk for m in response.context["cl"].result_list}
    assert shown == {networks["a"].pk}

    assert client.get(_change(networks["a"])).status_code == 200
    for other in (networks["b"], networks["b2"]):
        response = client.get(_change(other))
        assert response.status_code in (403, 404)
        assert "Privé" not in response.content.decode()
        assert client.get(_history(other)).status_code in (403, 404)
        post = client.post(_change(other), {"status": "left"})
        assert post.status_code in (403, 404)


def test_staff_cannot_attach_a_membership_to_another_network(client, networks, django_user_model):
    user = _user(django_user_model, "equipe", staff=True)
    network_role_grant(user=user, network=networks["a"].network, role=Role.STAFF)
    client.force_login(user)
    response = client.get(reverse("admin:directory_organisationmembership_add"))
    choices = list(response.context["adminform"].form.fields["network"].queryset)
    assert choices == [networks["a"].network]


def test_staff_with_a_role_but_in_no_network_sees_nothing(client, networks, django_user_model):
    user = _user(django_user_model, "lonely", staff=True)
    client.force_login(user)
    response = client.get(MEMBERSHIP_LIST)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_superuser_sees_every_membership(client, networks, django_user_model):
    client.force_login(_user(django_user_model, "root", superuser=True))
    response = client.get(MEMBERSHIP_LIST)
    assert {m.pk for m in response.context["cl"].result_list} == {
        networks["a"].pk,
        networks["b"].pk,
        networks["b2"].pk,
    }
    assert client.get(_change(networks["b"])).status_code == 200


def test_viewing_a_membership_with_contacts_is_logged(client, networks, django_user_model):
    user = _user(django_user_model, "equipe", staff=True)
    network_role_grant(user=user, network=networks["a"].network, role=Role.STAFF)
    client.force_login(user)
    assert AccessLog.objects.count() == 0
    body = client.get(_change(networks["a"])).content.decode()
    assert "camille.secret@example.org" in body
    log = AccessLog.objects.get()
    assert log.user == user and log.action == "view"
    assert log.object_type == "directory.organisationmembership"
    assert log.object_id == str(networks["a"].pk)


def _org_editor(django_user_model, org, name="equipe"):
    """A staff user of a network `org` is an active member of: may edit it (services.access)."""
    user = _user(django_user_model, name, staff=True)
    membership = org.memberships.first() or MembershipFactory(organisation=org)
    network_role_grant(user=user, network=membership.network, role=Role.STAFF)
    return user


def _org_post_data(org, **changes):
    data = {
        "name": org.name,
        "acronym": org.acronym,
        "siren": org.siren or "",
        "legal_category": org.legal_category_id or "",
        "naf": org.naf_id or "",
        "sirene_ess_flag": org.sirene_ess_flag,
        "description": org.description,
        "website": org.website,
        "creation_date": org.creation_date.isoformat() if org.creation_date else "",
        "headcount_band": org.headcount_band,
        "is_active": "on" if org.is_active else "",
        "source": org.source,
        "themes": [str(t.value) for t in org.themes],
        "approvals": [str(a.value) for a in org.approvals],
        "establishments-TOTAL_FORMS": "0",
        "establishments-INITIAL_FORMS": "0",
        "establishments-MIN_NUM_FORMS": "0",
        "establishments-MAX_NUM_FORMS": "1000",
    }
    if org.staff_approved:
        data["staff_approved"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_edit_recomputes_derived_fields_and_records_history(client, ref, django_user_model):
    org = make_outside_ess(ref)
    assert org.ess_rule == EssRule.NONE
    user = _org_editor(django_user_model, org)
    client.force_login(user)
    url = reverse("admin:directory_organisation_change", args=[org.pk])
    assert client.get(url).status_code == 200
    data = _org_post_data(
        org,
        staff_approved="on",
        themes=[str(Theme.INSERTION.value), str(Theme.FOOD.value)],
        approvals=[str(Approval.ESUS.value)],
        description="Épicerie solidaire",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org.refresh_from_db()
    assert org.ess_rule == EssRule.STAFF_APPROVAL
    assert set(org.themes) == {Theme.INSERTION, Theme.FOOD}
    assert org.approvals == [Approval.ESUS]
    assert "epicer" in org.search_text
    assert org.commune_code == "69123"
    latest = org.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == user
    assert org.history.filter(history_user=user, description="Épicerie solidaire").exists()
    history = client.get(reverse("admin:directory_organisation_history", args=[org.pk]))
    assert history.status_code == 200 and "equipe" in history.content.decode()


def test_admin_form_shows_themes_and_approvals_as_checkboxes(client, ref, django_user_model):
    org = make_coopaname(ref)
    client.force_login(_org_editor(django_user_model, org))
    body = client.get(reverse("admin:directory_organisation_change", args=[org.pk])).content
    body = body.decode()
    assert f'type="checkbox" name="approvals" value="{Approval.CAE.value}"' in body
    assert 'name="themes"' in body
    assert "Forme juridique de l&#x27;ESS" in body  # the read-only rule, explained


def test_admin_inline_establishment_gets_world_coordinates(client, ref, django_user_model):
    org = make_outside_ess(ref)
    client.force_login(_org_editor(django_user_model, org))
    url = reverse("admin:directory_organisation_change", args=[org.pk])
    est = org.establishments.get()
    data = _org_post_data(org)
    data.update(
        {
            "establishments-TOTAL_FORMS": "1",
            "establishments-INITIAL_FORMS": "1",
            "establishments-0-id": str(est.pk),
            "establishments-0-organisation": str(org.pk),
            "establishments-0-postcode": "93200",
            "establishments-0-commune": "93066",
            "establishments-0-is_head_office": "on",
            "establishments-0-is_open": "on",
            "establishments-0-headcount_band": "NN",
            "establishments-0-latitude": "48.93564",
            "establishments-0-longitude": "2.35387",
            "establishments-0-geo_precision": "commune",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    est.refresh_from_db()
    assert est.mx and est.my
    assert Organisation.objects.get(pk=org.pk).commune_code == "93066"
