"""Fields corrected by a person are locked: no import overwrites them (issue 8).

A person's edit (admin, accepted proposal) locks the fields it changes among `LOCKABLE_FIELDS`,
the fields an import writes (the SIRENE import's, and the website that member lists give);
`Organisation.locked_fields` lists them, and the admin can release them.

One rule for every import, written here once: the import first fills its record — a bulk
`OrgRecord` (SIRENE) or the model instance (member lists) — with what its source says, then
`locked_values_keep` puts back the values the person set, and returns the attributes whose
imported value differed: what the import did not write (the member import reports them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..models import Organisation, organisation_field

LOCKABLE_FIELDS = (
    "name",
    "acronym",
    "legal_category",
    "naf",
    "sirene_ess_flag",
    "headcount_band",
    "creation_date",
    "is_active",
    "website",
)


def fields_lock(organisation: Organisation, names: Iterable[str]) -> list[str]:
    """Add the lockable fields among `names` to the organisation's locked fields (in memory)."""
    locked = set(organisation.locked_fields or []) | (set(names) & set(LOCKABLE_FIELDS))
    organisation.locked_fields = [n for n in LOCKABLE_FIELDS if n in locked]
    return organisation.locked_fields


def locked_attributes(names: Iterable[str]) -> dict[str, str]:
    """Field name -> attribute name (`legal_category` -> `legal_category_id`) of the lockable
    fields among `names`, in `LOCKABLE_FIELDS` order."""
    wanted = set(names)
    return {n: organisation_field(n).attname for n in LOCKABLE_FIELDS if n in wanted}


def locked_values(organisation: Organisation) -> dict[str, Any]:
    """Attribute -> current value of the fields `organisation` has locked (read before an
    import changes the instance)."""
    attrs = locked_attributes(organisation.locked_fields or [])
    return {attr: getattr(organisation, attr) for attr in attrs.values()}


def locked_values_keep(target: Any, kept: Mapping[str, Any]) -> list[str]:
    """Put back on `target` (just filled by an import) the values a person set, `kept`
    (attribute -> value); return the attributes whose imported value differed, in order."""
    overruled = []
    for attr, value in kept.items():
        if getattr(target, attr) != value:
            overruled.append(attr)
            setattr(target, attr, value)
    return overruled
