"""オンライン資格確認: what a facility is told about a person on a service date (DOMAIN.md §10).

The answer is decided from the published view only (`FamilyHistory.visible_state`, R-MYNA-2…4).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from .registry import MemberState


class Validity(Enum):
    """資格有効性 with the national interface's codes."""

    VALID = ("valid", "1")  # 有効
    INVALID = ("invalid", "2")  # 無効 (資格喪失)
    NEW_QUALIFICATION = ("invalid_new_qualification", "3")  # 無効 (新しい資格あり)
    NOT_FOUND = ("not_found", "4")  # 該当資格なし
    MULTIPLE = ("multiple", "5")  # 複数該当

    def __init__(self, word: str, code: str):
        self.word, self.code = word, code


@dataclass(frozen=True, slots=True)
class Verdict:
    validity: Validity
    state: MemberState | None  # the record the answer describes; None when not found or several


def by_card_data(matches: Sequence[MemberState], same_person: Sequence[MemberState]) -> Verdict:
    """券面情報による照会: `matches` are the visible records with the printed 記号・番号・枝番 and
    birth date; `same_person` the visible records of the matched person under other numbers."""
    if not matches:
        return Verdict(Validity.NOT_FOUND, None)
    if len(matches) > 1:
        return Verdict(Validity.MULTIPLE, None)
    record = matches[0]
    if record.eligible:
        return Verdict(Validity.VALID, record)
    newer = any(other.eligible and other.qualified_on >= record.qualified_on for other in same_person)
    return Verdict(Validity.NEW_QUALIFICATION if newer else Validity.INVALID, record)


def by_person(records: Sequence[MemberState]) -> Verdict:
    """マイナ保険証による照会: `records` are the visible records of the card holder. The one in
    force wins; with none in force, the latest qualification is reported as lost."""
    current = [r for r in records if r.eligible]
    if len(current) > 1:
        return Verdict(Validity.MULTIPLE, None)
    if current:
        return Verdict(Validity.VALID, current[0])
    if not records:
        return Verdict(Validity.NOT_FOUND, None)
    return Verdict(Validity.INVALID, max(records, key=lambda r: r.qualified_on))
