import pytest
from django.urls import reverse

from atelier.accounts.enums import NetworkKind, Role
from atelier.accounts.selectors import network_get, user_has_role, user_network_ids
from atelier.accounts.services import network_ensure, network_role_grant

pytestmark = pytest.mark.django_db


def test_network_ensure_is_idempotent():
    parent = network_ensure(slug="idf", name="Île-de-France", kind=NetworkKind.REGIONAL)
    first = network_ensure(slug="paris", name="Paris", kind=NetworkKind.LOCAL, parent=parent)
    again = network_ensure(slug="paris", name="Paris (nouveau nom)", kind=NetworkKind.LOCAL)
    assert first.pk == again.pk
    assert network_get(slug="paris").name == "Paris (nouveau nom)"


def test_user_network_ids_by_role(django_user_model):
    a = network_ensure(slug="a", name="A", kind=NetworkKind.REGIONAL)
    b = network_ensure(slug="b", name="B", kind=NetworkKind.LOCAL)
    user = django_user_model.objects.create_user("u", password="x")
    network_role_grant(user=user, network=a, role=Role.STAFF)
    network_role_grant(user=user, network=b, role=Role.MEMBER)
    network_role_grant(user=user, network=b, role=Role.MEMBER)  # granted twice: one row
    assert user.network_roles.count() == 2
    assert user_network_ids(user) == {a.pk, b.pk}
    assert user_network_ids(user, roles=[Role.STAFF]) == {a.pk}
    assert user_has_role(user, b.pk, roles=[Role.MEMBER])
    assert not user_has_role(user, b.pk, roles=[Role.STAFF])


def test_anonymous_has_no_network():
    from django.contrib.auth.models import AnonymousUser

    assert user_network_ids(AnonymousUser()) == set()


def test_login_page_and_login(client, django_user_model):
    django_user_model.objects.create_user("membre", password="atelier-demo")
    url = reverse("accounts:login")
    page = client.get(url)
    assert page.status_code == 200
    assert 'for="id_username"' in page.content.decode()
    response = client.post(url, {"username": "membre", "password": "atelier-demo"})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated


def test_wrong_password_is_refused(client, django_user_model):
    django_user_model.objects.create_user("membre", password="atelier-demo")
    response = client.post(reverse("accounts:login"), {"username": "membre", "password": "non"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
