"""Birth-date guessing at online verification (DOMAIN.md §10, last line; issue 12, item 1).

Every card-data query of a facility passes `admits` — the single, the batch, the FHIR facade
and the desk's check all decide through `verification.decide`, which calls it — so no facility
route, present or future, can try birth dates unseen. The attempts are kept in process memory
(`AttemptLedger`): exact within a server process, which serves a whole batch and a keep-alive
connection. A flag, once raised by any process, is stored, audited, shown to the staff, and
read back by every process within `REFRESH_SECONDS`; a supervisor may release it (a large
family verified at one clinic on one day is the honest case that trips it)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..adapters.attempt_ledger import AttemptLedger
from ..adapters.db import repository as repo
from ..domain.errors import DomainError
from ..domain.guessing import is_guessing, window_seconds
from .auth import Actor, Permission, Role, authorize
from .context import Context, as_utc

REFRESH_SECONDS = 5.0  # how soon a flag raised or released elsewhere takes effect here
FLAGGED, RELEASED = "verification.guessing_flagged", "verification.guessing_released"

Key = tuple[str, str, str]  # facility code, 記号, 番号 (as the registry keeps them)


@dataclass
class GuessWatch:
    """This process's view: the attempts it saw, and the live flags of every process."""

    ledger: AttemptLedger
    live: dict[Key, int] = field(default_factory=dict)  # key → flag id
    released: set[int] = field(default_factory=set)  # flag ids whose release was applied
    refreshed_at: float = float("-inf")

    @classmethod
    def for_context(cls, ctx: Context) -> GuessWatch:
        return cls(AttemptLedger(window_seconds(ctx.policy)))


def admits(ctx: Context, actor: Actor, symbol: str, number: str, birth_date) -> bool:
    """Records a facility's attempt of `birth_date` for 記号・番号 (normalised:
    `domain.verification.card_numbers`); False when its queries for that 記号・番号 are to be
    answered as not found (raising the flag the first time)."""
    if actor.role is not Role.FACILITY:
        return True
    watch, key = ctx.guess_watch, (actor.subject, symbol, number)
    now = watch.ledger.clock()
    if now - watch.refreshed_at >= REFRESH_SECONDS:
        _refresh(ctx, watch, now)
    tried, _ = watch.ledger.attempt(key, birth_date, now)
    if key in watch.live:
        return False
    if is_guessing(tried, ctx.policy):
        watch.live[key] = _raise_flag(ctx, actor, key, tried, now)
        return False
    return True


def _raise_flag(ctx: Context, actor: Actor, key: Key, birth_dates: int, now: float) -> int:
    facility, symbol, number = key
    with ctx.writing() as uow:
        flag_id = uow.guessing_flags.add(facility, symbol, number, birth_dates,
                                         datetime.fromtimestamp(now, timezone.utc))
        uow.audit(actor, FLAGGED, f"{symbol}-{number}", flag_id=flag_id, birth_dates=birth_dates)
    return flag_id


def _refresh(ctx: Context, watch: GuessWatch, now: float) -> None:
    """Reads the flags of the window: live ones block here too; released ones are lifted and
    their attempts forgotten, once."""
    since = datetime.fromtimestamp(now - window_seconds(ctx.policy), timezone.utc)
    with ctx.reading() as uow:
        recent = uow.guessing_flags.since(since)
    live: dict[Key, int] = {}
    for flag in recent:
        key = (flag.facility_code, flag.symbol, flag.number)
        if flag.released_at is None:
            live[key] = flag.id
        elif flag.id not in watch.released:
            watch.released.add(flag.id)
            watch.ledger.forget(key)
    watch.live, watch.refreshed_at = live, now


def list_flags(ctx: Context, actor: Actor, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """The flags, newest first, for the staff (dashboard, API)."""
    authorize(actor, Permission.MEMBERS_READ)
    cutoff = datetime.fromtimestamp(time.time() - window_seconds(ctx.policy), timezone.utc)
    with ctx.reading() as uow:
        items, total = uow.guessing_flags.page(limit, offset)
    for item in items:
        item["flagged_at"], item["released_at"] = as_utc(item["flagged_at"]), as_utc(item["released_at"])
        item["live"] = item["released_at"] is None and item["flagged_at"] > cutoff
    return items, total


def release(ctx: Context, actor: Actor, flag_id: str) -> dict:
    """Lifts a flag (a supervisor who checked with the facility): its queries are answered again,
    in every process within `REFRESH_SECONDS`."""
    authorize(actor, Permission.OVERRIDE)
    row_id = repo.parse_id(flag_id)
    with ctx.writing() as uow:
        released = uow.guessing_flags.release(row_id, actor.subject, datetime.now(timezone.utc))
        if released is None:
            if uow.guessing_flags.get(row_id) is None:
                raise DomainError("flag_not_found", "該当する警告が見つかりません", status=404)
            raise DomainError("flag_already_released", "この警告は解除済みです", status=409)
        uow.audit(actor, RELEASED, f"{released.symbol}-{released.number}", flag_id=released.id,
                  facility=released.facility_code)
    ctx.guess_watch.refreshed_at = float("-inf")  # this process applies it at the next query
    return {"id": released.id, "released_at": as_utc(released.released_at)}
