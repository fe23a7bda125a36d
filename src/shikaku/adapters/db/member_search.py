"""Read model of the member registry (加入者の一覧・検索): which members a list or a search
finds, in a stable order, with the total. The views themselves are folded by the domain from
the families these ids belong to."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, Select, func, select

from . import repository as repo
from .schema import members


class MemberSearch:
    def __init__(self, conn: Connection):
        self.conn = conn

    def _found(self, query, order, limit: int, offset: int = 0) -> tuple[list[tuple[int, int]], int]:
        total = repo.count(self.conn, query)
        rows = self.conn.execute(query.with_only_columns(members.c.id, members.c.family_id)
                                 .order_by(*order).limit(limit).offset(offset))
        return [(row.id, row.family_id) for row in rows], total

    def page(self, symbol: str | None, limit: int, offset: int) -> tuple[list[tuple[int, int]], int]:
        """(member id, family id) of one page of members by id, and the total."""
        query = select(members)
        if symbol:
            query = query.where(members.c.symbol == symbol)
        return self._found(query, (members.c.id,), limit, offset)

    def search(self, *, kana: str | None, name: str | None, symbol: str | None, number: str | None,
               birth_date: date | None, limit: int) -> tuple[list[tuple[int, int]], int]:
        """The first `limit` matches by フリガナ (a prefix), 氏名 (a part), 記号, 番号 and
        生年月日, ordered by フリガナ; and the total."""
        query = select(members)
        if kana:
            query = query.where(members.c.name_kana.startswith(kana, autoescape=True))
        if name:
            query = query.where(members.c.name.contains(name, autoescape=True))
        if symbol:
            query = query.where(members.c.symbol == symbol)
        if number:
            query = query.where(members.c.number == number)
        if birth_date:
            query = query.where(members.c.birth_date == birth_date)
        return self._found(query, (members.c.name_kana, members.c.id), limit)

    def same_reading(self, people: Iterable[tuple[str, date]]) -> list[tuple[int, int]]:
        """(member id, family id) of the members with one of these (フリガナ without spaces —
        domain.duplicates.kana_key —, 生年月日), by id: the candidates of possible duplicates,
        found through the expression index on both (D-165), 500 people a query. A query may
        also match a reading with another person's birth date; the domain decides."""
        people = sorted(set(people))
        found: set[tuple[int, int]] = set()
        for start in range(0, len(people), 500):
            found.update((row.id, row.family_id) for row in self.conn.execute(
                same_reading_query(people[start:start + 500])))
        return sorted(found)

    def with_my_number(self, *digests: str) -> list[tuple[int, int]]:
        """(member id, family id) of the records holding a 個人番号, by its look-up hashes."""
        return [(row.id, row.family_id) for row in repo.members_with_hash(self.conn, *digests)]


def same_reading_query(people: list[tuple[str, date]]) -> Select:
    """The members with one of the readings (without spaces) and one of the birth dates of
    `people`, by the expression index `ix_members_kana_key` (schema.py)."""
    return select(members.c.id, members.c.family_id).where(
        func.replace(members.c.name_kana, " ", "").in_(sorted({k for k, _ in people})),
        members.c.birth_date.in_(sorted({b for _, b in people})))
