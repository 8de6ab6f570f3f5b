"""The reference communes and municipal arrondissements with the code of each level that
contains them, copied from atelier.territories into `observatory_place` (about 35,000 rows)."""

from __future__ import annotations

from django.db import transaction

from atelier.territories.selectors import commune_codes, commune_levels

from ..models import Place

# The communes split into municipal arrondissements (loi PLM): their arrondissements are read
# from the reference (territories.selectors.commune_codes).
PLM_COMMUNES = ("75056", "69123", "13055")


FIELDS = (
    "code",
    "is_arrondissement",
    "commune",
    "arrondissement",
    "epci",
    "ept",
    "departement",
    "region",
    "population",
)


def places_rebuild() -> int:
    """Bring the copy of the reference up to date (rewritten only when the reference changed:
    reading it costs far less than writing 35,000 rows); the number of places."""
    return places_refresh()[0]


def places_refresh() -> tuple[int, bool]:
    """The same: the number of places, and whether the copy had to be rewritten (then an
    incremental refresh cannot reuse the facts stored with the old places). Compared as plain
    values (read at every refresh); the rows are built only to rewrite them."""
    parents = {arm: parent for parent in PLM_COMMUNES for arm in commune_codes(parent)[1:]}
    wanted = {  # rows in the order of FIELDS
        (code, code in parents, parents.get(code, code), code if code in parents else "",
         epci, ept, departement, region, population)
        for code, departement, region, epci, ept, population in commune_levels()
    }  # fmt: skip
    if set(Place.objects.values_list(*FIELDS)) == wanted:
        return len(wanted), False
    with transaction.atomic():
        Place.objects.all().delete()
        Place.objects.bulk_create(
            [Place(**dict(zip(FIELDS, row, strict=True))) for row in wanted], batch_size=2000
        )
    return len(wanted), True
