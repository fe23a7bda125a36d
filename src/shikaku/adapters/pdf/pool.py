"""The process pool of a print run: the 資格確認書 of a run are cut into blocks, each block is
rendered into a part file by a worker process (one per core), and the parts are handed to the
joiner in the run's order as they come, so memory stays flat however long the run. The workers
are spawned, not forked: the caller may be a threaded server (forking it could copy a held lock)."""
from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import BinaryIO, Callable, Iterable, Iterator

from ...domain.documents import EligibilityCertificatePrint
from ..signing import CardSigner
from . import wording
from .card_layout import CARD, CardPrinter
from .faces import certificate_face
from .joiner import Joiner

PRINT_BLOCK = 1000  # cards per part file of a print run
_worker_printer: CardPrinter | None = None


def print_run(seed: bytes, docs: Iterable[EligibilityCertificatePrint], out: BinaryIO,
              progress: Callable[[int], None] | None = None) -> int:
    """Writes the print-shop file of a run into `out`: each card's front then back, in the given
    order, QR codes signed with the key of `seed`; returns the number of cards and reports the
    count so far to `progress` after every block."""
    joiner, count = Joiner(out, blank=CARD), 0
    with tempfile.TemporaryDirectory(prefix="shikaku-print-") as work, _pool(seed) as pool:
        for path, cards in _rendered(pool, docs, work):
            joiner.add(_take(path))
            count += cards
            if progress:
                progress(count)
        joiner.finish()
    return count


def _workers() -> int:
    """One worker process per core."""
    return os.cpu_count() or 1


def _pool(seed: bytes) -> ProcessPoolExecutor:
    """The spawned workers of a run."""
    return ProcessPoolExecutor(max_workers=_workers(), initializer=_start_worker, initargs=(seed,),
                               mp_context=multiprocessing.get_context("spawn"))


def _rendered(pool: ProcessPoolExecutor, docs: Iterable[EligibilityCertificatePrint],
              work: str) -> Iterator[tuple[str, int]]:
    """(part file, cards in it) in the run's order; at most two blocks a worker wait their turn."""
    pending: deque[Future] = deque()
    for index, block in enumerate(_blocks(docs, PRINT_BLOCK)):
        pending.append(pool.submit(_render_block, block, f"{work}/part-{index:06d}.pdf"))
        if len(pending) > 2 * _workers():
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _take(path: str) -> bytes:
    """A part's bytes; the part file is removed."""
    with open(path, "rb") as part:
        data = part.read()
    os.unlink(path)
    return data


def _start_worker(seed: bytes) -> None:
    """In a new worker: its card printer, signing with the run's key."""
    global _worker_printer
    _worker_printer = CardPrinter(CardSigner.from_seed(seed))


def _render_block(docs: list[EligibilityCertificatePrint], path: str) -> tuple[str, int]:
    """In a worker: renders a block of cards into the part file `path`."""
    with open(path, "wb") as out:
        _worker_printer.write(out, wording.PRINT_FILE, (certificate_face(doc) for doc in docs))
    return path, len(docs)


def _blocks(docs: Iterable, size: int) -> Iterator[list]:
    """`docs` in lists of `size` (the last one shorter)."""
    block: list = []
    for doc in docs:
        block.append(doc)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block
