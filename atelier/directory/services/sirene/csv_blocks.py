"""A CSV stock file parsed by pyarrow in blocks cut by this module, PARSERS blocks at once on as
many threads, with the physical line of every row (the header is line 1).

pyarrow numbers rows only when one reader parses the whole file in order. So the file is cut
here into blocks of BLOCK_BYTES that end after a line break outside any quoted field (an even
number of quote characters since the block's start: what RFC 4180 quoting gives), and each block
is parsed by its own `pyarrow.csv.open_csv` reader in a worker thread (pyarrow releases the GIL).
A block is *regular* when each of its rows is on one line and of the header's width: then the row
at position i is on line `first + i`. Without a quote character in the block, no value can span
lines; with one, the block must hold as many line breaks as rows, which is checked on the bytes.
Any other block (a row rejected for its number of columns, a quoted value spanning lines) is read
a second time, on one thread and as bytes, for the line of each row: its records in order, each
one line plus the line breaks inside its values. That second pass happens only for such blocks;
it reports the rejected rows, with their lines, before the block's rows are yielded.

A quote inside an unquoted value (not RFC 4180) makes the quote count odd: after MAX_BLOCK_BYTES
without a cut outside quotes, the block is cut at its last line break, as pyarrow's own reader
would cut it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..reports import ImportFormatError
from ..sources import field_too_long

BLOCK_BYTES = 8 << 20  # one parse
PARSERS = 2  # blocks parsed at once: the cores of the reference machine
PARSE_BLOCK_BYTES = 1 << 20  # pyarrow's own blocks inside it: a row may not be longer
MAX_BLOCK_BYTES = 4 * BLOCK_BYTES  # no cut outside quotes in this much: cut at a line break
QUOTE_TRIES = 8  # quoted values looked back over for a cut outside quotes

# Lines of the rows of a batch: the first row's line (the others follow), or one per row.
Lines = int | Sequence[int]


def row_end(data: bytes, final: bool) -> int:
    """Length of the rows of `data` that are complete: up to its last line break outside a
    quoted field, the whole of it at the end of the file; 0 when no such line break is found
    (a quoted value may still go on)."""
    if final:
        return len(data)
    cut = data.rfind(b"\n")
    if b'"' not in data:
        return cut + 1
    for _ in range(QUOTE_TRIES):
        if cut < 0 or not data.count(b'"', 0, cut) % 2:
            return cut + 1
        # Inside a quoted value: the row began before that value's opening quote.
        cut = data.rfind(b"\n", 0, data.rfind(b'"', 0, cut))
    return 0


def _regular(data: bytes, end: int, rows: int) -> bool:
    """Whether each row of the block `data[:end]` (none of them of the wrong width) is on one
    line. Without a quote character, a value cannot span lines; otherwise the block must hold
    as many line breaks (\n, \r\n or \r) as rows, the last row of the file perhaps none."""
    if data.find(b'"', 0, end) < 0:
        return True
    breaks = data.count(b"\n", 0, end)
    if data.find(b"\r", 0, end) >= 0:
        breaks += data.count(b"\r", 0, end) - data.count(b"\r\n", 0, end)
    if end and data[end - 1] not in (0x0A, 0x0D):
        breaks += 1
    return breaks == rows


def _breaks(column: pa.Array) -> pa.Array:
    """Line breaks inside each value: \\n, and \\r not followed by \\n."""
    lf = pc.count_substring(column, "\n")
    cr = pc.subtract(pc.count_substring(column, "\r"), pc.count_substring(column, "\r\n"))
    return pc.add(lf, cr)


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def column_reason(row: Any) -> str:
    if row.actual_columns < row.expected_columns:
        return "nombre de colonnes insuffisant"
    return "nombre de colonnes trop grand"


class CsvBlocks:
    """The data rows of a CSV file whose header line was read from `stream`: (lines, record
    batch of the `include` columns as text), in file order. `reject(line, column, value,
    reason)` receives the rows without the header's number of columns; `invalid` counts them."""

    def __init__(
        self,
        stream: IO[bytes],
        *,
        name: str,
        header: list[str],
        include: list[str],
        delimiter: str,
        reject: Callable,
    ) -> None:
        self.stream, self.name, self.header, self.reject = stream, name, header, reject
        self.invalid = 0
        # Each block on one thread (PARSERS of them at once): less CPU per row than pyarrow's
        # own threads (measured).
        self._read = pa_csv.ReadOptions(
            use_threads=False, block_size=PARSE_BLOCK_BYTES, column_names=header
        )
        self._delimiter = delimiter
        self._convert = pa_csv.ConvertOptions(
            include_columns=include,
            column_types={c: pa.string() for c in include},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        self._careful_convert = pa_csv.ConvertOptions(
            column_types={c: pa.binary() for c in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    def __iter__(self) -> Iterator[tuple[Lines, pa.RecordBatch]]:
        # PARSERS blocks are parsed at once (pyarrow releases the GIL), in file order.
        with ThreadPoolExecutor(PARSERS) as pool:
            parsing: deque = deque()
            line = 2
            for data, end in self._blocks():
                block = pa.py_buffer(data).slice(0, end)  # no copy
                parsing.append((data, end, block, pool.submit(self._parse, block)))
                if len(parsing) >= PARSERS:
                    line = yield from self._block_rows(line, *parsing.popleft())
            while parsing:
                line = yield from self._block_rows(line, *parsing.popleft())

    def _block_rows(
        self, line: int, data: bytes, end: int, block: pa.Buffer, parsed: Future
    ) -> Generator[tuple[Lines, pa.RecordBatch], None, int]:
        """The batches of one block with their lines; returns the next block's first line."""
        table, invalid = parsed.result()
        if not invalid and _regular(data, end, table.num_rows):
            lines: Lines = line
            line += table.num_rows
        else:
            lines, line = self._careful(block, line, table.num_rows)
        self.invalid += invalid
        offset = 0
        # One batch for the block rather than one per parsed MB: the mask and the checks cost
        # a few pyarrow calls per batch and column.
        for batch in table.combine_chunks().to_batches():
            if isinstance(lines, int):
                yield lines + offset, batch
            else:
                yield lines[offset : offset + batch.num_rows], batch
            offset += batch.num_rows
        return line

    def _blocks(self) -> Iterator[tuple[bytes, int]]:
        """The file after its header, cut after complete rows: (data, length of the block at
        its start); the rest of `data` begins the next block."""
        read = self.stream.read
        pending = b""
        while True:
            chunk = read(BLOCK_BYTES)
            final = not chunk
            data = pending + chunk if pending else chunk
            if not data:
                return
            end = row_end(data, final)
            if not end:
                if len(data) <= MAX_BLOCK_BYTES:
                    pending = data
                    continue
                # Quotes that do not pair up (one inside an unquoted value): pyarrow's own cut.
                end = data.rfind(b"\n") + 1
                if not end:
                    raise field_too_long(self.name, "ou une ligne trop longue")
            yield data, end
            pending = data[end:]
            if final:
                return

    def _parse(self, block: pa.Buffer) -> tuple[pa.Table, int]:
        """The block's rows, and the number of rows of the wrong width (in a worker thread)."""
        invalid = 0

        def count(_row: Any) -> str:
            nonlocal invalid
            invalid += 1
            return "skip"

        reader = pa_csv.open_csv(
            pa.BufferReader(block),
            read_options=self._read,
            parse_options=self._parse_options(count),
            convert_options=self._convert,
        )
        return reader.read_all(), invalid

    def _parse_options(self, handler: Callable) -> pa_csv.ParseOptions:
        return pa_csv.ParseOptions(
            delimiter=self._delimiter,
            invalid_row_handler=handler,
            ignore_empty_lines=False,
            newlines_in_values=True,
        )

    def _careful(self, block: pa.Buffer, first: int, rows: int) -> tuple[list[int], int]:
        """The block again, on one thread and as bytes: the line of each of its rows; its rows
        of the wrong width are reported with theirs. Returns (lines, next block's first line)."""
        invalid: list[Any] = []

        def keep(row: Any) -> str:
            invalid.append(row)
            return "skip"

        reader = pa_csv.open_csv(
            pa.BufferReader(block),
            read_options=self._read,
            parse_options=self._parse_options(keep),
            convert_options=self._careful_convert,
        )
        breaks: list[int] = []
        for batch in reader:
            total = None
            for column in batch.columns:
                b = _breaks(column)
                total = b if total is None else pc.add(total, b)
            breaks.extend(total.to_pylist() if total is not None else [0] * batch.num_rows)
        if len(breaks) != rows or any(r.number is None for r in invalid):
            raise ImportFormatError(
                f"Le fichier {self.name} n'est pas lisible : il est endommagé ou n'est pas au "
                "format attendu."
            )
        skipped = {r.number: r for r in invalid}
        lines: list[int] = []
        line, valid = first, 0
        for record in range(1, rows + len(invalid) + 1):
            row = skipped.get(record)
            if row is None:
                lines.append(line)
                line += 1 + breaks[valid]
                valid += 1
            else:
                self.reject(line, "", "", column_reason(row))
                line += 1 + _text_breaks(row.text)
        return lines, line
