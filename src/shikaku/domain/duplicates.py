"""同一人物の可能性 (possible duplicates): an enrolment that may be a person the registry already
holds (issue 14, item 3).

An enrolment (資格取得届 / 被扶養者異動届) is a *possible duplicate* of a member when their
フリガナ — normalised as every writer normalises it (`numbers.normalize_kana`) and compared
without spaces — and their 生年月日 are the same, and that member is eligible on the new
資格取得日 or later (their 資格喪失日 is after it: a re-enrolment on or after the loss day is
the ordinary change of employer, not a duplicate; D-120). It is a question for the clerk, never
a refusal: two people may share a reading and a birthday. The same 個人番号 stays refused
(`duplicate_my_number`, `family.my_number_in_use`).
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

from .numbers import normalize_kana_loosely
from .registry import MemberState


def kana_key(name_kana: str) -> str:
    """フリガナ as duplicates compare it: normalised (full-width katakana), without spaces. It
    never refuses (a stored reading is compared as it is; the new one is checked by the
    enrolment)."""
    return normalize_kana_loosely(name_kana).replace(" ", "")


def is_possible_duplicate(name_kana: str, birth_date: date, qualified_on: date,
                          candidate: MemberState) -> bool:
    """Whether the enrolment (フリガナ, 生年月日, 資格取得日) may be `candidate` again: same
    reading without spaces, same birth date, and the candidate eligible on `qualified_on` or
    later (資格喪失日 after it)."""
    return candidate.birth_date == birth_date and candidate.loss.on > qualified_on \
        and kana_key(candidate.name_kana) == kana_key(name_kana)


def possible_duplicates(name_kana: str, birth_date: date, qualified_on: date,
                        candidates: Iterable[MemberState]) -> list[MemberState]:
    """The candidates the enrolment may duplicate, by member id."""
    found = [c for c in candidates if is_possible_duplicate(name_kana, birth_date, qualified_on, c)]
    return sorted(found, key=lambda c: c.identity.member_id)
