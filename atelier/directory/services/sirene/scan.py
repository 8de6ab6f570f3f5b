"""Columnar reading of the SIRENE stock files with pyarrow: CSV (plain, gzip or zip) in blocks
parsed on every core (`csv_blocks`), Parquet by row groups; in record batches whose rows outside
the import are dropped by a mask computed on whole columns (`Mask`), before any per-row Python.
Only the kept rows become Python tuples, in the column order of `columns`, for the row checks of
`reader`.

Line numbers: a CSV row's physical line, where it starts (the header is line 1; a quoted value
may span lines); a Parquet row is numbered as it would be in the same file written as CSV (first
row: line 2), so that both reports agree.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..reports import ImportFormatError, open_binary, open_table
from ..sources import (
    ARCHIVE_ERRORS,
    FIELD_SIZE_LIMIT,
    field_too_long,
    not_utf8,
    truncated_archive,
    utf8_error_line,
)
from .csv_blocks import CsvBlocks, Lines

PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
FORMATS = ("auto", "csv", "parquet")
# Parquet batches: one row group each (half a row group costs a fifth more CPU), at most this.
PARQUET_BATCH_ROWS = 262_144
PARQUET_BUFFER = 1 << 20
# Parquet text columns are read as dictionaries (decoded for kept rows only), except those whose
# values hardly repeat: building their dictionary costs three times their plain reading.
UNIQUE_COLUMNS = frozenset(
    {
        "siren",
        "siret",
        "nic",
        "coordonneeLambertAbscisseEtablissement",
        "coordonneeLambertOrdonneeEtablissement",
    }
)

# A mask: from the batch's columns (name -> array of text), which rows to keep (None: all).
Mask = Callable[[dict[str, pa.Array]], pa.Array | None]


def file_format(path: Path, requested: str = "auto") -> str:
    """'parquet' or 'csv': `requested`, or else the file's extension (.parquet)."""
    if requested in ("csv", "parquet"):
        return requested
    return "parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "csv"


def as_text(column: Any) -> pa.Array:
    """A column as plain strings, '' for nulls: dictionaries decoded, dates, numbers and
    booleans written as in the CSV stock files (2019-05-01, 12, true)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    return column.fill_null("") if column.null_count else column


def is_in(column: pa.Array, values: pa.Array) -> pa.Array:
    """`column` isin `values`, computed on the dictionary only when the column is one."""
    if pa.types.is_dictionary(column.type):
        return pc.take(pc.is_in(column.dictionary, value_set=values), column.indices)
    return pc.is_in(column, value_set=values)


def text_values(values: Collection[str]) -> pa.Array:
    return pa.array(sorted(values), type=pa.string())


class ColumnarTable:
    """An open stock file: its columns (name -> position in the yielded rows) and its rows, read
    in batches. `reject(line, column, value, reason)` receives the rows of a CSV file that do
    not have the header's number of columns. `read` counts every row, `masked` the rows the mask
    dropped, `invalid` the rows rejected by the parser, `seconds` the time spent reading."""

    def __init__(
        self,
        path: Path,
        *,
        label: str,
        required: list[str],
        optional: Sequence[str] = (),
        delimiter: str = ",",
        fmt: str = "auto",
        reject: Callable,
    ) -> None:
        self.path, self.label, self.reject = path, label, reject
        self.format = file_format(path, fmt)
        self.read = self.masked = self.invalid = 0
        self.seconds = self.cpu_seconds = 0.0  # wall and CPU (all threads) time reading
        self._parquet: pq.ParquetFile | None = None
        if self.format == "parquet":
            present = self._open_parquet(required)
        else:
            present = self._open_csv(required, delimiter)
        wanted = list(required) + [c for c in optional if c in present and c not in required]
        self.names = wanted
        self.columns = {name: i for i, name in enumerate(wanted)}

    # -- opening ------------------------------------------------------------------------------

    def _open_csv(self, required: list[str], delimiter: str) -> set[str]:
        # The header is checked by the common CSV reader (binary file, separator, missing
        # columns: one sentence each); pyarrow then reads the data.
        try:
            table = open_table(self.path, label=self.label, delimiter=delimiter, required=required)
        except ImportFormatError:
            line = utf8_error_line(self.path)
            if line is not None and line > 1:  # the header is fine, a row further is not
                raise not_utf8(self.path.name, self.path) from None
            raise
        table.close()
        self._delimiter = delimiter
        # pyarrow names the columns as written (unquoted, not stripped).
        with open_binary(self.path) as raw:
            first = raw.readline().decode("utf-8-sig", "replace").rstrip("\r\n")
        header = next(csv.reader([first], delimiter=delimiter))
        self._header = header
        self._raw_names = {h.strip().strip('"'): h for h in header}
        return set(table.columns)

    def _open_parquet(self, required: list[str]) -> set[str]:
        try:
            self._parquet = pq.ParquetFile(self.path)
        except FileNotFoundError:
            raise ImportFormatError(f"Le fichier {self.path} n'existe pas.") from None
        except (pa.ArrowException, OSError) as exc:
            raise ImportFormatError(
                f"Le fichier {self.path.name} ({self.label}) n'est pas un fichier Parquet lisible."
            ) from exc
        names = set(self._parquet.schema_arrow.names)
        missing = [c for c in required if c not in names]
        if missing:
            raise ImportFormatError(
                f"Il manque dans le fichier {self.path.name} ({self.label}) les colonnes "
                f"suivantes : {', '.join(missing)}."
            )
        return names

    # -- reading ------------------------------------------------------------------------------

    def rows(self, mask: Mask | None = None) -> Iterator[tuple[int, tuple]]:
        """(line, row) for every row the mask keeps; the row holds the values of `columns`."""
        names = self.names
        batches = self._batches()
        while True:
            start = time.perf_counter()  # `seconds`: this reader's own time, not its caller's
            cpu = time.process_time()
            try:
                lines, batch = next(batches)
            except StopIteration:
                self.seconds += time.perf_counter() - start
                self.cpu_seconds += time.process_time() - cpu
                return
            n = batch.num_rows
            self.read += n
            keep = mask(dict(zip(names, batch.columns, strict=True))) if mask else None
            if keep is not None:
                positions = pc.indices_nonzero(keep)
                self.masked += n - len(positions)
                if not len(positions):
                    self.seconds += time.perf_counter() - start
                    self.cpu_seconds += time.process_time() - cpu
                    continue
                batch = batch.take(positions)
                offsets: Sequence[int] = positions.to_pylist()
            else:
                offsets = range(n)
            # Only the kept rows are converted and checked: a dropped row is never imported.
            values = [as_text(col) for col in batch.columns]
            self._check_values(values, lines, offsets)
            rows = list(
                zip(
                    _lines_of(lines, offsets),
                    zip(*(v.to_pylist() for v in values), strict=True),
                    strict=True,
                )
            )
            self.seconds += time.perf_counter() - start
            self.cpu_seconds += time.process_time() - cpu
            yield from rows

    def _batches(self) -> Iterator[tuple[Lines, pa.RecordBatch]]:
        """(lines of its rows, batch), with the file's errors as one sentence."""
        name = self.path.name
        try:
            if self._parquet:
                first = 0
                for batch in self._parquet_batches():
                    yield first + 2, batch  # numbered as the same rows in a CSV file
                    first += batch.num_rows
            else:
                yield from self._csv_batches()
        except ARCHIVE_ERRORS:
            raise truncated_archive(name) from None
        except pa.ArrowInvalid as exc:
            text = str(exc)
            if "UTF8" in text or "UTF-8" in text:
                raise not_utf8(name, self.path) from None
            if "straddl" in text or "block size" in text:
                raise field_too_long(name, "ou une ligne trop longue") from None
            raise ImportFormatError(
                f"Le fichier {name} ({self.label}) n'est pas lisible : il est endommagé ou n'est "
                "pas au format attendu."
            ) from exc
        except OSError as exc:
            if "ompress" in str(exc):  # pyarrow's own gzip: "Truncated compressed stream"
                raise truncated_archive(name) from None
            raise ImportFormatError(f"Le fichier {name} ({self.label}) est illisible.") from exc

    def _csv_batches(self) -> Iterator[tuple[Lines, pa.RecordBatch]]:
        raw = [self._raw_names[c] for c in self.names]
        with open_binary(self.path) as stream:
            stream.readline()  # the header, checked when the file was opened
            blocks = CsvBlocks(
                stream,
                name=self.path.name,
                header=self._header,
                include=raw,
                delimiter=self._delimiter,
                reject=self.reject,
            )
            try:
                for lines, batch in blocks:
                    if raw != self.names:
                        batch = batch.rename_columns(self.names)
                    yield lines, batch
            finally:
                self.invalid += blocks.invalid

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        assert self._parquet is not None
        schema = self._parquet.schema_arrow
        dictionary = [
            c
            for c in self.names
            if c not in UNIQUE_COLUMNS and pa.types.is_string(schema.field(c).type)
        ]
        # Column chunks streamed through 1 MB buffers rather than a whole row group buffered
        # ahead: half the peak memory on a national file, and faster (measured).
        pf = pq.ParquetFile(
            self.path, read_dictionary=dictionary, pre_buffer=False, buffer_size=PARQUET_BUFFER
        )
        metadata = pf.metadata
        groups = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        size = max(1, min(max(groups, default=1), PARQUET_BATCH_ROWS))
        try:
            yield from pf.iter_batches(batch_size=size, columns=self.names, use_threads=True)
        finally:
            pf.close()

    # -- checks on whole columns (the kept rows) ---------------------------------------------

    def _check_values(self, values: list[pa.Array], lines: Lines, offsets: Sequence[int]) -> None:
        """No field over FIELD_SIZE_LIMIT characters, no NUL byte: else one sentence."""
        for name, col in zip(self.names, values, strict=True):
            if len(col) and (pc.max(pc.binary_length(col)).as_py() or 0) > FIELD_SIZE_LIMIT:
                where = pc.indices_nonzero(pc.greater(pc.utf8_length(col), FIELD_SIZE_LIMIT))
                if len(where):
                    line = _lines_of(lines, [offsets[where[0].as_py()]])[0]
                    raise field_too_long(self.path.name, f"colonne {name}, ligne {line}")
            found = pc.indices_nonzero(pc.match_substring(col, "\x00"))
            if len(found):
                line = _lines_of(lines, [offsets[found[0].as_py()]])[0]
                raise ImportFormatError(
                    f"Le fichier {self.path.name} contient un octet nul (colonne {name}, ligne "
                    f"{line}) : ce n'est pas un fichier texte valide, rien n'a été importé."
                )

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()


def _lines_of(lines: Lines, offsets: Sequence[int]) -> list[int]:
    """The lines of the rows at `offsets` of a batch whose rows are on `lines`."""
    if isinstance(lines, int):
        return [lines + i for i in offsets]
    return [lines[i] for i in offsets]
