"""Writing the wanted reference state: only the differences, in bulk."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models.deletion import ProtectedError

from ..models import (
    Commune,
    Departement,
    Grouping,
    LegalCategory,
    NafCode,
    PostalCode,
    Region,
)
from ..names import place_key
from .positions import (
    Position,
)
from .reading import Geography
from .sources import (
    ReferenceLoadReport,
)

# ---------------------------------------------------------------------------------------------
# Writing


def reference_write(
    geo: Geography,
    positions: dict[str, Position],
    naf_rows: dict[str, dict[str, Any]],
    legal_rows: dict[str, dict[str, Any]],
    scope: list[str] | None,
    report: ReferenceLoadReport,
) -> None:
    regions = {
        code: {"name": name, "zone": zone, "search_name": place_key(name)}
        for code, (name, zone) in geo.regions.items()
    }
    departements = {
        code: {"name": name, "region_id": region, "zone": zone, "search_name": place_key(name)}
        for code, (name, region, zone) in geo.departements.items()
    }
    groupings = {
        code: {"name": name, "kind": kind, "search_name": place_key(name)}
        for code, (name, kind) in geo.groupings.items()
    }
    communes: dict[str, dict[str, Any]] = {}
    # Communes before their arrondissements (self reference).
    for commune in sorted(geo.communes.values(), key=lambda c: (c.parent is not None, c.code)):
        position = positions[commune.code]
        communes[commune.code] = {
            "name": commune.name,
            "kind": commune.kind,
            "parent_id": commune.parent,
            "departement_id": commune.departement,
            "region_id": commune.region,
            "epci_id": commune.epci,
            "ept_id": commune.ept,
            "population": commune.population,
            "latitude": position.latitude,
            "longitude": position.longitude,
            "position_precision": position.precision,
            "search_name": place_key(commune.name),
        }
    commune_scope = Commune.objects.all()
    if scope is not None:
        commune_scope = commune_scope.filter(departement_id__in=scope)

    # Upserts from the top of the hierarchy down, deletions from the bottom up.
    results: dict[str, tuple[int, int, list[Any]]] = {}
    results["regions"] = _upsert(Region, regions, Region.objects.all())
    results["departements"] = _upsert(Departement, departements, Departement.objects.all())
    results["groupings"] = _upsert(Grouping, groupings, Grouping.objects.all())
    results["communes"] = _upsert(Commune, communes, commune_scope)
    postal = _sync_postal_codes(geo, commune_scope)
    results["naf"] = _upsert(NafCode, naf_rows, NafCode.objects.all())
    results["legal_categories"] = _upsert(LegalCategory, legal_rows, LegalCategory.objects.all())

    deletions = [
        ("legal_categories", LegalCategory),
        ("naf", NafCode),
        ("communes", Commune),
        ("groupings", Grouping),
        ("departements", Departement),
        ("regions", Region),
    ]
    for name, model in deletions:
        created, updated, stale = results[name]
        if name == "groupings" and scope is not None:
            stale = []  # a restricted load does not know the other départements' groupings
        if name == "communes":
            # Arrondissements first (they reference their commune).
            arm = set(
                Commune.objects.filter(pk__in=stale, parent__isnull=False).values_list(
                    "pk", flat=True
                )
            )
            stale = [pk for pk in stale if pk in arm] + [pk for pk in stale if pk not in arm]
        deleted, kept = _delete(model, stale)
        report.changes[name] = [created, updated, deleted]
        if kept:
            report.kept[name] = kept
    report.changes["postal_codes"] = list(postal)


# `model._default_manager` rather than `model.objects`, which `type[Model]` does not declare:
# the reference models define no manager of their own, so it is their `objects`.
def _upsert(
    model: type[models.Model], wanted: dict[str, dict[str, Any]], scope: models.QuerySet
) -> tuple[int, int, list[Any]]:
    """Create and update rows of `model` so that `scope` holds `wanted` (pk -> field values);
    returns (created, updated, pks of stale rows in scope)."""
    fields = sorted({name for values in wanted.values() for name in values})
    pk_name = model._meta.pk.name
    existing = {row.pop("pk"): row for row in scope.values("pk", *fields)}
    to_create = [
        model(**{pk_name: pk}, **values) for pk, values in wanted.items() if pk not in existing
    ]
    to_update = [
        model(**{pk_name: pk}, **values)
        for pk, values in wanted.items()
        if pk in existing and existing[pk] != values
    ]
    if to_create:
        # Rows may exist outside `scope` (restricted loads): never create them twice.
        outside = set(
            model._default_manager.filter(
                pk__in=[getattr(o, pk_name) for o in to_create]
            ).values_list("pk", flat=True)
        )
        to_update += [o for o in to_create if getattr(o, pk_name) in outside]
        to_create = [o for o in to_create if getattr(o, pk_name) not in outside]
        model._default_manager.bulk_create(to_create, batch_size=1000)
    if to_update:
        model._default_manager.bulk_update(to_update, fields, batch_size=500)
    stale = [pk for pk in existing if pk not in wanted]
    return len(to_create), len(to_update), stale


def _delete(model: type[models.Model], pks: list[Any]) -> tuple[int, int]:
    """Delete stale rows; those still referenced (e.g. by organisations) are kept."""
    if not pks:
        return 0, 0
    try:
        with transaction.atomic():
            model._default_manager.filter(pk__in=pks).delete()
        return len(pks), 0
    except ProtectedError:
        pass
    deleted = kept = 0
    for pk in pks:
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=pk).delete()
            deleted += 1
        except ProtectedError:
            kept += 1
    return deleted, kept


def _sync_postal_codes(geo: Geography, commune_scope: models.QuerySet) -> tuple[int, int, int]:
    wanted = {
        (code, commune.code) for commune in geo.communes.values() for code in commune.postal_codes
    }
    existing = {
        (code, commune_id): pk
        for pk, code, commune_id in PostalCode.objects.filter(
            commune_id__in=commune_scope.values("pk")
        ).values_list("pk", "code", "commune_id")
    }
    to_create = [
        PostalCode(code=code, commune_id=commune)
        for code, commune in sorted(wanted - existing.keys())
    ]
    stale = [pk for key, pk in existing.items() if key not in wanted]
    PostalCode.objects.bulk_create(to_create, batch_size=2000)
    if stale:
        PostalCode.objects.filter(pk__in=stale).delete()
    return len(to_create), 0, len(stale)
