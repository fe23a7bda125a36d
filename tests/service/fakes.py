"""In-memory fakes of the unit of work and its repositories, for running the use cases
without a database (tests/service). Each fake offers the same public methods as the database
repository it stands for (`test_fakes_match.py` checks it); a unit of work that raises keeps
nothing, as a rolled-back transaction would."""
from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Iterable, Iterator

from shikaku.domain.calendar import BusinessCalendar
from shikaku.domain.family import Family, Holder
from shikaku.domain.myna import MynaCard
from tests.service.fakes_accounts import FakeSignInMisses, FakeStaffUsers, FakeWebSessions
from tests.service.fakes_addresses import FakeAddresses
from tests.service.fakes_audit import FakeAuditLogView
from tests.service.fakes_dashboard import FakeDashboardFigures
from tests.service.fakes_documents import FakeCertificateRuns, FakeCertificates, FakeDocuments, FakeSerials
from tests.service.fakes_employers import FakeEmployers
from tests.service.fakes_my_number import FakeKeyRotation, FakeMyNumberRetention
from tests.service.fakes_myna import FakeCardRegistry
from tests.service.fakes_oqs import FakeOqsBulks
from tests.service.fakes_reception import FakePortalRecords, FakeReceptionRecords
from tests.service.fakes_society import FakeApiTokens, FakeFacilities, FakeSociety, FakeTokenList
from tests.service.fakes_verification import FakeAccessHistory, FakeGuessingFlags


@dataclass
class Store:
    """What the fake registry holds between units of work."""

    families: dict[int, Family] = field(default_factory=dict)  # by family id
    counters: dict[str, int] = field(default_factory=dict)  # 番号 per 記号
    ids: dict[str, int] = field(default_factory=lambda: {"member": 0, "seq": 0, "legacy_card": 0})
    cards: dict[str, list[MynaCard]] = field(default_factory=dict)  # by 個人番号 look-up hash
    legacy_cards: list[dict] = field(default_factory=list)
    certificates: list = field(default_factory=list)  # domain.certificates.EligibilityCertificate, by id
    documents: list = field(default_factory=list)  # domain.certificates.IssuedDocument, by id
    serials: dict[str, int] = field(default_factory=dict)  # 交付番号 handed out, per kind of document
    runs: dict = field(default_factory=dict)  # domain.certificates.IssueRun by id
    audit: list[dict] = field(default_factory=list)
    access_log: list[dict] = field(default_factory=list)  # 照会履歴, oldest first
    guessing_flags: list = field(default_factory=list)  # adapters.db.guessing_flags.Flag, by id
    facility_names: dict[str, str] = field(default_factory=dict)  # by 医療機関コード
    users: dict = field(default_factory=dict)  # adapters.db.accounts.StaffUser by username
    web_sessions: dict = field(default_factory=dict)  # adapters.db.accounts.StoredSession by token hash
    sign_in_misses: dict = field(default_factory=dict)  # (failures, locked_until, last_failed_at) by name hash
    card_pins: dict = field(default_factory=dict)  # adapters.db.card_registry.PinCard by card id
    society: Any = None  # adapters.db.society.SocietyRecord once initialised
    api_tokens: dict[int, dict] = field(default_factory=dict)  # the api_tokens rows by id
    audit_key: str | None = None  # the key id the audit chain hashes new rows with
    addresses: dict = field(default_factory=dict)  # (domain.addresses.Address, updated_on) by member id
    employer_posts: dict = field(default_factory=dict)  # domain.addresses.EmployerPost by 記号
    idempotency_keys: dict = field(default_factory=dict)  # the idempotency_keys rows by key hash
    oqs_bulks: dict = field(default_factory=dict)  # 一括照会 by reception number (fakes_oqs.py)


class FakeFamilies:
    def __init__(self, store: Store):
        self.store = store

    def _member_family(self, member_id: int) -> Family | None:
        return next((f for f in self.store.families.values() if member_id in f.members), None)

    def get(self, member_id: int, *, for_update: bool = False) -> Family | None:
        found = self._member_family(member_id)
        return copy.deepcopy(found) if found else None

    def by_number(self, symbol: str, number: str) -> Family | None:
        return next(iter(self.of_numbers([(symbol, number)]).values()), None)

    def of_numbers(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Family]:
        wanted = set(pairs)
        return {(f.symbol, f.number): copy.deepcopy(f) for f in self.store.families.values()
                if (f.symbol, f.number) in wanted}

    def of_families(self, family_ids: Iterable[int]) -> dict[int, Family]:
        return {i: copy.deepcopy(self.store.families[i]) for i in set(family_ids) if i in self.store.families}

    def holders(self, digests: Iterable[str], *, besides: int | None = None) -> list[Holder]:
        wanted = set(digests)
        return [Holder(f.history, m) for i, f in self.store.families.items() if i != besides
                for m, r in f.members.items() if r.my_number and r.my_number.digest in wanted]

    def save(self, family: Family) -> None:
        family.saved()
        self.store.families[family.family_id] = copy.deepcopy(family)


class FakeLedger:
    def __init__(self, store: Store, calendar: BusinessCalendar):
        self.store, self.calendar = store, calendar

    def _next(self, name: str) -> int:
        self.store.ids[name] += 1
        return self.store.ids[name]

    def new_member_id(self) -> int:
        return self._next("member")

    def new_seq(self) -> int:
        return self._next("seq")

    def new_number(self, symbol: str, given: str | None) -> str:
        last = self.store.counters.get(symbol, 0)
        number = int(given) if given else last + 1
        self.store.counters[symbol] = max(last, number)
        return str(number)

    def publish_on(self, registered_on: date) -> date:
        return self.calendar.second_business_day_after(registered_on)


class FakeMemberSearch:
    def __init__(self, store: Store):
        self.store = store

    def _all(self):
        return [(r, f) for f in self.store.families.values() for r in f.members.values()]

    def page(self, symbol: str | None, limit: int, offset: int) -> tuple[list[tuple[int, int]], int]:
        found = sorted((r.member_id, f.family_id) for r, f in self._all() if not symbol or f.symbol == symbol)
        return found[offset:offset + limit], len(found)

    def search(self, *, kana: str | None, name: str | None, symbol: str | None, number: str | None,
               birth_date: date | None, limit: int) -> tuple[list[tuple[int, int]], int]:
        found = [(r.name_kana, r.member_id, f.family_id) for r, f in self._all()
                 if (not kana or r.name_kana.startswith(kana)) and (not name or name in r.name)
                 and (not symbol or f.symbol == symbol) and (not number or f.number == number)
                 and (not birth_date or r.birth_date == birth_date)]
        return [(m, fam) for _, m, fam in sorted(found)[:limit]], len(found)

    def same_reading(self, people: Iterable[tuple[str, date]]) -> list[tuple[int, int]]:
        people = set(people)
        return sorted((r.member_id, f.family_id) for r, f in self._all()
                      if (r.name_kana.replace(" ", ""), r.birth_date) in people)

    def with_my_number(self, *digests: str) -> list[tuple[int, int]]:
        return [(r.member_id, f.family_id) for r, f in self._all()
                if r.my_number and r.my_number.digest in digests]


class FakeMynaCards:
    def __init__(self, store: Store):
        self.store = store

    def by_hash(self, digests: Iterable[str]) -> dict[str, list[MynaCard]]:
        return {d: list(self.store.cards.get(d, [])) for d in set(digests) if d}


class FakeLegacyCards:
    def __init__(self, store: Store):
        self.store = store

    def add(self, member_id: int, issued_on: date, expires_on: date | None, valid_until: date) -> int:
        self.store.ids["legacy_card"] += 1
        self.store.legacy_cards.append(dict(id=self.store.ids["legacy_card"], member_id=member_id,
                                            issued_on=issued_on, expires_on=expires_on,
                                            valid_until=valid_until))
        return self.store.ids["legacy_card"]


class FakeExchangeRead:
    def __init__(self, store: Store):
        self.store = store

    def families_published_on(self, on: date) -> Iterator[Family]:
        for family_id in sorted(self.store.families):
            family = self.store.families[family_id]
            if any(r.publish_on == on for r in family.registrations):
                yield copy.deepcopy(family)

    def member_batches(self) -> Iterator[list[tuple[int, Family]]]:
        members = sorted((m, f) for f in self.store.families.values() for m in f.members)
        if members:
            yield [(m, copy.deepcopy(f)) for m, f in members]


class FakeIdempotencyKeys:
    """The idempotency_keys rows (adapters.db.idempotency), as namespaces."""

    def __init__(self, store: Store):
        self.rows = store.idempotency_keys

    def get(self, key_hash: str, since: datetime):
        row = self.rows.get(key_hash)
        return row if row is not None and row.created_at >= since else None

    def claim(self, claim, at: datetime, expired_before: datetime) -> bool:
        for key in [k for k, row in self.rows.items() if row.created_at < expired_before]:
            del self.rows[key]
        if claim.key_hash in self.rows:
            return False
        self.rows[claim.key_hash] = _key_row(claim, 0, "", at)
        return True

    def store(self, claim, status: int, response: str, at: datetime) -> None:
        row = self.rows.get(claim.key_hash)
        self.rows[claim.key_hash] = _key_row(claim, status, response, row.created_at if row else at)


def _key_row(claim, status: int, response: str, at: datetime) -> SimpleNamespace:
    return SimpleNamespace(key_hash=claim.key_hash, route=claim.route, request_hash=claim.request_hash,
                           status=status, response=response, created_at=at)


class FakeUnitOfWork:
    """The repositories over one working copy of the store."""

    def __init__(self, store: Store, calendar: BusinessCalendar):
        self.store = store
        self.families = FakeFamilies(store)
        self.employers = FakeEmployers(store)
        self.ledger = FakeLedger(store, calendar)
        self.member_search = FakeMemberSearch(store)
        self.myna_cards = FakeMynaCards(store)
        self.legacy_cards = FakeLegacyCards(store)
        self.certificates = FakeCertificates(store)
        self.documents = FakeDocuments(store)
        self.addresses = FakeAddresses(store)
        self.idempotency = FakeIdempotencyKeys(store)
        self.serials = FakeSerials(store)
        self.runs = FakeCertificateRuns(store)
        self.dashboard = FakeDashboardFigures(store)
        self.exchange_read = FakeExchangeRead(store)
        self.guessing_flags = FakeGuessingFlags(store)
        self.access_history = FakeAccessHistory(store)
        self.reception = FakeReceptionRecords(store)
        self.portal = FakePortalRecords(store)
        self.staff_users = FakeStaffUsers(store)
        self.sign_in_misses = FakeSignInMisses(store)
        self.web_sessions = FakeWebSessions(store)
        self.card_registry = FakeCardRegistry(store)
        self.society = FakeSociety(store)
        self.facilities = FakeFacilities(store)
        self.api_tokens = FakeApiTokens(store)
        self.token_list = FakeTokenList(store)
        self.audit_log = FakeAuditLogView(store)
        self.key_rotation = FakeKeyRotation(store)
        self.my_number_retention = FakeMyNumberRetention(store)
        self.oqs_bulks = FakeOqsBulks(store)

    def audit(self, actor: Any, action: str, target: str | None = None, **detail: Any) -> None:
        self.store.audit.append(dict(actor=actor.subject, role=actor.role.value, action=action,
                                     target=target, detail=detail))


def fake_unit_of_work(store: Store):
    """A `Context.unit_of_work` over `store`: a unit of work that raises leaves it unchanged."""
    @contextmanager
    def unit_of_work(ctx, write: bool):
        working = copy.deepcopy(store)
        yield FakeUnitOfWork(working, ctx.calendar)
        if write:
            store.__dict__.update(working.__dict__)

    return unit_of_work
