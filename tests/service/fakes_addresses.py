"""In-memory fake of the addresses repository (住所・送付先 and the 事業所 an address block
names) for tests/service."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Iterable

from shikaku.domain.addresses import Address, EmployerPost

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeAddresses:
    def __init__(self, store: Store):
        self.store = store

    def get(self, member_id: int) -> Address | None:
        return self.of_members([member_id]).get(member_id)

    def of_members(self, member_ids: Iterable[int]) -> dict[int, Address]:
        return {m: self.store.addresses[m][0] for m in set(member_ids) if m in self.store.addresses}

    def put(self, member_id: int, address: Address, on: date) -> bool:
        new = member_id not in self.store.addresses
        self.store.addresses[member_id] = (address, on)
        return new

    def employer_posts(self, symbols: Iterable[str]) -> dict[str, EmployerPost]:
        return {s: self.store.employer_posts[s] for s in set(symbols) if s in self.store.employer_posts}
