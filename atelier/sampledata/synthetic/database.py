"""Synthetic organisations into the database, through the directory's bulk writer (like the
SIRENE import): derived columns by `OrgRecord.derive`, indexes deferred on empty tables, the
readers told once the rows are written. SIRENs held by a non-synthetic organisation are
skipped."""

from __future__ import annotations

from django.db import transaction

from atelier.directory.enums import GeoPrecision, Source
from atelier.directory.geo import lonlat_to_world
from atelier.directory.selectors.organisations import (
    organisations_of_source_exist,
    sirens_not_of_source,
)
from atelier.directory.services.bulk import (
    BulkWriter,
    OrgRecord,
    bounded_memory,
    bulk_restore_pending,
    collector_relaxed,
    memory_release,
    readers_after_bulk_write,
    secondary_indexes_deferred,
)
from atelier.territories.enums import EssFamily

from .generator import SyntheticGenerator
from .records import GenerateResult, batches


def demo_data_present() -> bool:
    return organisations_of_source_exist(source=Source.DEMO)


def organisations_generate(
    *, count: int, seed: int, batch_size: int = 10_000, progress=None
) -> GenerateResult:
    """Write `count` synthetic organisations (and their establishments) into the database."""
    skip = sirens_not_of_source(source=Source.SYNTHETIC, prefix="9")
    gen = SyntheticGenerator(seed=seed, skip_sirens=skip)
    writer = BulkWriter()
    result = GenerateResult()
    bulk_restore_pending()  # an earlier bulk write killed midway
    with (
        collector_relaxed(),
        bounded_memory(),
        secondary_indexes_deferred(),
    ):
        _write_synthetic(gen, writer, result, count, batch_size, progress)
        memory_release()
    readers_after_bulk_write()
    return result


def _write_synthetic(gen, writer, result, count, batch_size, progress) -> None:
    nafs, families, places = gen.nafs, gen.families, gen.places
    for batch in batches(gen.organisations(count), batch_size):
        records = []
        for o in batch:
            record = OrgRecord(
                siren=o.siren,
                name=o.name,
                source=Source.SYNTHETIC,
                acronym=o.acronym,
                legal_category_id=o.legal_category or None,
                sirene_ess_flag=o.ess_flag,
                staff_approved=o.staff_approved,
                approval_bits=o.approval_bits,
                theme_bits=o.theme_bits,
                headcount_band=o.band,
                naf_id=o.naf or None,
                creation_date=o.creation_date,
                is_active=o.is_active,
            )
            record.derive(
                family=families.get(o.legal_category, EssFamily.OTHER),
                place=places[o.establishments[0].commune],
                naf=nafs.get(o.naf),
            )
            records.append(record)
        with transaction.atomic():
            writer.upsert_organisations(records)
            ids = writer.organisation_ids([o.siren for o in batch])
            rows = []
            for o in batch:
                for e in o.establishments:
                    mx, my = lonlat_to_world(e.lon, e.lat)
                    rows.append(
                        (
                            e.siret,
                            ids[o.siren],
                            e.name,
                            "",
                            f"{e.number} {e.street_type.lower()} {e.street_name.title()}",
                            e.postcode,
                            e.commune,
                            e.lat,
                            e.lon,
                            GeoPrecision.ADDRESS,
                            mx,
                            my,
                            e.is_head_office,
                            e.is_open,
                            e.naf or None,
                            e.band,
                            # As its SIRENE file says (dateDebut: the creation date).
                            None if e.is_open else o.creation_date,
                        )
                    )
            writer.upsert_establishments(rows)
        result.organisations += len(batch)
        result.establishments += len(rows)
        if progress is not None:
            progress.update(result.organisations)
