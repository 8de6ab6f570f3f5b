from collections.abc import Iterable, Mapping

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Network, NetworkRole, User


@transaction.atomic
def network_ensure(*, slug: str, name: str, kind: str, parent: Network | None = None) -> Network:
    network, _ = Network.objects.update_or_create(
        slug=slug, defaults={"name": name, "kind": kind, "parent": parent}
    )
    return network


@transaction.atomic
def network_role_grant(*, user: User, network: Network, role: str) -> NetworkRole:
    obj, _ = NetworkRole.objects.get_or_create(user=user, network=network, role=role)
    return obj


@transaction.atomic
def group_ensure(*, name: str, permissions: Mapping[str, Iterable[str]]) -> Group:
    """The group `name` holding exactly `permissions` (codenames by app label)."""
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=list(permissions),
            codename__in=[c for codes in permissions.values() for c in codes],
        )
    )
    return group


@transaction.atomic
def user_ensure(
    *,
    username: str,
    email: str,
    password: str,
    is_superuser: bool = False,
    is_staff: bool = False,
    groups: Iterable[Group] = (),
) -> User:
    """Create or reset the active account `username` (e-mail, password, flags, groups added)."""
    user, _ = User.objects.get_or_create(username=username)
    user.email = email
    user.is_superuser = is_superuser
    user.is_staff = is_staff
    user.is_active = True
    user.set_password(password)
    user.save()
    if groups:
        user.groups.add(*groups)
    return user
