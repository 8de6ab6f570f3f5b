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
