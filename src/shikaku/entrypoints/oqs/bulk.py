"""一括照会 on the wire (OQS.md §1.2): a muquc01 request read into a bulk that the service stores
whole (`service_layer.bulk_confirmations`), its muquc02 answers written from the stored units,
and the worker that answers the bulks in the background of every server process.

Every server process runs one `BulkWorker` (started with the application): it answers the
bulks accepted here at once and, looking every `POLL` seconds, those accepted by another
process or server, those accepted before a restart and those whose worker stopped. A bulk is
claimed by one conditional UPDATE, so each is answered by one worker."""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from datetime import date, timedelta

from sqlalchemy.exc import SQLAlchemyError

from ...adapters.rate_limit import RateLimits
from ...service_layer import bulk_confirmations, verification
from ...service_layer.admission import charge
from ...service_layer.auth import Actor
from ...service_layer.context import Context, in_japan
from . import codes, messages, wire
from .codes import Unreadable

log = logging.getLogger("shikaku.oqs.bulk")

SEARCH, RESULT = messages.SEARCH, messages.RESULT
ECHOED = ("QualificationConfirmationDate", "MedicalInstitutionCode", "ArbitraryFileIdentifier")
RECEPTION_LENGTH = 32
POLL = 1.0  # seconds between two looks for bulks accepted elsewhere or abandoned
PURGE_EVERY = 3600.0  # seconds between two purges of the bulks kept beyond seven days
LEASE_ENV = "SHIKAKU_OQS_BULK_LEASE"  # seconds a silent worker's claim holds (default 20, D-182)


def lease() -> timedelta:
    raw = os.environ.get(LEASE_ENV, "").strip()
    return timedelta(seconds=float(raw)) if raw else bulk_confirmations.LEASE


# ---------------------------------------------------------------- muquc01

def accept_message(ctx: Context, actor: Actor, tree: dict, encoding: str,
                   limits: RateLimits | None = None) -> dict:
    """The answer to a muquc01 request: the bulk stored, its reception number given. A bulk
    counts as many queries as it has items against the facility's rate limit (DOMAIN.md §10)."""
    header = messages.check_header(tree, actor, encoding)
    service_date = messages.header_date(header, encoding)
    items = bulk_items(tree, encoding)
    accepted = bulk_confirmations.accept(ctx, actor, echoed(header), service_date, items)
    if limits is not None:
        charge(limits, actor, len(items))
    return {"MessageHeader": messages.response_header(header, messages.CARD_DATA, messages.DONE),
            "MessageBody": {"ReceptionNumber": accepted.reception_number,
                            "ReceptionDateTime": messages.timestamp(in_japan(accepted.received_at))}}


def bulk_items(tree: dict, encoding: str) -> list:
    """The search infos of a muquc01, 1 to 10,000 (else the message cannot be processed)."""
    body = tree.get("MessageBody")
    items = wire.as_list(body.get(SEARCH)) if isinstance(body, dict) else []
    if not 1 <= len(items) <= bulk_confirmations.MAX_ITEMS:
        raise Unreadable(codes.BULK_SIZE, encoding=encoding)
    return items


def echoed(header: dict) -> dict:
    """What the answers echo of the request's header (short texts only)."""
    return {name: value for name in ECHOED if isinstance(value := header.get(name), str) and len(value) <= 100}


# ---------------------------------------------------------------- muquc02

def results_message(ctx: Context, actor: Actor, tree: dict, encoding: str) -> dict:
    """The answer to a muquc02 request: 処理中 while the bulk is being answered, then every
    unit in the order sent, with the counts."""
    header = messages.check_header(tree, actor, encoding)
    try:
        answered = bulk_confirmations.results(ctx, actor, reception_number(tree, encoding))
    except bulk_confirmations.UnknownReception:
        raise Unreadable(codes.UNKNOWN_RECEPTION, encoding=encoding) from None
    if answered is None:
        return {"MessageHeader": messages.response_header(header, messages.CARD_DATA, messages.IN_PROGRESS)}
    units = [unit_element(n, search, unit) for n, (search, unit) in enumerate(answered.units, 1)]
    head = messages.response_header({**answered.header, **echoed(header)}, messages.CARD_DATA, messages.DONE)
    return {"MessageHeader": with_counts(head, units), "MessageBody": {"BulkConfirmUnit": units}}


def reception_number(tree: dict, encoding: str) -> str:
    body = tree.get("MessageBody")
    number = body.get("ReceptionNumber") if isinstance(body, dict) else None
    if not isinstance(number, str) or not 0 < len(number.strip()) <= RECEPTION_LENGTH:
        raise Unreadable(codes.UNKNOWN_RECEPTION, "ReceptionNumber（受付番号）がありません", encoding)
    return number.strip()


def unit_element(position: int, search, unit: dict) -> dict:
    """A BulkConfirmUnit: the echo, the answer, and the item's position from 1."""
    return {SEARCH: search if isinstance(search, dict) else None, **unit, "ReferenceNumber": str(position)}


def with_counts(head: dict, units: list[dict]) -> dict:
    """The header with NumberOfProcessingResult, NumberOfNormalProcessing and NumberOfError
    after SegmentOfResult (before CharacterCodeIdentifier)."""
    statuses = [unit.get("ProcessingResultStatus") for unit in units]
    counts = {"NumberOfProcessingResult": str(len(units)), "NumberOfNormalProcessing": str(statuses.count("1")),
              "NumberOfError": str(statuses.count("2"))}
    before = {key: value for key, value in head.items() if key != "CharacterCodeIdentifier"}
    return {**before, **counts, "CharacterCodeIdentifier": head.get("CharacterCodeIdentifier")}


# ---------------------------------------------------------------- the worker

class Stopping(Exception):
    """The server stops: the bulk in hand is left to the next worker (its claim runs out)."""


class BulkWorker:
    """Answers the pending bulks in a thread of this server process."""

    def __init__(self, ctx: Context, poll: float = POLL):
        self.ctx, self.poll, self.lease = ctx, poll, lease()
        self.name = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.wake, self.stopping = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, name="oqs-bulk", daemon=True)
        self.purge_at = 0.0

    def start(self) -> BulkWorker:
        self.thread.start()
        return self

    def notify(self) -> None:
        """A bulk was accepted here: answer it now."""
        self.wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._purge_now_and_then()
                bulk_confirmations.answer_pending(self.ctx, self.answer, self.name, self.lease)
            except Stopping:
                return
            except Exception as exc:  # noqa: BLE001 - the next look tries again; never a value in the log
                log.error("一括照会の処理に失敗しました（%s）。%s 秒後に再試行します", type(exc).__name__, self.poll)
            self.wake.wait(self.poll)
            self.wake.clear()

    def _purge_now_and_then(self) -> None:
        if time.monotonic() >= self.purge_at:
            bulk_confirmations.purge(self.ctx)
            self.purge_at = time.monotonic() + PURGE_EVERY

    def answer(self, facility: Actor, service_date: date, searches: list) -> list[dict]:
        """The units of a chunk of items: their records and cards read at once, each decided
        on its own."""
        if self.stopping.is_set():
            raise Stopping()
        queries = [self.isolated(messages.query_or_error, search, service_date) for search in searches]
        view = verification.prefetched(self.ctx, [q for q in queries if not isinstance(q, dict)])
        return messages.units(self.ctx, [
            q if isinstance(q, dict) else
            self.isolated(messages.verified, self.ctx, facility, q, verification.CHANNEL_OQS_BULK, view)
            for q in queries])

    def isolated(self, step, *args):
        """`step(*args)` for one item. A failure of the database is the bulk's (answered again
        later); any other failure is this item's, answered as a processing error."""
        try:
            return step(*args)
        except (SQLAlchemyError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - nothing a facility sends stops its bulk
            if isinstance(exc, self.ctx.engine.dialect.dbapi.Error):
                raise
            log.error("一括照会の 1 件を照会できませんでした（%s）", type(exc).__name__)
            return messages.error_unit(codes.VALUE, codes.MESSAGES[codes.VALUE])
