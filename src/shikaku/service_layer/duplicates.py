"""同一人物の可能性 (possible duplicates) for the enrolment use case and the import: the registry's
members an enrolment may be again, found by フリガナ and 生年月日 through the read model and
decided by `domain.duplicates` over their folded states (issue 14, item 3)."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from ..domain.duplicates import kana_key, possible_duplicates
from ..domain.errors import DomainError
from .unit_of_work import UnitOfWork

POSSIBLE_DUPLICATE = "同一人物の可能性があります"


class PossibleDuplicates(DomainError):
    """An enrolment asked to stop when it may duplicate a member (the web form asks the clerk,
    D-122); `candidates` are the members' views (service_layer.members.MemberView)."""

    def __init__(self, candidates: list):
        super().__init__("possible_duplicate", f"{POSSIBLE_DUPLICATE}。登録済みの加入者と別人であることを"
                         "確認してから、もう一度登録してください", status=409)
        self.candidates = candidates


def candidates(uow: UnitOfWork, name_kana: str, birth_date: date, qualified_on: date, on: date,
               besides: Iterable[int] = ()) -> list[tuple[int, int]]:
    """(member id, family id) of the members the enrolment (フリガナ, 生年月日, 資格取得日) may duplicate, folded on
    `on` (the later of the 資格取得日 and the 登録日: the reading the registry holds then)."""
    besides = set(besides)
    found = [pair for pair in uow.member_search.same_reading([(kana_key(name_kana), birth_date)])
             if pair[0] not in besides]
    if not found:
        return []
    families = uow.families.of_families({family_id for _, family_id in found})
    states = [families[family_id].history.state(member_id, on) for member_id, family_id in found]
    same = possible_duplicates(name_kana, birth_date, qualified_on, [s for s in states if s is not None])
    return [(s.identity.member_id, s.identity.family_id) for s in same]



def candidates_of_many(uow: UnitOfWork, enrolments: list[tuple[str, date, date, date]]) -> list[list]:
    """For each enrolment (フリガナ, 生年月日, 資格取得日, day folded on) the members' states it may
    duplicate, found with one look-up for them all (the import's chunk)."""
    found = uow.member_search.same_reading((kana_key(kana), birth) for kana, birth, *_ in enrolments)
    families = uow.families.of_families({family_id for _, family_id in found})
    return [possible_duplicates(kana, birth, qualified_on,
                                [s for s in (families[f].history.state(m, on) for m, f in found) if s is not None])
            for kana, birth, qualified_on, on in enrolments]
