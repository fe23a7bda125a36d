"""Read model of the member registry (加入者の一覧・検索): which members a list or a search
finds, in a stable order, with the total. The views themselves are folded by the domain from
the families these ids belong to."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, select

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

    def same_reading(self, readings: Iterable[str], birth_dates: Iterable[date]) -> list[tuple[int, int]]:
        """(member id, family id) of the members with one of these フリガナ (as stored) and one of
        these 生年月日, by id: the candidates of a possible duplicate (domain.duplicates), found
        through the index on フリガナ."""
        readings, births = sorted(set(readings)), sorted(set(birth_dates))
        found: set[tuple[int, int]] = set()
        for start in range(0, len(readings), 500):
            query = select(members.c.id, members.c.family_id).where(
                members.c.name_kana.in_(readings[start:start + 500]), members.c.birth_date.in_(births))
            found.update((row.id, row.family_id) for row in self.conn.execute(query))
        return sorted(found)

    def with_my_number(self, *digests: str) -> list[tuple[int, int]]:
        """(member id, family id) of the records holding a 個人番号, by its look-up hashes."""
        return [(row.id, row.family_id) for row in repo.members_with_hash(self.conn, *digests)]
