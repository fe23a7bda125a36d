"""What every use case needs: the database, the vault, the calendar, the policy and the clock;
and the unit of work in which a use case loads, decides, stores and audits."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator
from weakref import WeakKeyDictionary, ref
from zoneinfo import ZoneInfo

from ..adapters.access_log import AccessLogWriter
from ..adapters.db import audit_chain
from ..adapters.db.published import PublishedView
from ..adapters.db.unit_of_work import sql_unit_of_work, transaction
from ..adapters.signing import CardSigner
from ..adapters.vault import Keyring
from ..domain.calendar import BusinessCalendar
from ..domain.policy import Policy
from . import idempotency
from .auth import Actor

if TYPE_CHECKING:
    from ..adapters.pdf import DocumentRenderer
    from .admission import DenialTrace
    from .guessing import GuessWatch
    from .unit_of_work import UnitOfWork

JAPAN = ZoneInfo("Asia/Tokyo")


def today_in_japan() -> date:
    """Every date-dependent write defaults to today in Japan time (API.md)."""
    return datetime.now(JAPAN).date()


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware datetime: SQLite hands it back naive; it was stored in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment


def in_japan(moment: datetime) -> datetime:
    """A stored moment (UTC) in Japan time, as clerks and members read it."""
    return as_utc(moment).astimezone(JAPAN)


def _denial_trace() -> DenialTrace:
    from .admission import DenialTrace

    return DenialTrace.from_env()


@dataclass
class Context:
    """The society's services share one of these per process."""

    engine: Any  # the registry's database (adapters.db.engine.make_engine)
    vault: Keyring
    calendar: BusinessCalendar  # built once from configuration (entrypoints.bootstrap)
    policy: Policy  # likewise: the dated policy with the society's overrides (D-109)
    today: Any = field(default=today_in_japan)
    signer: CardSigner | None = None  # signs the QR codes of printed cards
    insurer: dict | None = None  # cached by service_layer.society.insurer_record
    denial_trace: DenialTrace = field(default_factory=_denial_trace)  # refusals in the audit log
    unit_of_work: Callable[[Context, bool], Any] = sql_unit_of_work  # tests/service: in memory

    def __post_init__(self):
        if self.engine is not None:
            _contexts[self.engine] = ref(self)  # `audit` finds the chain's keys from the connection

    @cached_property
    def access_log(self) -> AccessLogWriter:
        return AccessLogWriter(self.engine)

    @cached_property
    def published(self) -> PublishedView:
        return PublishedView(self.engine)

    @cached_property
    def guess_watch(self) -> GuessWatch:
        """Birth-date guessing (DOMAIN.md §10)."""
        from .guessing import GuessWatch

        return GuessWatch.for_context(self)

    @contextmanager
    def writing(self) -> Iterator[UnitOfWork]:
        """One unit of work: everything a use case stores, with its audit row, or nothing — and
        the one-time key of the submission it serves, if any (`idempotency.claim_pending`)."""
        with self.unit_of_work(self, True) as uow:
            yield uow
            idempotency.claim_pending(uow)

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work that only reads (one consistent snapshot of the registry)."""
        with self.unit_of_work(self, False) as uow:
            yield uow

    @contextmanager
    def connection(self, write: bool = False) -> Iterator[Any]:
        """A database connection in one transaction, for the adapters' own work (bulk loads,
        back-ups) and for tests; use cases take a unit of work."""
        with transaction(self.engine, write) as conn:
            yield conn

    @cached_property
    def renderer(self) -> DocumentRenderer:
        from ..adapters.pdf import DocumentRenderer

        return DocumentRenderer(self.signer)

    def publish_on(self, registered_on: date) -> date:
        """R-MYNA-2: registered data reaches online verification on the second business day."""
        return self.calendar.second_business_day_after(registered_on)


_contexts: WeakKeyDictionary[Any, ref[Context]] = WeakKeyDictionary()


def audit(conn: Any, actor: Actor, action: str, target: str | None = None,
          **detail: Any) -> None:
    """Appends one row to the hash-chained audit log (who, what, when, from where) in the
    caller's transaction. `detail` must never carry a clear 個人番号."""
    audit_chain.append(conn, _contexts[conn.engine]().vault, dict(
        at=datetime.now(timezone.utc), actor=actor.subject, role=actor.role.value, action=action,
        target=target, remote=actor.remote, detail=detail))
