"""Progress of long work on a terminal: rows done and rows per second, at most every few
seconds (imports, index rebuilds, generators)."""

from __future__ import annotations

import sys
import time
from typing import IO


def thousands(n: float) -> str:
    """12345.6 -> '12 346' (French grouping)."""
    return f"{n:,.0f}".replace(",", " ")


class Progress:
    """Rows read and rows per second on stderr, at most every `every` seconds."""

    def __init__(self, label: str, *, stream: IO[str] | None = None, every: float = 3.0):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.start = self.last = time.monotonic()
        self.rows = 0

    def update(self, rows: int) -> None:
        self.rows = rows
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._print(now)

    def done(self) -> None:
        self._print(time.monotonic(), final=True)

    def _print(self, now: float, final: bool = False) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = self.rows / elapsed
        end = " — terminé" if final else ""
        self.stream.write(
            f"{self.label} : {thousands(self.rows)} lignes, {thousands(rate)} lignes/s, "
            f"{f'{elapsed:.1f}'.replace('.', ',')} s{end}\n"
        )
        self.stream.flush()
