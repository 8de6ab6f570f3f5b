"""Reading a member list: CSV or XLSX rows, and which column holds which field."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

from ...text import fold
from ..reports import ImportFormatError
from .sources import (
    SourceLimits,
    checked_lines,
    csv_rows,
    open_counted,
    source_check_exists,
    text_encoding,
    thousands,
)
from .workbook import is_workbook, open_sheet

FIELDS = (
    "name",
    "siret",
    "siren",
    "acronym",
    "legal_category",
    "street",
    "postcode",
    "commune",
    "website",
    "email",
    "phone",
    "contact_name",
    "themes",
    "approvals",
    "joined_on",
)
# Usual French headers (folded: lower case, no accents, single spaces) -> field.
HEADER_SYNONYMS: dict[str, str] = {
    "raison sociale": "name",
    "nom": "name",
    "nom de la structure": "name",
    "nom de l organisation": "name",
    "denomination": "name",
    "structure": "name",
    "organisation": "name",
    "name": "name",
    "siret": "siret",
    "n siret": "siret",
    "numero siret": "siret",
    "siren": "siren",
    "sigle": "acronym",
    "acronyme": "acronym",
    "categorie juridique": "legal_category",
    "forme juridique": "legal_category",
    "code forme juridique": "legal_category",
    "code categorie juridique": "legal_category",
    "adresse": "street",
    "adresse postale": "street",
    "rue": "street",
    "voie": "street",
    "code postal": "postcode",
    "cp": "postcode",
    "ville": "commune",
    "commune": "commune",
    "localite": "commune",
    "code commune": "commune",
    "code insee": "commune",
    "site web": "website",
    "site internet": "website",
    "site": "website",
    "url": "website",
    "courriel": "email",
    "email": "email",
    "e mail": "email",
    "mail": "email",
    "adresse electronique": "email",
    "telephone": "phone",
    "tel": "phone",
    "contact": "contact_name",
    "nom du contact": "contact_name",
    "referent": "contact_name",
    "thematiques": "themes",
    "themes": "themes",
    "theme": "themes",
    "agrements": "approvals",
    "agrement": "approvals",
    "agrements et statuts": "approvals",
    "statuts et agrements": "approvals",
    "date d adhesion": "joined_on",
    "adhesion": "joined_on",
    "adherent depuis": "joined_on",
}
PREVIEW_ROWS = 20


def norm(text: Any) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(str(text or ""))).split())


def read_rows(
    path: Path, sheet: str, limits: SourceLimits
) -> tuple[list[str], Generator[tuple[int, list[Any]], None, None], Any]:
    """Header, (line, values) of the non-empty rows, and the handle to close, of an XLSX file or
    a CSV file (plain, .gz or .zip; separator and encoding sniffed). Every malformed input ends
    with an ImportFormatError (see `sources`), raised while iterating for what lies further on;
    rows beyond `limits.max_rows` refuse the file."""
    source_check_exists(path)
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"\xd0\xcf\x11\xe0":
        raise ImportFormatError(
            f"Le fichier {path.name} est un classeur Excel 97-2003 (.xls) : enregistrez-le au "
            f"format .xlsx ou CSV UTF-8."
        )
    if magic == b"PK\x03\x04" and (
        path.suffix.lower() in (".xlsx", ".xlsm") or is_workbook(path, limits)
    ):
        return open_sheet(path, sheet, limits)
    stream = io.BufferedReader(open_counted(path, limits), buffer_size=1 << 16)
    try:
        encoding = text_encoding(path)
        lines = checked_lines(stream, path.name, encoding)
        first = next(lines, "")
    except ImportFormatError:
        stream.close()
        raise
    if not first.strip():
        stream.close()
        raise ImportFormatError(f"Le fichier {path.name} n'est pas un fichier CSV lisible.")
    delimiter = max([";", ",", "\t"], key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    return (
        header,
        _bounded(csv_rows(lines, path.name, delimiter, first_line=2), path, limits),
        stream,
    )


def _bounded(
    rows: Generator[tuple[int, list[str]], None, None], path: Path, limits: SourceLimits
) -> Generator[tuple[int, list[Any]], None, None]:
    """The non-empty rows, at most `limits.max_rows` of them."""
    n = 0
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        n += 1
        if n > limits.max_rows:
            raise ImportFormatError(
                f"Le fichier {path.name} est refusé : il a plus de {thousands(limits.max_rows)} "
                f"lignes (ATELIER_IMPORT_MAX_ROWS) ; découpez-le."
            )
        yield line, row


def field_columns(header: list[str], mapping: str) -> dict[str, int]:
    """Field -> column position, from the usual headers, overridden by --map."""
    by_norm = {norm(h): i for i, h in enumerate(header)}
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        fieldname = HEADER_SYNONYMS.get(norm(h))
        if fieldname and fieldname not in columns:
            columns[fieldname] = i
    for pair in filter(None, (p.strip() for p in mapping.split(","))):
        column, sep, fieldname = pair.rpartition("=")
        fieldname = fieldname.strip()
        if not sep or fieldname not in FIELDS:
            raise ImportFormatError(
                f"Correspondance --map invalide : « {pair} » (attendu colonne=champ, champs : "
                f"{', '.join(FIELDS)})."
            )
        if norm(column) not in by_norm:
            raise ImportFormatError(
                f"La colonne « {column.strip()} » de --map est absente du fichier."
            )
        columns[fieldname] = by_norm[norm(column)]
    if "name" not in columns:
        raise ImportFormatError(
            "Aucune colonne de nom trouvée (par exemple « Raison sociale » ou « Nom ») : "
            'indiquez-la avec --map "colonne=name".'
        )
    return columns
