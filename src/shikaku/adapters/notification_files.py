"""CSV files in and out: employers' notification files (CP932, UTF-8 or UTF-8 with BOM,
detected) read as a stream of rows while their SHA-256 is computed, and private CSV files
written (created with mode 0600, never over an existing file), their cells escaped so that no
spreadsheet runs one as a formula (`csv_cells`; the import takes the escape off again)."""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

from . import csv_cells

_BAD_BYTES = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of undecodable bytes
_undecodable_seen = [0]  # bumped by the error handler: rows are searched only once it moves


def _mark_undecodable(error: UnicodeDecodeError):
    _undecodable_seen[0] += 1
    return _surrogateescape(error)


_surrogateescape = codecs.lookup_error("surrogateescape")
codecs.register_error("shikaku-notification", _mark_undecodable)

SAMPLE = 64 * 1024  # bytes looked at to detect the encoding (the header row is Japanese)
ENCODING_LABELS = {"utf-8-sig": "UTF-8 (BOM付き)", "utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}
EXPORT_ENCODING = "utf-8-sig"  # UTF-8 with BOM: read by our import and by spreadsheet software


class UndecodableFile(Exception):
    """The bytes are not text in the detected encoding; `row` is the last row read."""

    def __init__(self, encoding: str, row: int):
        super().__init__(encoding)
        self.encoding, self.row = encoding, row


def detect_encoding(sample: bytes, complete: bool) -> str:
    """UTF-8 with BOM, UTF-8 when the sample decodes as such, else CP932 (Shift_JIS as Windows
    writes it)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


class _Tap(io.RawIOBase):
    """A binary stream read through: hashes and counts the bytes, after a sample already read."""

    def __init__(self, stream: BinaryIO, sample: bytes):
        self.stream, self.pending = stream, sample
        self.digest = hashlib.sha256(sample)
        self.count = len(sample)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.pending:
            data, self.pending = self.pending[:len(buffer)], self.pending[len(buffer):]
        else:
            data = self.stream.read(len(buffer))
            self.digest.update(data)
            self.count += len(data)
        buffer[:len(data)] = data
        return len(data)


class NotificationFile:
    """An uploaded file read once, row by row: `rows()` yields (row number, cells) with the
    header as row 1, skipping blank rows, each cell as shikaku's export escaped it taken back
    (`csv_cells.unescape_cell`); `content_hash` is final once the rows are read."""

    def __init__(self, stream: BinaryIO):
        self.size = _size(stream)
        sample = stream.read(SAMPLE)
        self.encoding = detect_encoding(sample, complete=len(sample) < SAMPLE)
        self._tap = _Tap(stream, sample)

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS[self.encoding]

    @property
    def bytes_read(self) -> int:
        return self._tap.count

    @property
    def content_hash(self) -> str:
        return self._tap.digest.hexdigest()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Raises `UndecodableFile` at the first row holding bytes the encoding cannot read
        (they are decoded ahead in blocks, then found again in the rows)."""
        text = io.TextIOWrapper(io.BufferedReader(self._tap, 256 * 1024), encoding=self.encoding,
                                errors="shikaku-notification", newline="")
        seen = _undecodable_seen[0]
        for row, cells in enumerate(csv.reader(text), start=1):
            if _undecodable_seen[0] != seen and any(_BAD_BYTES.search(cell) for cell in cells):
                raise UndecodableFile(self.encoding, row)
            if any(cells):
                yield row, csv_cells.unescape_row(cells)


def _size(stream: BinaryIO) -> int | None:
    """Bytes left in the stream when it can tell (files, spooled uploads), for progress."""
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


@contextmanager
def private_csv(path: Path, header: Sequence[str]) -> Iterator:
    """A csv writer (`csv_cells.writer`: formulas escaped) on a new file created with mode 0600
    (refuses an existing path, and so a link planted there); the file is removed again if the
    block fails."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding=EXPORT_ENCODING, newline="") as out:
            writer = csv_cells.writer(out, lineterminator="\r\n")
            writer.writerow(header)
            yield writer
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
