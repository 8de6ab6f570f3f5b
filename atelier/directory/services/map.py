"""The clustering pyramid of the unfiltered Atlas map (directory.models_map): rebuilt after imports,
invalidated by writers that close establishments or take organisations out of the perimeter.

Levels are built from the finest down: the finest from the establishments (one GROUP BY over the
covering index), each coarser one from the level below (cells 2 x 2 merged), so a rebuild reads
the establishments once."""

from typing import Any

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from ..models import Establishment, MapCell, MapPyramid, Organisation
from ..selectors.map import (
    CELL_SHIFT,
    MAX_SHIFT,
    PYRAMID_MAX_ZOOM,
    cells_query,
    pyramid_families,
)
from ..selectors.search import SearchParams, search_queryset

_COLUMNS = (
    "zoom, family, cx, cy, n, sum_mx, sum_my, min_mx, min_my, max_mx, max_my, establishment_id"
)


def _perimeter() -> QuerySet[Organisation, Any]:
    return search_queryset(SearchParams()).order_by().values("id")


@transaction.atomic
def map_pyramid_refresh(*, max_zoom: int = PYRAMID_MAX_ZOOM) -> MapPyramid:
    """Rebuild every level 0..max_zoom of the pyramid for the default perimeter (open
    establishments of active organisations of the ESS), by ESS family."""
    if not 0 <= max_zoom <= MAX_SHIFT - 2 - CELL_SHIFT:
        raise ValueError(f"max_zoom must lie between 0 and {MAX_SHIFT - 2 - CELL_SHIFT}.")
    assert pyramid_families(None)  # the families the map sums over
    est_max = Establishment.objects.aggregate(m=Max("id"))["m"] or 0
    org_max = Organisation.objects.aggregate(m=Max("id"))["m"] or 0
    table = MapCell._meta.db_table
    MapCell.objects.all().delete()
    MapPyramid.objects.all().delete()

    shift = MAX_SHIFT - 2 - max_zoom
    finest = cells_query(
        Establishment.objects.filter(
            is_open=True,
            mx__isnull=False,
            my__isnull=False,
            organisation__in=_perimeter(),
        ).order_by(),
        shift,
        "organisation__ess_family",
    )
    sql, params = finest.query.sql_with_params()
    with connection.cursor() as cursor:
        # Table and column names are ours; values are bound parameters or validated integers.
        cursor.execute(
            f"INSERT INTO {table} ({_COLUMNS}) SELECT {int(max_zoom)}, t.* FROM ({sql}) t",  # noqa: S608
            params,
        )
        for zoom in range(max_zoom - 1, -1, -1):
            cursor.execute(
                f"""INSERT INTO {table} ({_COLUMNS})
                SELECT {int(zoom)}, family, cx / 2, cy / 2, SUM(n), SUM(sum_mx), SUM(sum_my),
                       MIN(min_mx), MIN(min_my), MAX(max_mx), MAX(max_my), MIN(establishment_id)
                FROM {table} WHERE zoom = {int(zoom) + 1}
                GROUP BY family, cx / 2, cy / 2""",  # noqa: S608
            )
    return MapPyramid.objects.create(
        built_at=timezone.now(),
        max_zoom=max_zoom,
        max_establishment_id=est_max,
        max_organisation_id=org_max,
    )


def map_pyramid_invalidate() -> None:
    """Stop serving the pyramid until the next refresh (the map answers with live queries). For
    writers that close establishments, move them, or change an organisation's perimeter."""
    MapPyramid.objects.update(is_valid=False)


def map_pyramid_clear() -> None:
    with transaction.atomic():
        MapCell.objects.all().delete()
        MapPyramid.objects.all().delete()
