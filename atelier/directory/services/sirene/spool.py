"""Batches of parsed rows kept on disk between the scan of a file and the writes: the whole file
is read and checked (format, reject rate) before the first row reaches the database, with
bounded memory."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator


class Spool:
    """Append batches, then read them back in order (once). The file is removed by `close`."""

    def __init__(self, directory: str | None = None) -> None:
        fd, self.path = tempfile.mkstemp(prefix="spool-", suffix=".pickle", dir=directory)
        self._fh = os.fdopen(fd, "w+b")
        self.batches = 0
        self.rows = 0

    def add(self, batch: list) -> None:
        pickle.dump(batch, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1
        self.rows += len(batch)

    def __iter__(self) -> Iterator[list]:
        self._fh.flush()
        self._fh.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self._fh)  # noqa: S301 - our own file, written just before

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
