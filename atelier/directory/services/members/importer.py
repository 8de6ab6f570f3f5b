"""The member-list import: validate every row, then write them one by one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, transaction

from atelier.accounts.selectors import network_get, network_list

from ...models import Organisation
from ..bulk import readers_after_bulk_write
from ..reports import ImportFormatError, ImportReport
from .options import MembersOptions, MembersResult, PlannedRow
from .reading import PREVIEW_ROWS, field_columns, norm, read_rows
from .sources import SourceLimits, reject_rate_check, source_check_exists
from .validation import Resolver, validate_row
from .writing import NotWritten, SameName, member_values_apply, organisation_match, write_row

if TYPE_CHECKING:
    from atelier.accounts.models import Network


def organisation_import_members(*, options: MembersOptions, report: ImportReport) -> MembersResult:
    """Validate every row of the member list, then (unless dry run) write the good ones.
    Raises ImportFormatError, before writing anything, for a file or option that cannot be used
    at all: malformed input, limits exceeded, or too many invalid rows (reject rate)."""
    network: Network | None = None
    if options.network_slug:
        try:
            network = network_get(slug=options.network_slug)
        except ObjectDoesNotExist:
            slugs = ", ".join(n.slug for n in network_list()) or "aucun réseau enregistré"
            raise ImportFormatError(
                f"Le réseau « {options.network_slug} » n'existe pas. Réseaux possibles "
                f"(--network) : {slugs}."
            ) from None
    source_check_exists(options.path)
    limits = SourceLimits.from_settings()
    resolver = Resolver()
    header, body, handle = read_rows(options.path, options.sheet, limits)
    name = options.path.name
    try:
        columns = field_columns(header, options.mapping)

        def reject(line: int, column: str, value: str, reason: str) -> None:
            report.reject(file=name, line=line, column=column, value=value, reason=reason)

        named = {k: header[v] for k, v in columns.items()}
        result = MembersResult(
            network=network.name if network else "", dry_run=options.dry_run, columns=named
        )
        planned: list[PlannedRow] = []
        seen: dict[str, int] = {}  # SIRET or SIREN -> line
        names: dict[str, tuple[int, str]] = {}  # name@city -> (line, SIRET or SIREN)
        invalid = 0
        same_name = SameName(resolver)
        for line, row in body:
            result.rows += 1
            values = validate_row(line, row, columns, header, resolver, reject)
            if values is None:
                invalid += 1
                continue
            earlier = _earlier_row(line, values, resolver, seen, names)
            if earlier:
                reject(line, "", values["name"], f"doublon de la ligne {earlier}")
                continue
            org, several = organisation_match(values, same_name)
            if several:
                result.possible_duplicates += 1
                reject(
                    line,
                    header[columns["name"]],
                    values["name"],
                    f"doublon possible : {len(several)} organisations de même nom dans cette "
                    f"commune (#{', #'.join(map(str, several))}) ; indiquez le SIRET",
                )
                continue
            planned.append(
                PlannedRow(
                    line=line,
                    action="update" if org else "create",
                    name=values["name"],
                    commune_code=values["commune"],
                    organisation_id=org.pk if org else None,
                    values=values,
                )
            )
        reject_rate_check(name=name, rows=result.rows, rejected=invalid)
    finally:
        body.close()  # a generator, possibly suspended
        handle.close()
    for p in planned[:PREVIEW_ROWS]:
        place = resolver.places[p.commune_code]
        what = "créée" if p.action == "create" else f"mise à jour (#{p.organisation_id})"
        result.preview.append((p.line, p.name, f"{place.name} ({p.commune_code})", what))

    def kept(p: PlannedRow, items: list[NotWritten]) -> None:
        """The values the row does not write (a person's decision wins), in the report as
        notes (not rejections)."""
        for item in items:
            column = named.get(item.field, item.field)
            report.note(file=name, line=p.line, column=column, value=item.value, reason=item.reason)
        result.locked_kept += len(items)

    if options.dry_run:
        result.created = sum(p.action == "create" for p in planned)
        result.updated = len(planned) - result.created
        for p in planned:  # what the writing would keep, read on a copy never saved
            if p.organisation_id:
                org = Organisation.objects.get(pk=p.organisation_id)
                kept(p, member_values_apply(org, p.values, created=False, network=network))
        return result
    for p in planned:
        try:
            with transaction.atomic():
                org = Organisation.objects.get(pk=p.organisation_id) if p.organisation_id else None
                if org is None and p.values["siren"]:  # another site of a member created above
                    org = Organisation.objects.filter(siren=p.values["siren"]).first()
                written = write_row(p.values, org, network, resolver)
        except DatabaseError as exc:
            reject(p.line, "", p.name, f"écriture refusée par la base : {exc}")
            continue
        result.created += written.created
        result.updated += not written.created
        result.memberships += written.membership
        kept(p, written.kept)
    if result.created or result.updated:
        readers_after_bulk_write()
    return result


def _earlier_row(
    line: int,
    values: dict[str, Any],
    r: Resolver,
    seen: dict[str, int],
    names: dict[str, tuple[int, str]],
) -> int:
    """The earlier line of the file that is the same member, else 0 (and remember this one):
    same SIRET (or SIREN without SIRET), or same name in the same commune when one of the two
    rows has no identifier (two sites with their own SIRET may share a name)."""
    ident = values["siret"] or values["siren"]
    city = r.parent.get(values["commune"], values["commune"])
    name_key = f"{norm(values['name'])}@{city}"
    if ident and ident in seen:
        return seen[ident]
    by_name = names.get(name_key)
    if by_name is not None and not (ident and by_name[1]):
        return by_name[0]
    if ident:
        seen[ident] = line
    names.setdefault(name_key, (line, ident))
    return 0
