"""Reading an XLSX sheet safely: every row whatever the dimension stored in the sheet (openpyxl's
read-only mode trusts it, and spreadsheet programs leave it stale), the zip's declared sizes and
ratios checked before parsing, XML entities refused (defusedxml, which openpyxl uses when it is
installed), rows and columns bounded, cells bounded like CSV fields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from ..reports import ImportFormatError
from .sources import (
    ARCHIVE_ERRORS,
    FIELD_SIZE_LIMIT,
    MAX_COLUMNS,
    SourceLimits,
    field_too_long,
    zip_check_declared,
)


def _unreadable(path: Path, exc: BaseException) -> ImportFormatError:
    if isinstance(exc, DefusedXmlException):
        return ImportFormatError(
            f"Le classeur {path.name} est refusé : il déclare des entités XML (ce qu'aucun "
            f"tableur ne fait ; risque d'expansion d'entités)."
        )
    if isinstance(exc, ARCHIVE_ERRORS):
        return ImportFormatError(
            f"Le classeur {path.name} est tronqué ou corrompu ({exc}) : rien n'a été importé."
        )
    return ImportFormatError(f"Le classeur {path.name} est illisible ({exc}).")


def open_sheet(
    path: Path, sheet: str, limits: SourceLimits
) -> tuple[list[str], Iterator[tuple[int, list[Any]]], Any]:
    """Header, (line, values) of the non-empty rows, and the workbook to close."""
    zip_check_declared(path, limits).close()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise _unreadable(path, exc) from None
    if sheet and sheet not in book.sheetnames:
        book.close()
        raise ImportFormatError(
            f"La feuille « {sheet} » n'existe pas dans {path.name} "
            f"(feuilles : {', '.join(book.sheetnames)})."
        )
    ws = book[sheet] if sheet else book.worksheets[0]
    if not hasattr(ws, "reset_dimensions"):  # a chartsheet
        book.close()
        raise ImportFormatError(f"La feuille « {ws.title} » de {path.name} n'a pas de cellules.")
    # The stored dimension ("A1" for 5 rows, "A1:C2" for 200,000) is often stale: read every row.
    ws.reset_dimensions()
    rows = _rows(ws.iter_rows(min_row=1, min_col=1, values_only=True), path, ws.title, limits)
    try:
        first = next(rows, None)
    except ImportFormatError:
        book.close()
        raise
    if first is None:
        book.close()
        raise ImportFormatError(f"La feuille « {ws.title} » de {path.name} est vide.")
    header = [str(h or "").strip() for h in first[1]]
    return header, rows, book


def _rows(
    raw: Iterator[tuple[Any, ...]], path: Path, title: str, limits: SourceLimits
) -> Iterator[tuple[int, list[Any]]]:
    """Non-empty rows with their line number; the first row with a value is the header (even if
    it is not on line 1)."""
    line = 0
    last_allowed = limits.max_rows + 1  # the header, then max_rows rows
    try:
        for values in raw:
            line += 1
            if not any(v is not None and v != "" for v in values):
                continue
            if line > last_allowed:
                raise ImportFormatError(
                    f"La feuille « {title} » de {path.name} est refusée : elle a une valeur à la "
                    f"ligne {line:,}, au-delà de {limits.max_rows:,} lignes "
                    f"(ATELIER_IMPORT_MAX_ROWS) ; supprimez les cellules égarées ou découpez le "
                    f"fichier.".replace(",", " ")
                )
            if len(values) > MAX_COLUMNS and any(
                v is not None and v != "" for v in values[MAX_COLUMNS:]
            ):
                far = max(i for i, v in enumerate(values) if v is not None and v != "") + 1
                raise ImportFormatError(
                    f"La feuille « {title} » de {path.name} est refusée : elle a une valeur en "
                    f"{get_column_letter(far)}{line}, au-delà de {MAX_COLUMNS} colonnes ; "
                    f"supprimez les cellules égarées."
                )
            for i, v in enumerate(values):
                if isinstance(v, str) and len(v) > FIELD_SIZE_LIMIT:
                    raise field_too_long(path.name, f"cellule {get_column_letter(i + 1)}{line}")
            yield line, list(values)
    except ImportFormatError:
        raise
    except Exception as exc:  # XML, zip and openpyxl errors while streaming the sheet
        raise _unreadable(path, exc) from None
