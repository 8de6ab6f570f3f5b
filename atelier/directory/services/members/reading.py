"""Reading a member list: CSV or XLSX rows, and which column holds which field."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...text import fold
from ..reports import ImportFormatError, open_text, sniff_encoding

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
    "date d adhesion": "joined_on",
    "adhesion": "joined_on",
    "adherent depuis": "joined_on",
}
PREVIEW_ROWS = 20


def norm(text: Any) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(str(text or ""))).split())


def read_rows(path: Path, sheet: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]], Any]:
    """Header and (line, values) of a CSV (separator and encoding sniffed) or XLSX file."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" and path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFormatError(f"Le classeur {path.name} est illisible ({exc}).") from exc
        if sheet and sheet not in book.sheetnames:
            raise ImportFormatError(
                f"La feuille « {sheet} » n'existe pas dans {path.name} "
                f"(feuilles : {', '.join(book.sheetnames)})."
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ImportFormatError(f"La feuille de {path.name} est vide.")
        body = (
            (i, list(r)) for i, r in enumerate(rows, start=2) if any(v not in (None, "") for v in r)
        )
        return [str(h or "").strip() for h in header], body, book
    encoding = sniff_encoding(path)
    stream = open_text(path, encoding=encoding)
    first = stream.readline()
    if not first.strip() or "\x00" in first:
        stream.close()
        raise ImportFormatError(f"Le fichier {path.name} n'est pas un fichier CSV lisible.")
    delimiter = max([";", ",", "\t"], key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    reader = csv.reader(stream, delimiter=delimiter)
    body = ((reader.line_num + 1, row) for row in reader if any(c.strip() for c in row))
    return header, body, stream


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
