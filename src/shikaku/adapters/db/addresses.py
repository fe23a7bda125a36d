"""The addresses repository (住所・送付先, `member_addresses`) and what an address block needs of
the 事業所 (`employers`). The address text is never logged: nothing here writes it anywhere but
its row."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, insert, select, update

from ...domain.addresses import Address, EmployerPost, MailTo
from .schema import employers, member_addresses

_A, _E = member_addresses.c, employers.c


def _address(row) -> Address:
    return Address(row.postcode or "", row.address, MailTo(row.mail_to))


class SqlAddresses:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, member_id: int) -> Address | None:
        return self.of_members([member_id]).get(member_id)

    def of_members(self, member_ids: Iterable[int]) -> dict[int, Address]:
        """The addresses of several members (those without one are absent), one query a chunk."""
        wanted, found = sorted(set(member_ids)), {}
        for start in range(0, len(wanted), 1000):
            rows = self.conn.execute(select(member_addresses)
                                     .where(_A.member_id.in_(wanted[start:start + 1000])))
            found.update({row.member_id: _address(row) for row in rows})
        return found

    def put(self, member_id: int, address: Address, on: date) -> bool:
        """Sets (or replaces) a member's address and 送付先; True when there was none before."""
        values = dict(postcode=address.postcode, address=address.address, mail_to=address.mail_to.value,
                      updated_on=on)
        changed = self.conn.execute(update(member_addresses).where(_A.member_id == member_id)
                                    .values(**values)).rowcount
        if not changed:
            self.conn.execute(insert(member_addresses).values(member_id=member_id, **values))
        return not changed

    def employer_posts(self, symbols: Iterable[str]) -> dict[str, EmployerPost]:
        """名称・所在地 and `mail_via` of the 事業所 of these 記号 (those not kept are absent)."""
        wanted = sorted(set(symbols))
        rows = self.conn.execute(select(_E.symbol, _E.name, _E.postcode, _E.address, _E.mail_via)
                                 .where(_E.symbol.in_(wanted))) if wanted else []
        return {row.symbol: EmployerPost(row.name, row.postcode, row.address, bool(row.mail_via))
                for row in rows}
