"""一括照会 (OQS.md §1.2) as use cases: a facility's bulk is stored whole in one transaction and
given a reception number; whichever worker claims it answers it a chunk at a time and stores
each chunk's answers with its progress; the facility that sent it fetches the answers, and no
other facility learns that it exists. Bulks are kept `KEEP` and then purged.

How the items are answered is the caller's (`Answer`, the edge's message codec, a chunk at a
time): this module knows nothing of the messages, and stores the items and answers as given."""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from ..adapters.db.oqs_bulks import DONE, PENDING, StoredBulk
from ..domain.errors import DomainError
from .auth import Actor, Permission, Role, authorize
from .context import Context

MAX_ITEMS = 10_000
CHUNK = 500  # items stored in one row, answered and then stored with the claim renewed, at a time
KEEP = timedelta(days=7)  # at least this long after acceptance (OQS.md §1.2)
LEASE = timedelta(seconds=20)  # a claim without progress for this long is abandoned (D-182)
RECEPTION_DIGITS = 24  # about 80 bits: never guessed, and text of digits as clients expect

# The answers of a chunk: (the facility, the service date, the items as sent) → their answers,
# in order — a chunk at a time, so that the answerer may read the registry for all at once.
Answer = Callable[[Actor, date, list], list[dict]]


@dataclass(frozen=True)
class Accepted:
    reception_number: str
    received_at: datetime  # UTC


@dataclass(frozen=True)
class Answered:
    header: dict  # the bulk request's header, as stored
    service_date: date
    units: list[tuple[dict, dict]]  # (item as sent, its answer), in the order sent


class UnknownReception(DomainError):
    def __init__(self):
        super().__init__("oqs_unknown_reception", "受付番号が見つかりません", "ReceptionNumber", status=404)


class BulkSize(DomainError):
    def __init__(self, count: int):
        super().__init__("oqs_bulk_size", f"一括照会の件数は 1〜{MAX_ITEMS:,} 件です（{count:,} 件）",
                         "QualificationConfirmSearchInfo")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_reception_number() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(RECEPTION_DIGITS))


def accept(ctx: Context, actor: Actor, header: dict, service_date: date, searches: list[dict]) -> Accepted:
    """Stores the bulk, all its items or nothing; it waits for a worker."""
    authorize(actor, Permission.VERIFY)
    if not 1 <= len(searches) <= MAX_ITEMS:
        raise BulkSize(len(searches))
    bulk = StoredBulk(new_reception_number(), actor.subject, header, service_date, _now(),
                      len(searches), PENDING)
    with ctx.writing() as uow:
        uow.oqs_bulks.add(bulk, [searches[start:start + CHUNK] for start in range(0, len(searches), CHUNK)])
    return Accepted(bulk.reception_number, bulk.received_at)


def results(ctx: Context, actor: Actor, reception_number: str) -> Answered | None:
    """The answers of the caller's bulk; None while it is being answered. Another facility's
    reception number is as unknown as one never given (`UnknownReception`)."""
    authorize(actor, Permission.VERIFY)
    with ctx.reading() as uow:
        bulk = uow.oqs_bulks.get(reception_number)
        if bulk is None or bulk.facility_code != actor.subject:
            raise UnknownReception()
        if bulk.status != DONE:
            return None
        return Answered(bulk.header, bulk.service_date, uow.oqs_bulks.answered(reception_number))


def answer_pending(ctx: Context, answer: Answer, worker: str, lease: timedelta = LEASE) -> int:
    """Claims and answers bulks — waiting ones, and those whose worker stopped (a restart, a
    kill) — until none is left; returns how many this worker finished."""
    finished = 0
    while (number := _claim_next(ctx, worker, lease)) is not None:
        finished += _answer_bulk(ctx, answer, worker, number)
    return finished


def purge(ctx: Context, keep: timedelta = KEEP) -> int:
    """Deletes the bulks accepted more than `keep` ago; returns how many."""
    with ctx.writing() as uow:
        return uow.oqs_bulks.purge(_now() - keep)


def _claim_next(ctx: Context, worker: str, lease: timedelta) -> str | None:
    """A bulk now this worker's; looked for in a reading transaction first, so that a worker
    with nothing to do never takes the write lock."""
    now = _now()
    with ctx.reading() as uow:
        candidates = uow.oqs_bulks.claimable(now - lease, 10)
    if not candidates:
        return None
    with ctx.writing() as uow:
        return next((number for number in candidates
                     if uow.oqs_bulks.claim(number, worker, now, now - lease)), None)


def _answer_bulk(ctx: Context, answer: Answer, worker: str, number: str) -> bool:
    """Answers the claimed bulk's remaining chunks; False when another worker took it over."""
    with ctx.reading() as uow:
        bulk = uow.oqs_bulks.get(number)
    facility = Actor(Role.FACILITY, bulk.facility_code)
    while True:
        with ctx.reading() as uow:
            pending = uow.oqs_bulks.unanswered(number)
        if pending is None:
            break
        chunk, searches = pending
        units = answer(facility, bulk.service_date, searches)
        ctx.access_log.flush()  # each item's 照会履歴 is written before its answer is stored
        with ctx.writing() as uow:
            if not uow.oqs_bulks.store(number, worker, _now(), chunk, units):
                return False
    with ctx.writing() as uow:
        return uow.oqs_bulks.finish(number, worker, _now())
