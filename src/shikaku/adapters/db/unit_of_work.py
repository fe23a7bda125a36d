"""The database's unit of work: one transaction on one connection, with the repositories and
read models a use case reaches through it (`service_layer.unit_of_work`)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Iterator

from sqlalchemy import Connection, Engine

from ...domain.calendar import BusinessCalendar
from ..access_log import AccessHistory
from ..vault import Keyring
from . import audit_chain
from .accounts import SignInMisses, StaffUsers, WebSessions
from .addresses import SqlAddresses
from .audit_read import AuditLogView
from .card_registry import CardRegistry
from .cards import LegacyCards, MynaCards
from .certificate_runs import SqlCertificateRuns
from .certificates import SqlCertificates
from .dashboard_read import DashboardFigures
from .documents import DocumentSerials, SqlDocuments
from .employers import SqlEmployers
from .exchange_read import ExchangeRead
from .families import SqlFamilies, SqlLedger
from .guessing_flags import GuessingFlags
from .idempotency import SqlIdempotencyKeys
from .key_rotation import KeyRotation
from .member_search import MemberSearch
from .oqs_bulks import SqlOqsBulks
from .portal import PortalRecords
from .reception import ReceptionRecords
from .registry_load import RegistryLoad
from .retention import MyNumberRetention
from .society import Facilities, Society
from .tokens import ApiTokens, TokenList


@contextmanager
def transaction(engine: Engine, write: bool = False) -> Iterator[Connection]:
    """One transaction; a writing one takes SQLite's write lock at BEGIN (engine.make_engine)."""
    with engine.connect() as conn:
        if write:
            conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


class SqlUnitOfWork:
    """Repositories on one connection; leaving the `with` commits, an exception rolls back."""

    def __init__(self, conn: Connection, vault: Keyring, calendar: BusinessCalendar):
        self.connection, self.vault, self.calendar = conn, vault, calendar

    @cached_property
    def families(self) -> SqlFamilies:
        return SqlFamilies(self.connection)

    @cached_property
    def employers(self) -> SqlEmployers:
        return SqlEmployers(self.connection)

    @cached_property
    def ledger(self) -> SqlLedger:
        return SqlLedger(self.connection, self.calendar)

    @cached_property
    def member_search(self) -> MemberSearch:
        return MemberSearch(self.connection)

    @cached_property
    def myna_cards(self) -> MynaCards:
        return MynaCards(self.connection)

    @cached_property
    def legacy_cards(self) -> LegacyCards:
        return LegacyCards(self.connection)

    @cached_property
    def certificates(self) -> SqlCertificates:
        return SqlCertificates(self.connection)

    @cached_property
    def addresses(self) -> SqlAddresses:
        return SqlAddresses(self.connection)

    @cached_property
    def documents(self) -> SqlDocuments:
        return SqlDocuments(self.connection)

    @cached_property
    def serials(self) -> DocumentSerials:
        return DocumentSerials(self.connection)

    @cached_property
    def runs(self) -> SqlCertificateRuns:
        return SqlCertificateRuns(self.connection)

    @cached_property
    def dashboard(self) -> DashboardFigures:
        return DashboardFigures(self.connection)

    @cached_property
    def staff_users(self) -> StaffUsers:
        return StaffUsers(self.connection)

    @cached_property
    def sign_in_misses(self) -> SignInMisses:
        return SignInMisses(self.connection)

    @cached_property
    def web_sessions(self) -> WebSessions:
        return WebSessions(self.connection)

    @cached_property
    def card_registry(self) -> CardRegistry:
        return CardRegistry(self.connection)

    @cached_property
    def society(self) -> Society:
        return Society(self.connection)

    @cached_property
    def facilities(self) -> Facilities:
        return Facilities(self.connection)

    @cached_property
    def api_tokens(self) -> ApiTokens:
        return ApiTokens(self.connection)

    @cached_property
    def token_list(self) -> TokenList:
        return TokenList(self.connection)

    @cached_property
    def audit_log(self) -> AuditLogView:
        return AuditLogView(self.connection)

    @cached_property
    def key_rotation(self) -> KeyRotation:
        return KeyRotation(self.connection)

    @cached_property
    def my_number_retention(self) -> MyNumberRetention:
        return MyNumberRetention(self.connection)

    @cached_property
    def exchange_read(self) -> ExchangeRead:
        return ExchangeRead(self.connection)

    @cached_property
    def guessing_flags(self) -> GuessingFlags:
        return GuessingFlags(self.connection)

    @cached_property
    def access_history(self) -> AccessHistory:
        return AccessHistory(self.connection)

    @cached_property
    def reception(self) -> ReceptionRecords:
        return ReceptionRecords(self.connection)

    @cached_property
    def portal(self) -> PortalRecords:
        return PortalRecords(self.connection)

    @cached_property
    def oqs_bulks(self) -> SqlOqsBulks:
        return SqlOqsBulks(self.connection)

    @cached_property
    def idempotency(self) -> SqlIdempotencyKeys:
        return SqlIdempotencyKeys(self.connection)

    def registry_load(self, write: bool) -> RegistryLoad:
        """The bulk work of one import (`write`: it stores, holding the tables' write lock)."""
        return RegistryLoad(self.connection, self.calendar, write)

    def audit(self, actor, action: str, target: str | None = None, **detail: Any) -> None:
        """Appends one row to the hash-chained audit log (who, what, when, from where).
        `detail` must never carry a clear 個人番号."""
        audit_chain.append(self.connection, self.vault, dict(
            at=datetime.now(timezone.utc), actor=actor.subject, role=actor.role.value, action=action,
            target=target, remote=actor.remote, detail=detail))


@contextmanager
def sql_unit_of_work(ctx, write: bool) -> Iterator[SqlUnitOfWork]:
    """The unit of work of a context whose registry is a database (`ctx.engine`)."""
    with transaction(ctx.engine, write) as conn:
        yield SqlUnitOfWork(conn, ctx.vault, ctx.calendar)
