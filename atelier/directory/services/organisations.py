"""Organisation writes and the derived fields every writer must keep right."""

import datetime
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from atelier.territories.enums import ESS_FAMILIES_BY_LAW, EssFamily
from atelier.territories.selectors import CommunePlace, commune_place

from ..enums import Approval, EssDecision, EssRule, EssSource, MembershipStatus, Theme
from ..models import Establishment, Organisation, OrganisationMembership, organisation_field
from ..text import search_text, search_text_cached
from .access import may_edit_organisation, may_moderate
from .locks import fields_lock

_STAFF_APPROVAL_BITS = 1 << Approval.ESUS.value


def ess_rule_for(
    *, sirene_flag: str, family: str, staff_approved: bool, approval_bits: int = 0
) -> str:
    """The rule that places an organisation in the ESS perimeter, or '' when none does.
    Order matters only for which reason is shown: SIRENE flag, then legal form, then staff."""
    if sirene_flag == "O":
        return EssRule.SIRENE_FLAG
    if family in ESS_FAMILIES_BY_LAW:
        return EssRule.LEGAL_CATEGORY
    if staff_approved or approval_bits & _STAFF_APPROVAL_BITS:
        return EssRule.STAFF_APPROVAL
    return EssRule.NONE


def ess_status_for(
    *,
    sirene_flag: str,
    family: str,
    staff_approved: bool,
    approval_bits: int = 0,
    decision: str = "",
    member: bool = False,
) -> tuple[str, str]:
    """(rule, source) of the ESS status. A staff decision comes first and is kept by every
    import (the column is never written by one); then the rule of `ess_rule_for`, whose
    source says which fact placed the organisation: the SIRENE flag, the legal category, the
    ESUS approval, or a recognition by staff — for a member of a network, that membership."""
    if decision == EssDecision.EXCLUDE:
        return EssRule.NONE, EssSource.STAFF_DECISION
    if decision == EssDecision.INCLUDE:
        return EssRule.STAFF_APPROVAL, EssSource.STAFF_DECISION
    rule = ess_rule_for(
        sirene_flag=sirene_flag,
        family=family,
        staff_approved=staff_approved,
        approval_bits=approval_bits,
    )
    if rule == EssRule.SIRENE_FLAG:
        return rule, EssSource.SIRENE_FLAG
    if rule == EssRule.LEGAL_CATEGORY:
        return rule, EssSource.LEGAL_CATEGORY
    if rule == EssRule.STAFF_APPROVAL:
        if approval_bits & _STAFF_APPROVAL_BITS:
            return rule, EssSource.ESUS
        return rule, EssSource.NETWORK_MEMBER if member else EssSource.STAFF_DECISION
    return rule, EssSource.NONE


def bits(values) -> int:
    """Bit mask of Theme/Approval values (or their integer positions)."""
    mask = 0
    for v in values:
        mask |= 1 << int(v)
    return mask


@lru_cache(maxsize=1)
def _bit_labels() -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]:
    """French labels of themes and approvals by bit, computed once (the index is French
    whatever the language of the request that triggered a write)."""
    with translation.override("fr"):
        return (
            tuple((1 << t.value, str(t.label)) for t in Theme),
            tuple((1 << a.value, str(a.label)) for a in Approval),
        )


@lru_cache(maxsize=4096)
def _labels_text(theme_bits: int, approval_bits: int) -> str:
    """Tokens of the labels of the themes and approvals set in the two masks."""
    themes, approvals = _bit_labels()
    return search_text(
        " ".join(label for bit, label in themes if theme_bits & bit),
        " ".join(label for bit, label in approvals if approval_bits & bit),
    )


def organisation_search_text(
    org: Organisation, *, commune_name: str = "", naf_label: str = ""
) -> str:
    siren = org.siren or ""
    # Same tokens, in the same order, as search_text(name, acronym, description, commune, NAF
    # label, themes, approvals, SIREN): the parts shared by many organisations are tokenised
    # once (cached), and empty groups add no space.
    parts = (
        search_text(org.name, org.acronym, org.description),
        search_text_cached(commune_name) if commune_name else "",
        search_text_cached(naf_label) if naf_label else "",
        _labels_text(org.theme_bits, org.approval_bits)
        if org.theme_bits or org.approval_bits
        else "",
        # A SIREN (ASCII digits) is its own token; anything else goes through the tokeniser.
        siren if siren.isascii() and siren.isdigit() else search_text(siren),
    )
    return " ".join(p for p in parts if p)


def organisation_derive(
    org: Organisation,
    *,
    family: str,
    place: CommunePlace | None,
    naf_section: str = "",
    naf_label: str = "",
    member: bool | None = None,
) -> Organisation:
    """Set the derived fields of `org` in memory (no query): for bulk writers that already hold
    the nomenclatures and commune places in dictionaries. `member`: whether an active
    membership in a network is what recognises it (None: as recorded before)."""
    org.ess_family = family or EssFamily.OTHER
    if member is None:
        member = org.ess_source == EssSource.NETWORK_MEMBER
    org.ess_rule, org.ess_source = ess_status_for(
        sirene_flag=org.sirene_ess_flag,
        family=org.ess_family,
        staff_approved=org.staff_approved,
        approval_bits=org.approval_bits,
        decision=org.ess_decision,
        member=member,
    )
    org.naf_section = naf_section
    if place is not None:
        org.commune_code = place.code
        org.departement_code = place.departement_code
        org.region_code = place.region_code
        org.epci_code = place.epci_code
        org.ept_code = place.ept_code
    else:
        org.commune_code = org.departement_code = org.region_code = ""
        org.epci_code = org.ept_code = ""
    org.search_text = organisation_search_text(
        org, commune_name=place.name if place else "", naf_label=naf_label
    )
    return org


DERIVED_FIELDS = [
    "ess_family",
    "ess_rule",
    "ess_source",
    "naf_section",
    "commune_code",
    "departement_code",
    "region_code",
    "epci_code",
    "ept_code",
    "search_text",
]


def _head_office(org: Organisation) -> Establishment | None:
    return (
        org.establishments.filter(is_open=True).order_by("-is_head_office", "id").first()
        or org.establishments.order_by("-is_head_office", "id").first()
    )


def organisation_derive_one(org: Organisation) -> Organisation:
    """Set the derived fields of one organisation in memory, reading its head office, legal
    category, NAF code and memberships (a few queries), without saving."""
    # Without a legal category (member lists, demo), the family chosen by staff is kept.
    # (A set foreign key resolves to its row or raises DoesNotExist, never to None.)
    legal_category = org.legal_category if org.legal_category_id else None
    if legal_category is not None:
        family = legal_category.ess_family
    else:
        family = org.ess_family or EssFamily.OTHER
    head = _head_office(org) if org.pk else None
    place = commune_place(head.commune_id) if head and head.commune_id else None
    naf = org.naf if org.naf_id else None
    naf_section, naf_label = (naf.section, naf.label) if naf is not None else ("", "")
    member = bool(org.pk) and org.memberships.filter(status=MembershipStatus.ACTIVE).exists()
    return organisation_derive(
        org,
        family=family,
        place=place,
        naf_section=naf_section,
        naf_label=naf_label,
        member=member,
    )


@transaction.atomic
def organisation_refresh_derived(
    *, organisation: Organisation, new_history_row: bool = True
) -> Organisation:
    """Recompute and save the derived fields of one organisation (after a manual edit).
    `new_history_row=False` (right after a save that wrote its history row, as the admin
    does): that row gets the derived values instead of a second row with no reason."""
    org = organisation_derive_one(organisation)
    if not org.pk:
        org.save()
        return org
    if new_history_row:
        org.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
        return org
    org.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        org.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
    finally:
        del org.skip_history_when_saving  # type: ignore[attr-defined]
    last = org.history.order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    if last is not None:
        type(last).objects.filter(pk=last.pk).update(
            **{name: getattr(org, name) for name in DERIVED_FIELDS}
        )
    return org


# -- edits by people ---------------------------------------------------------------------------

# Fields a person may change on an organisation (admin form, accepted proposals), as model
# field names; the foreign keys take the code of their row (legal category, NAF code).
EDITABLE_FIELDS = (
    "name",
    "acronym",
    "legal_category",
    "naf",
    "sirene_ess_flag",
    "ess_decision",
    "staff_approved",
    "description",
    "website",
    "creation_date",
    "headcount_band",
    "is_active",
)
# Once a person changed one of the fields an import writes, it is locked: see services.locks.


def _python_value(name: str, value: Any) -> Any:
    """The attribute value of field `name` from a JSON value (a code, an ISO date…)."""
    if name == "creation_date" and isinstance(value, str):
        return datetime.date.fromisoformat(value) if value else None
    if name in ("legal_category", "naf"):
        return value or None
    return value


@transaction.atomic
def organisation_update(
    *,
    user: Any,
    organisation: Organisation,
    values: dict[str, Any],
    reason: str | None = None,
    by_moderation: bool = False,
) -> list[str]:
    """Change `organisation` as `user`: the fields of `values` (EDITABLE_FIELDS, foreign keys
    by code, dates as ISO text), their lockable ones locked, the derived columns recomputed,
    in one save and one history row carrying `reason`. Returns the fields that changed.
    Raises PermissionDenied unless `user` may edit it (services.access), or may moderate it
    when the change is an accepted proposal (`by_moderation`)."""
    allowed = may_moderate if by_moderation else may_edit_organisation
    if not allowed(user, organisation):
        raise PermissionDenied
    changed = []
    for name, raw in values.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"champ non modifiable : {name}")
        attname = organisation_field(name).attname
        value = _python_value(name, raw)
        if getattr(organisation, attname) != value:
            setattr(organisation, attname, value)
            changed.append(name)
    if not changed:
        return []
    fields_lock(organisation, changed)
    organisation_derive_one(organisation)
    organisation._change_reason = reason  # type: ignore[attr-defined]  # simple_history
    organisation._history_user = user  # type: ignore[attr-defined]
    organisation.save()
    return changed


# -- writes of the demo loader (atelier.sampledata) ---------------------------------------------


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
