"""The reference communes and municipal arrondissements with the code of each level that
contains them, copied from atelier.territories into `observatory_place` (about 35,000 rows)."""

from __future__ import annotations

from django.db import transaction

from atelier.territories.selectors import commune_codes, commune_places

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
    incremental refresh cannot reuse the facts stored with the old places)."""
    parents = {arm: parent for parent in PLM_COMMUNES for arm in commune_codes(parent)[1:]}
    rows = [
        Place(
            code=place.code,
            is_arrondissement=place.code in parents,
            commune=parents.get(place.code, place.code),
            arrondissement=place.code if place.code in parents else "",
            epci=place.epci_code,
            ept=place.ept_code,
            departement=place.departement_code,
            region=place.region_code,
            population=place.population,
        )
        for place in commune_places().values()
    ]
    wanted = {tuple(getattr(row, f) for f in FIELDS) for row in rows}
    if set(Place.objects.values_list(*FIELDS)) == wanted:
        return len(rows), False
    with transaction.atomic():
        Place.objects.all().delete()
        Place.objects.bulk_create(rows, batch_size=2000)
    return len(rows), True
