"""A private scratch store on local disk for one bulk job: rows go in as they are read and come
out again grouped by a key, so that a file of any length is handled in flat memory. SQLite in
a temporary directory only the process's user may open (0700), deleted when the job ends.
Payloads are the caller's bytes; callers never put a clear 個人番号 in them."""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator

_BATCH = 20_000


class Spill:
    """Rows keyed by (rank, group, order, row) with an optional look-up key (`tag`)."""

    def __init__(self):
        self._dir = tempfile.mkdtemp(prefix="shikaku-spill-")
        self._db = sqlite3.connect(Path(self._dir) / "spill.db", isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-65536"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE rows (row INTEGER PRIMARY KEY, rank INTEGER, grp TEXT, "
                         "ord INTEGER, tag TEXT, payload BLOB)")
        self._pending: list[tuple] = []
        self._indexed = False
        self.count = 0

    def add(self, row: int, rank: int, group: str, order: int, tag: str | None, payload: bytes) -> None:
        self._pending.append((row, rank, group, order, tag, payload))
        self.count += 1
        if len(self._pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
            self._pending.clear()

    def _ready(self) -> None:
        self._flush()
        if not self._indexed:
            self._db.execute("CREATE INDEX rows_order ON rows (rank, grp, ord, row)")
            self._indexed = True

    def shared_tags(self) -> Iterator[tuple[str, int, str, bytes]]:
        """(tag, row, group, payload) of every row whose tag appears in more than one group, by
        tag and row."""
        self._ready()
        yield from self._db.execute(
            "SELECT tag, row, grp, payload FROM rows WHERE tag IN (SELECT tag FROM rows "
            "WHERE tag IS NOT NULL GROUP BY tag HAVING COUNT(DISTINCT grp) > 1) ORDER BY tag, row")

    def tags(self) -> Iterator[str]:
        """The distinct tags, in order (the query runs when first iterated)."""
        self._ready()
        for (tag,) in self._db.execute("SELECT DISTINCT tag FROM rows WHERE tag IS NOT NULL ORDER BY tag"):
            yield tag

    def groups(self, rows_per_chunk: int) -> Iterator[list[tuple[str, list[bytes]]]]:
        """Chunks of whole groups (about `rows_per_chunk` rows each), in key order; in a group
        the payloads in (order, row) order."""
        self._ready()
        chunk: list[tuple[str, list[bytes]]] = []
        size = 0
        current: str | None = None
        payloads: list[bytes] = []
        for group, payload in self._db.execute("SELECT grp, payload FROM rows ORDER BY rank, grp, ord, row"):
            if group != current:
                if current is not None:
                    chunk.append((current, payloads))
                    if size >= rows_per_chunk:
                        yield chunk
                        chunk, size = [], 0
                current, payloads = group, []
            payloads.append(payload)
            size += 1
        if current is not None:
            chunk.append((current, payloads))
        if chunk:
            yield chunk

    def close(self) -> None:
        self._db.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
