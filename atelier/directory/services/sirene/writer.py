"""Batches of a SIRENE import to the bulk writer (organisations, then establishments)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, transaction

from atelier.territories.enums import EssFamily
from atelier.territories.selectors import (
    CommunePlace,
)

from ...enums import GeoPrecision, Source
from ...geo import lonlat_to_world
from ..bulk import (
    Existing,
    OrgRecord,
    UpsertResult,
)
from ..locks import locked_values_keep
from .base import SireneImportBase
from .index import TempIndex
from .layout import (
    UL_LABEL,
)


class SireneWriter(SireneImportBase):
    """Batches of parsed establishments to the bulk writer, with their organisations."""

    def _flush(self, batch: list[list], index: TempIndex, use_geo: bool, reject: Callable) -> None:
        """Write one batch of parsed establishments and the organisations they need."""
        units = index.units(list({e[2] for e in batch}))
        kept: list[list] = []
        for e in batch:
            unit = units.get(e[2])
            if unit is None:
                reject(e[0], "siren", e[2], "SIREN absent du fichier des unités légales")
            elif unit[1] == TempIndex.FILTERED:
                self.result.etablissements_filtered += 1
            elif unit[1] == TempIndex.REJECTED:
                reject(e[0], "siren", e[2], f"unité légale rejetée (ligne {unit[2]})")
            else:
                kept.append(e)
        if not kept:
            return
        geo = index.geo([e[1] for e in kept if e[14]]) if use_geo else {}
        to_convert = [e for e in kept if e[8] is not None and e[1] not in geo]
        if to_convert:
            lons, lats = self.to_wgs84.transform(
                [e[8] for e in to_convert], [e[9] for e in to_convert]
            )
            for e, lon, lat in zip(to_convert, lons, lats, strict=True):
                e[8], e[9] = lon, lat
        places = self.places
        # Best place per organisation in this batch: open head office > open > closed head office.
        best: dict[str, tuple[int, str]] = {}
        est_rows: list[tuple] = []
        for e in kept:
            siret, commune = e[1], e[7]
            position = geo.get(siret)
            if position is None and e[8] is not None:
                position = (e[8], e[9])
            if position is not None:
                lon, lat = position
                precision = GeoPrecision.ADDRESS
            else:
                place = places[commune]
                lon, lat = place.longitude, place.latitude
                precision = GeoPrecision.COMMUNE
            mx, my = lonlat_to_world(lon, lat)
            rank = 2 * e[11] + e[10]
            current = best.get(e[2])
            if current is None or rank > current[0]:
                best[e[2]] = (rank, commune)
            est_rows.append(
                (
                    siret,
                    e[2],  # replaced by the organisation id once it is known
                    e[3],
                    e[4],
                    e[5],
                    e[6],
                    commune,
                    lat,
                    lon,
                    precision,
                    mx,
                    my,
                    e[10],
                    e[11],
                    e[12],
                    e[13],
                    e[15],  # closed_on
                )
            )
        to_write = {
            siren: best[siren]
            for siren in best
            if not units[siren][11] or best[siren][0] > units[siren][12]
        }
        records = [
            self._record(units[siren], places.get(commune))
            for siren, (_, commune) in to_write.items()
        ]
        lines = {e[1]: e[0] for e in kept}
        self.result.etablissements_kept += len(kept)
        self._write(records, est_rows, lines, reject)
        index.mark_written({s: r for s, (r, _) in to_write.items()})

    def _record(
        self, unit: tuple, place: CommunePlace | None
    ) -> tuple[OrgRecord, CommunePlace | None]:
        (siren, _s, _l, name, acronym, cj, flag, band, naf, creation, active) = unit[:11]
        return OrgRecord(
            siren=siren,
            name=name,
            source=Source.SIRENE,
            acronym=acronym,
            legal_category_id=cj,
            sirene_ess_flag=flag,
            headcount_band=band,
            naf_id=naf,
            creation_date=creation,
            is_active=bool(active),
        ), place

    def _derive(self, pairs: list, existing: dict[str, Existing]) -> list[OrgRecord]:
        out = []
        for record, place in pairs:
            old = existing.get(record.siren)
            if old is not None:
                record.staff_approved = old.staff_approved
                record.approval_bits = old.approval_bits
                record.theme_bits = old.theme_bits
                record.description = old.description
                record.website = old.website
                record.source = old.source
                record.ess_decision = old.ess_decision
                record.ess_source = old.ess_source  # whether a membership recognises it
                locked_values_keep(record, old.locked)  # corrected by a person: kept
            family = self.families.get(record.legal_category_id or "", EssFamily.OTHER)
            out.append(
                record.derive(
                    family=family,
                    place=place,
                    naf=self.nafs.get(record.naf_id) if record.naf_id else None,
                )
            )
        return out

    def _write(
        self,
        pairs: list,
        est_rows: list[tuple],
        lines: dict[str, int],
        reject: Callable,
    ) -> None:
        writer = self.writer
        try:
            with transaction.atomic():
                existing = writer.existing_organisations([r.siren for r, _ in pairs])
                records = self._derive(pairs, existing)
                orgs = writer.upsert_organisations(records, existing=existing)
                ids = writer.organisation_ids(list({r[1] for r in est_rows}))
                rows = [(r[0], ids[r[1]], *r[2:]) for r in est_rows]
                sirets = writer.existing_sirets([r[0] for r in rows])
                ests = writer.upsert_establishments(rows, existing=sirets)
        except (DatabaseError, KeyError):
            orgs, ests = self._write_one_by_one(pairs, est_rows, lines, reject)
        self._count(orgs, ests)

    def _count(self, orgs: UpsertResult, ests: UpsertResult) -> None:
        r = self.result
        r.organisations_created += orgs.created
        # An organisation derived again for a better head office may count twice as updated.
        r.organisations_updated += orgs.updated
        r.establishments_created += ests.created
        r.establishments_updated += ests.updated

    def _write_one_by_one(
        self, pairs: list, est_rows: list[tuple], lines: dict[str, int], reject: Callable
    ) -> tuple[UpsertResult, UpsertResult]:
        """A batch failed and was rolled back: write each row in its own transaction, so that
        every good row is kept and every bad one is reported with its line."""
        writer = self.writer
        orgs, ests = UpsertResult(), UpsertResult()
        failed: set[str] = set()
        for pair in pairs:
            try:
                with transaction.atomic():
                    existing = writer.existing_organisations([pair[0].siren])
                    result = writer.upsert_organisations(
                        self._derive([pair], existing), existing=existing
                    )
                orgs.created += result.created
                orgs.updated += result.updated
            except DatabaseError as exc:
                failed.add(pair[0].siren)
                reject(0, "siren", pair[0].siren, f"écriture refusée par la base : {exc}")
        for row in est_rows:
            if row[1] in failed:
                reject(lines[row[0]], "siren", row[1], "organisation non écrite")
                continue
            try:
                with transaction.atomic():
                    ids = writer.organisation_ids([row[1]])
                    if row[1] not in ids:
                        reject(lines[row[0]], "siren", row[1], "organisation introuvable")
                        continue
                    full = (row[0], ids[row[1]], *row[2:])
                    result = writer.upsert_establishments(
                        [full], existing=writer.existing_sirets([row[0]])
                    )
                ests.created += result.created
                ests.updated += result.updated
            except DatabaseError as exc:
                reject(lines[row[0]], "siret", row[0], f"écriture refusée par la base : {exc}")
        return orgs, ests

    def _write_remaining(self, index: TempIndex) -> None:
        """Legal units kept but with no establishment in the file (no `--territory`)."""
        for units in index.unwritten(self.options.batch_size):
            pairs = [self._record(u, None) for u in units]
            self._write(pairs, [], {}, self._rejecter_for(UL_LABEL))
