"""The only module of sampledata that touches the directory's models: the reads and writes the
directory offers no service or selector for yet. Each function is written to move as it is into
`atelier.directory.services.organisations` (writes) or `atelier.directory.selectors` (reads);
the callers then only change their import."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from atelier.directory.models import Establishment, Organisation, OrganisationMembership


def organisation_get_or_create(
    *, source: str, name: str, defaults: dict[str, Any]
) -> tuple[Organisation, bool]:
    """The organisation of `source` named `name`, created with `defaults` when missing."""
    return Organisation.objects.get_or_create(source=source, name=name, defaults=defaults)


def establishment_update_or_create(
    *, organisation: Organisation, defaults: dict[str, Any], **address: Any
) -> Establishment:
    """The establishment of `organisation` at `address` (street, postcode, commune_id, name),
    created or updated with `defaults`."""
    establishment, _ = Establishment.objects.update_or_create(
        organisation=organisation, **address, defaults=defaults
    )
    return establishment


def establishments_keep_only(*, organisation: Organisation, ids: Iterable[int]) -> None:
    """Delete the establishments of `organisation` whose id is not in `ids`."""
    organisation.establishments.exclude(pk__in=list(ids)).delete()


def membership_update_or_create(
    *, organisation: Organisation, network: Any, defaults: dict[str, Any]
) -> OrganisationMembership:
    membership, _ = OrganisationMembership.objects.update_or_create(
        organisation=organisation, network=network, defaults=defaults
    )
    return membership


def memberships_keep_only(*, organisation: Organisation, network_slugs: Iterable[str]) -> None:
    """Delete the memberships of `organisation` in networks not named in `network_slugs`."""
    organisation.memberships.exclude(network__slug__in=list(network_slugs)).delete()


def organisations_of_source_exist(*, source: str) -> bool:
    return Organisation.objects.filter(source=source).exists()


def sirens_not_of_source(*, source: str, prefix: str) -> set[str]:
    """SIRENs starting with `prefix` held by organisations of another source than `source`."""
    return {
        siren
        for siren in Organisation.objects.exclude(source=source)
        .filter(siren__startswith=prefix)
        .values_list("siren", flat=True)
        if siren
    }
