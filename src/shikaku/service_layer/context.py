"""What every use case needs: the database, the vault, the calendar, the policy and the clock;
and the unit of work in which a use case loads, decides, stores and audits."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator
from weakref import WeakKeyDictionary, ref
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from ..adapters.access_log import AccessLogWriter
from ..adapters.db import audit_chain
from ..adapters.db.published import PublishedView
from ..adapters.rate_limit import TokenBuckets
from ..adapters.signing import CardSigner
from ..adapters.vault import Keyring
from ..domain.calendar import DEFAULT_CALENDAR, BusinessCalendar
from ..domain.policy import DEFAULT_POLICY, Policy
from .auth import Actor

if TYPE_CHECKING:
    from ..adapters.pdf import DocumentRenderer
    from .admission import DenialTrace
    from .guessing import GuessWatch

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

    engine: Engine
    vault: Keyring
    calendar: BusinessCalendar = DEFAULT_CALENDAR
    policy: Policy = DEFAULT_POLICY
    today: Any = field(default=today_in_japan)
    signer: CardSigner | None = None  # signs the QR codes of printed cards
    insurer: dict | None = None  # cached by service_layer.society.insurer_record
    facility_limit: TokenBuckets = field(default_factory=TokenBuckets.from_env)  # per facility
    sign_in_limit: TokenBuckets = field(default_factory=TokenBuckets.for_sign_in)  # per client address
    credential_failures: TokenBuckets = field(default_factory=TokenBuckets.for_credential_failures)
    denial_trace: DenialTrace = field(default_factory=_denial_trace)  # refusals in the audit log
    access_log: AccessLogWriter = field(init=False)
    published: PublishedView = field(init=False)
    guess_watch: GuessWatch = field(init=False)  # birth-date guessing (DOMAIN.md §10)

    def __post_init__(self):
        from .guessing import GuessWatch

        self.access_log = AccessLogWriter(self.engine)
        self.published = PublishedView(self.engine)
        self.guess_watch = GuessWatch.for_context(self)
        _contexts[self.engine] = ref(self)  # `audit` finds the chain's keys from the connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction: everything a use case stores, with its audit row, or nothing."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn

    @cached_property
    def renderer(self) -> DocumentRenderer:
        from ..adapters.pdf import DocumentRenderer

        return DocumentRenderer(self.signer)

    def publish_on(self, registered_on: date) -> date:
        """R-MYNA-2: registered data reaches online verification on the second business day."""
        return self.calendar.second_business_day_after(registered_on)


_contexts: WeakKeyDictionary[Engine, ref[Context]] = WeakKeyDictionary()


def audit(conn: Connection, actor: Actor, action: str, target: str | None = None,
          **detail: Any) -> None:
    """Appends one row to the hash-chained audit log (who, what, when, from where) in the
    caller's transaction. `detail` must never carry a clear 個人番号."""
    audit_chain.append(conn, _contexts[conn.engine]().vault, dict(
        at=datetime.now(timezone.utc), actor=actor.subject, role=actor.role.value, action=action,
        target=target, remote=actor.remote, detail=detail))
