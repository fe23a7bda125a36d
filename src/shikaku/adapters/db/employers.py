"""事業所 (employers): the repository of the `employers` table and the read model of their list
with their members counted. Rows in, `domain.employers.Employer` out; no rules here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection, case, exists, func, insert, or_, select, update

from ...domain.employers import Employer
from . import repository as repo
from .schema import employers, members

_COLUMNS = ("symbol", "name", "applied_on", "postcode", "address", "phone", "withdrawn_on", "mail_via")


def _employer(row) -> Employer:
    return Employer(row.symbol, row.name, row.applied_on, row.postcode, row.address, row.phone,
                    row.withdrawn_on, bool(row.mail_via))


def employer_values(employer: Employer) -> dict:
    """The row of an employer (for the bulk writers too)."""
    return {column: getattr(employer, column) for column in _COLUMNS}


@dataclass(frozen=True, slots=True)
class EmployerCounts:
    """How many member records (ever registered) an employer's 記号 holds."""

    insured: int = 0
    dependents: int = 0

    @property
    def total(self) -> int:
        return self.insured + self.dependents


class SqlEmployers:
    """The employers by 記号."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, symbol: str, *, for_update: bool = False) -> Employer | None:
        query = select(employers).where(employers.c.symbol == symbol)
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        return _employer(row) if row else None

    def of_symbols(self, symbols: Iterable[str]) -> dict[str, Employer]:
        wanted = sorted(set(symbols))
        if not wanted:
            return {}
        rows = self.conn.execute(select(employers).where(employers.c.symbol.in_(wanted)))
        return {row.symbol: _employer(row) for row in rows}

    def all(self) -> dict[str, Employer]:
        """Every employer by 記号 (an import checks its rows against them: loaded once)."""
        return {row.symbol: _employer(row) for row in self.conn.execute(select(employers))}

    def kept(self) -> bool:
        """Whether the society keeps employers: at least one is registered (D-111)."""
        return self.conn.execute(select(exists().select_from(employers))).scalar_one()

    def add(self, employer: Employer) -> None:
        self.conn.execute(insert(employers).values(employer_values(employer)))

    def add_all(self, found: list[Employer]) -> None:
        if found:
            self.conn.execute(insert(employers), [employer_values(e) for e in found])

    def update(self, employer: Employer) -> None:
        values = employer_values(employer)
        del values["symbol"]
        self.conn.execute(update(employers).where(employers.c.symbol == employer.symbol).values(values))

    def page(self, query: str | None, limit: int, offset: int) -> tuple[list[Employer], int]:
        """One page of employers by 記号 (a 記号 prefix or a part of the 名称 or 所在地), and the total."""
        select_ = select(employers)
        if query:
            select_ = select_.where(or_(employers.c.symbol.startswith(query, autoescape=True),
                                        employers.c.name.contains(query, autoescape=True),
                                        employers.c.address.contains(query, autoescape=True)))
        total = repo.count(self.conn, select_)
        rows = self.conn.execute(select_.order_by(func.length(employers.c.symbol), employers.c.symbol)
                                 .limit(limit).offset(offset))
        return [_employer(row) for row in rows], total

    def member_counts(self, symbols: Iterable[str]) -> dict[str, EmployerCounts]:
        """The member records of each 記号 (被保険者 and 被扶養者), by the unique index's column."""
        wanted = sorted(set(symbols))
        if not wanted:
            return {}
        insured = func.sum(case((members.c.relationship == "insured", 1), else_=0))
        rows = self.conn.execute(select(members.c.symbol, insured, func.count())
                                 .where(members.c.symbol.in_(wanted)).group_by(members.c.symbol))
        found = {symbol: EmployerCounts(int(ins or 0), int(total) - int(ins or 0)) for symbol, ins, total in rows}
        return {symbol: found.get(symbol, EmployerCounts()) for symbol in wanted}
