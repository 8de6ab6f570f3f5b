"""Organisation writes and the derived fields every writer must keep right."""

from functools import lru_cache

from django.db import transaction
from django.utils import translation

from atelier.territories.enums import ESS_FAMILIES_BY_LAW, EssFamily
from atelier.territories.selectors import CommunePlace, commune_place

from ..enums import Approval, EssRule, Theme
from ..models import Establishment, Organisation
from ..text import search_text

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


def organisation_search_text(
    org: Organisation, *, commune_name: str = "", naf_label: str = ""
) -> str:
    themes, approvals = _bit_labels()
    theme_labels = (
        " ".join(label for bit, label in themes if org.theme_bits & bit) if org.theme_bits else ""
    )
    approval_labels = (
        " ".join(label for bit, label in approvals if org.approval_bits & bit)
        if org.approval_bits
        else ""
    )
    return search_text(
        org.name,
        org.acronym,
        org.description,
        commune_name,
        naf_label,
        theme_labels,
        approval_labels,
        org.siren,
    )


def organisation_derive(
    org: Organisation,
    *,
    family: str,
    place: CommunePlace | None,
    naf_section: str = "",
    naf_label: str = "",
) -> Organisation:
    """Set the derived fields of `org` in memory (no query): for bulk writers that already hold
    the nomenclatures and commune places in dictionaries."""
    org.ess_family = family or EssFamily.OTHER
    org.ess_rule = ess_rule_for(
        sirene_flag=org.sirene_ess_flag,
        family=org.ess_family,
        staff_approved=org.staff_approved,
        approval_bits=org.approval_bits,
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


@transaction.atomic
def organisation_refresh_derived(*, organisation: Organisation) -> Organisation:
    """Recompute and save the derived fields of one organisation (after a manual edit)."""
    org = organisation
    # Without a legal category (member lists, demo), the family chosen by staff is kept.
    if org.legal_category_id:
        family = org.legal_category.ess_family
    else:
        family = org.ess_family or EssFamily.OTHER
    head = _head_office(org) if org.pk else None
    place = commune_place(head.commune_id) if head and head.commune_id else None
    naf_section, naf_label = (org.naf.section, org.naf.label) if org.naf_id else ("", "")
    organisation_derive(
        org, family=family, place=place, naf_section=naf_section, naf_label=naf_label
    )
    if org.pk:
        org.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
    else:
        org.save()
    return org
