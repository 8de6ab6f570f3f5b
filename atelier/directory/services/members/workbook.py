"""Reading an XLSX sheet safely: every row whatever the dimension stored in the sheet (openpyxl's
read-only mode trusts it, and spreadsheet programs leave it stale), the zip's declared sizes and
ratios checked before parsing, XML entities refused (defusedxml, which openpyxl uses when it is
installed), rows and columns bounded. (openpyxl cuts a cell at 32,767 characters, Excel's own
limit, so no cell reaches the CSV field limit.)"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from ..reports import ImportFormatError
from .sources import (
    ARCHIVE_ERRORS,
    MAX_COLUMNS,
    SourceLimits,
    thousands,
    zip_check_declared,
)


def _cause(exc: BaseException) -> BaseException:
    """The first XML-entity or archive error in the chain (openpyxl wraps them), else exc."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (DefusedXmlException, *ARCHIVE_ERRORS)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return exc


def _unreadable(path: Path, exc: BaseException) -> ImportFormatError:
    exc = _cause(exc)
    if isinstance(exc, DefusedXmlException):
        return ImportFormatError(
            f"Le classeur {path.name} est refusé : il déclare des entités XML (ce qu'aucun "
            f"tableur ne fait ; risque d'expansion d'entités)."
        )
    if isinstance(exc, ARCHIVE_ERRORS):
        return ImportFormatError(
            f"Le classeur {path.name} est tronqué ou corrompu : rien n'a été importé."
        )
    return ImportFormatError(f"Le classeur {path.name} est illisible ({exc}).")


def is_workbook(path: Path, limits: SourceLimits) -> bool:
    """Whether the zip archive `path` is an XLSX workbook, whatever its name."""
    with zip_check_declared(path, limits) as archive:
        return "xl/workbook.xml" in archive.namelist()


def open_sheet(
    path: Path, sheet: str, limits: SourceLimits
) -> tuple[list[str], Generator[tuple[int, list[Any]], None, None], Any]:
    """Header, (line, values) of the non-empty rows, and the workbook to close."""
    zip_check_declared(path, limits).close()
    handle = _Workbook(path.open("rb"))
    try:
        handle.book = openpyxl.load_workbook(handle.file, read_only=True, data_only=True)
        book = handle.book
        if sheet and sheet not in book.sheetnames:
            raise ImportFormatError(
                f"La feuille « {sheet} » n'existe pas dans {path.name} "
                f"(feuilles : {', '.join(book.sheetnames)})."
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        if not hasattr(ws, "reset_dimensions"):  # a chartsheet
            raise ImportFormatError(
                f"La feuille « {ws.title} » de {path.name} n'a pas de cellules."
            )
        # The stored dimension ("A1" for 5 rows, "A1:C2" for 200,000) is often stale: read
        # every row.
        ws.reset_dimensions()
        rows = _rows(ws.iter_rows(min_row=1, min_col=1, values_only=True), path, ws.title, limits)
        first = next(rows, None)
        if first is None:
            raise ImportFormatError(f"La feuille « {ws.title} » de {path.name} est vide.")
    except ImportFormatError:
        handle.close()
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        handle.close()
        raise _unreadable(path, exc) from None
    header = [str(h or "").strip() for h in first[1]]
    return header, rows, handle


class _Workbook:
    """The open file and the read-only workbook over it, closed together."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.book: Any = None

    def close(self) -> None:
        if self.book is not None:
            self.book.close()
        self.file.close()


def _rows(
    raw: Generator[tuple[Any, ...], None, None], path: Path, title: str, limits: SourceLimits
) -> Generator[tuple[int, list[Any]], None, None]:
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
                    f"ligne {thousands(line)}, au-delà de {thousands(limits.max_rows)} lignes "
                    f"(ATELIER_IMPORT_MAX_ROWS) ; supprimez les cellules égarées ou découpez le "
                    f"fichier."
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
            yield line, list(values)
    except ImportFormatError:
        raise
    except Exception as exc:  # XML, zip and openpyxl errors while streaming the sheet
        raise _unreadable(path, exc) from None
    finally:
        raw.close()  # openpyxl's generator holds the sheet's stream open
