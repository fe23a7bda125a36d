"""In-memory fakes of online verification's adapters (tests/service): the published view and
the access log writer the context holds, the 照会履歴 and the guessing flags of the unit of
work. They read and write the same `Store` as the registry's fakes."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from shikaku.adapters.db.guessing_flags import Flag
from shikaku.adapters.db.published import Prefetched, Record
from shikaku.domain.family import Family, MemberRecord
from shikaku.domain.myna import MynaCard
from shikaku.domain.verification import CardsOnFile

if TYPE_CHECKING:
    from tests.service.fakes import Store


def members_where(store: Store, wanted) -> list[tuple[MemberRecord, Family]]:
    """The member records for which `wanted(record)` holds, with their families, by id."""
    found = [(r, f) for f in store.families.values() for r in f.members.values() if wanted(r)]
    return sorted(found, key=lambda pair: pair[0].member_id)


def records_where(store: Store, wanted) -> list[Record]:
    """The published view's records of `members_where`."""
    return [Record(r.member_id, r.my_number.digest if r.my_number else None, f.history)
            for r, f in members_where(store, wanted)]


def with_card_data(symbol: str, number: str, branch: str | None):
    """Records of a 記号・番号 (and 枝番; None: any)."""
    return lambda r: (r.identity.symbol, r.identity.number) == (symbol, number) \
        and (branch is None or r.identity.branch == branch)


def holding(digest: str | None):
    """Records holding the 個人番号 of a look-up hash (None: none)."""
    return lambda r: digest is not None and r.my_number is not None and r.my_number.digest == digest


def card_holder_hash(store: Store, card_id: str) -> str | None:
    """The look-up hash of the 個人番号 of a card's holder; None: no such card."""
    return next((digest for digest, cards in store.cards.items()
                 if any(card.card_id == card_id for card in cards)), None)


class FakePublishedView:
    """`adapters.db.published.PublishedView` over the store's committed families."""

    def __init__(self, store: Store):
        self.store = store

    def records_by_card_data(self, symbol: str, number: str, branch: str | None) -> list[Record]:
        return records_where(self.store, with_card_data(symbol, number, branch))

    def records_of_card_holder(self, card_id: str) -> list[Record]:
        return records_where(self.store, holding(card_holder_hash(self.store, card_id)))

    def records_of_same_person(self, member_id: int) -> list[Record]:
        record = next((r for f in self.store.families.values() for r in f.members.values()
                       if r.member_id == member_id), None)
        return records_where(self.store, holding(record.my_number.digest if record and record.my_number else None))

    def card(self, card_id: str) -> MynaCard | None:
        return next((card for cards in self.store.cards.values() for card in cards if card.card_id == card_id), None)

    def records_by_card_numbers(self, numbers) -> dict[tuple[str, str], list]:
        wanted = set(numbers)
        found: dict[tuple[str, str], list] = {}
        for r, f in members_where(self.store, lambda r: (r.identity.symbol, r.identity.number) in wanted):
            found.setdefault((r.identity.symbol, r.identity.number), []).append(
                (r.identity.branch, Record(r.member_id, r.my_number.digest if r.my_number else None, f.history)))
        return found

    def prefetched(self, numbers) -> Prefetched:
        return Prefetched(self, numbers)

    def cards_on_file(self, member_ids) -> dict[int, CardsOnFile]:
        wanted = set(member_ids)
        certificates = [(c.member_id, (c.issued_on, c.held)) for c in self.store.certificates if c.member_id in wanted]
        legacy = [(c["member_id"], (c["issued_on"], c["valid_until"])) for c in self.store.legacy_cards
                  if c["member_id"] in wanted]
        return {member_id: CardsOnFile(tuple(card for m, card in certificates if m == member_id),
                                       tuple(card for m, card in legacy if m == member_id))
                for member_id in {m for m, _ in certificates + legacy}}


class FakeAccessLog:
    """`adapters.access_log.AccessLogWriter`: each entry stored at once."""

    def __init__(self, store: Store):
        self.store = store

    def record(self, facility_code: str, method: str, identity_check: str | None,
               service_date: date, validity_code: str, member_id: int | None,
               channel: str | None = None) -> None:
        self.store.access_log.append(dict(
            id=len(self.store.access_log) + 1, at=datetime.now(timezone.utc), facility_code=facility_code,
            method=method, identity_check=identity_check, service_date=service_date,
            validity_code=validity_code, member_id=member_id, channel=channel))

    def flush(self) -> None:
        """Nothing waits: `record` stored the entry."""


class FakeAccessHistory:
    def __init__(self, store: Store):
        self.store = store

    def page(self, member_id: int, limit: int, offset: int) -> tuple[list[dict], int]:
        found = [e for e in reversed(self.store.access_log) if e["member_id"] == member_id]
        return [{**{k: v for k, v in e.items() if k != "id"},
                 "facility_name": self.store.facility_names.get(e["facility_code"])}
                for e in found[offset:offset + limit]], len(found)


class FakeGuessingFlags:
    def __init__(self, store: Store):
        self.store = store

    def add(self, facility_code: str, symbol: str, number: str, birth_dates: int, at: datetime) -> int:
        flag = Flag(len(self.store.guessing_flags) + 1, facility_code, symbol, number, birth_dates, at, None, None)
        self.store.guessing_flags.append(flag)
        return flag.id

    def since(self, moment: datetime) -> list[Flag]:
        return [flag for flag in self.store.guessing_flags if flag.flagged_at > moment]

    def page(self, limit: int, offset: int) -> tuple[list[dict], int]:
        flags = list(reversed(self.store.guessing_flags))[offset:offset + limit]
        return [{**flag._asdict(), "facility_name": self.store.facility_names.get(flag.facility_code)}
                for flag in flags], len(self.store.guessing_flags)

    def release(self, flag_id: int, by: str, at: datetime) -> Flag | None:
        flag = self.get(flag_id)
        if flag is None or flag.released_at is not None:
            return None
        released = self.store.guessing_flags[flag_id - 1] = flag._replace(released_at=at, released_by=by)
        return released

    def get(self, flag_id: int) -> Flag | None:
        return self.store.guessing_flags[flag_id - 1] if 0 < flag_id <= len(self.store.guessing_flags) else None


INSURER = {"insurer_number": "06139992", "name": "試験健康保険組合"}


def online(ctx, store: Store):
    """A service-test context whose published view and access log are the store's, for the use
    cases that verify (verification, the desk, the portal)."""
    ctx.published, ctx.access_log, ctx.insurer = FakePublishedView(store), FakeAccessLog(store), dict(INSURER)
    return ctx
