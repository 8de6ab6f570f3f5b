from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import Network, NetworkRole

# Permissions are read from the database (users, groups), not from the login throttling backend.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def user_network_ids(user: Any, *, roles: Iterable[str] | None = None) -> set[int]:
    """Ids of the networks in which `user` holds one of `roles` (any role when None)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    qs = NetworkRole.objects.filter(user=user)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return set(qs.values_list("network_id", flat=True))


def user_has_role(user: Any, network_id: int, *, roles: Iterable[str]) -> bool:
    return network_id in user_network_ids(user, roles=roles)


def users_with_network_role(network_ids: Iterable[int], *, roles: Iterable[str]) -> QuerySet[Any]:
    """The active users holding one of `roles` in one of the networks `network_ids`."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            network_roles__network_id__in=list(network_ids),
            network_roles__role__in=list(roles),
        )
        .distinct()
    )


def users_with_permission(perm: str) -> QuerySet[Any]:
    """The active users holding `perm` ("app.codename"), themselves or through a group, and
    the active superusers (who hold every permission)."""
    return get_user_model().objects.with_perm(  # type: ignore[attr-defined]
        perm, is_active=True, include_superusers=True, backend=MODEL_BACKEND
    )


def usernames(ids: Iterable[int]) -> dict[int, str]:
    """User id -> username of the accounts among `ids` that still exist."""
    return {u.pk: u.get_username() for u in get_user_model().objects.filter(pk__in=list(ids))}


def network_list() -> QuerySet[Network]:
    return Network.objects.select_related("parent").order_by("name")


def network_get(*, slug: str) -> Network:
    return Network.objects.get(slug=slug)
