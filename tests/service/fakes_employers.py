"""In-memory fake of the 事業所 repository (adapters/db/employers.py): the store's `employers`."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from shikaku.adapters.db.employers import EmployerCounts
from shikaku.domain.employers import Employer

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeEmployers:
    def __init__(self, store: Store):
        self.store = store

    def _all(self) -> dict[str, Employer]:
        return self.store.__dict__.setdefault("employers", {})

    def get(self, symbol: str, *, for_update: bool = False) -> Employer | None:
        return self._all().get(symbol)

    def of_symbols(self, symbols: Iterable[str]) -> dict[str, Employer]:
        return {s: self._all()[s] for s in set(symbols) if s in self._all()}

    def all(self) -> dict[str, Employer]:
        return dict(self._all())

    def kept(self) -> bool:
        return bool(self._all())

    def add(self, employer: Employer) -> None:
        assert employer.symbol not in self._all()
        self._all()[employer.symbol] = employer

    def add_all(self, found: list[Employer]) -> None:
        for employer in found:
            self.add(employer)

    def update(self, employer: Employer) -> None:
        self._all()[employer.symbol] = employer

    def page(self, query: str | None, limit: int, offset: int) -> tuple[list[Employer], int]:
        found = sorted((e for e in self._all().values() if not query or e.symbol.startswith(query)
                        or query in e.name or query in (e.address or "")),
                       key=lambda e: (len(e.symbol), e.symbol))
        return found[offset:offset + limit], len(found)

    def member_counts(self, symbols: Iterable[str]) -> dict[str, EmployerCounts]:
        counts = {}
        for symbol in set(symbols):
            records = [r for f in self.store.families.values() if f.symbol == symbol for r in f.members.values()]
            insured = sum(1 for r in records if r.identity.relationship.value == "insured")
            counts[symbol] = EmployerCounts(insured, len(records) - insured)
        return counts
