"""What the observatory (atelier.observatory) reads of the directory: the rows its aggregates
are built from, as querysets of plain values, so that the observatory can aggregate them in one
set-based SQL statement (`INSERT … SELECT … FROM (<these queries>)`) without touching the
directory's models.

Every query selects the same columns (aliases prefixed `f_`, never a model field name):
`f_org` (organisation id), `f_place` (INSEE code of the commune or municipal arrondissement),
`f_family`, `f_legal` (legal category code), `f_naf` (NAF section letter), `f_themes` (theme
bits), `f_band` (INSEE headcount band). The perimeter is the Atlas's: organisations in the ESS
perimeter and active (`Organisation.objects.in_perimeter()`), their open establishments.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, ExtractYear

from atelier.search import versions

from ..indexes import VERSION
from ..models import EconomyCount, EconomyCoverage, Establishment, Organisation, in_perimeter_q

# The data version that moves with every write to organisations and establishments
# (atelier.search.versions): the observatory compares it with the one it was built from.
DATA_VERSION = VERSION


def data_version() -> int:
    """The committed data version of the directory (read now)."""
    return versions.read(DATA_VERSION)


def data_version_recent() -> int:
    """The same, reused by the process for ATELIER_SEARCH_DATA_VERSION_SECONDS (requests)."""
    return versions.current(DATA_VERSION)


def establishment_facts() -> QuerySet:
    """One row per open establishment with a commune, of an active organisation of the ESS
    perimeter: where it is (`f_place`, its own commune), its own headcount band (`f_band`) and
    its organisation's facets."""
    return (
        Establishment.objects.filter(in_perimeter_q("organisation__"))
        .filter(is_open=True, commune__isnull=False)
        .order_by()
        .values(
            f_org=F("organisation_id"),
            f_place=F("commune_id"),
            f_family=F("organisation__ess_family"),
            f_legal=Coalesce(F("organisation__legal_category_id"), Value("")),
            f_naf=F("organisation__naf_section"),
            f_themes=F("organisation__theme_bits"),
            f_band=F("headcount_band"),
        )
    )


def organisation_facts() -> QuerySet:
    """One row per active organisation of the ESS perimeter with a head-office commune
    (`f_place`: the commune of its head office, `Organisation.commune_code`), with its own
    (legal unit) headcount band."""
    return (
        Organisation.objects.in_perimeter()
        .exclude(commune_code="")
        .order_by()
        .values(
            f_org=F("id"),
            f_place=F("commune_code"),
            f_family=F("ess_family"),
            f_legal=Coalesce(F("legal_category_id"), Value("")),
            f_naf=F("naf_section"),
            f_themes=F("theme_bits"),
            f_band=F("headcount_band"),
        )
    )


def organisation_creations() -> QuerySet:
    """Organisations of the ESS perimeter (active or ceased) with a head-office commune and a
    creation date (SIRENE `dateCreationUniteLegale`): `f_org`, `f_place`, `f_year`."""
    return (
        Organisation.objects.in_ess()
        .exclude(commune_code="")
        .filter(creation_date__isnull=False)
        .order_by()
        .values(f_org=F("id"), f_place=F("commune_code"), f_year=ExtractYear("creation_date"))
    )


def organisation_closures() -> QuerySet:
    """Organisations of the ESS perimeter that are no longer active, with a head-office
    commune: `f_org`, `f_place`, `f_year` — the year the Atlas recorded the cessation (the row's
    last update: the directory keeps no SIRENE cessation date)."""
    return (
        Organisation.objects.in_ess()
        .filter(is_active=False)
        .exclude(commune_code="")
        .order_by()
        .values(f_org=F("id"), f_place=F("commune_code"), f_year=ExtractYear("updated_at"))
    )


def economy_counts() -> QuerySet:
    """The whole economy (ESS or not) counted by `import-sirene --count-all`: one row per
    commune (or arrondissement) `f_place` × NAF section × headcount band `f_band`, with the
    number of active establishments `f_count`."""
    return (
        EconomyCount.objects.order_by()
        .filter(establishments__gt=0)
        .values(f_place=F("commune"), f_band=F("headcount_band"), f_count=F("establishments"))
    )


def economy_coverage() -> QuerySet:
    """The places whose counts were imported (`f_place`), even those with no establishment."""
    return EconomyCoverage.objects.order_by().values(f_place=F("commune"))


def organisations_changed_since(since: datetime) -> QuerySet:
    """`f_org` of every organisation whose row, or one of whose establishments, was written at
    or after `since` (ORM writes and the bulk writer stamp `updated_at`; deleting an
    establishment through the ORM stamps its organisation: indexes._touch_organisation). A
    deleted organisation is not in it: compare with `organisation_ids`."""
    organisations = (
        Organisation.objects.filter(updated_at__gte=since).order_by().values(f_org=F("id"))
    )
    establishments = (
        Establishment.objects.filter(updated_at__gte=since)
        .order_by()
        .values(f_org=F("organisation_id"))
    )
    return organisations.union(establishments)


def organisation_ids() -> QuerySet:
    """`f_org` of every organisation of the directory (whatever its perimeter)."""
    return Organisation.objects.order_by().values(f_org=F("id"))


def economy_changed_since(since: datetime) -> bool:
    """Whether counts of the whole economy were imported at or after `since` (an import
    replaces the counts and the coverage of the communes it covers, dated `imported_at`)."""
    return EconomyCoverage.objects.filter(imported_at__gte=since).exists()
