"""同一人物の可能性 (issue 14, item 3): the same フリガナ (normalised, without spaces) and 生年月日
as a member eligible on the new 資格取得日 or later."""
from datetime import date

import pytest

from shikaku.domain.duplicates import is_possible_duplicate, kana_key, possible_duplicates
from tests.builders import Family, around

BIRTH = date(1980, 5, 10)
QUALIFIED = date(2024, 4, 1)


def candidate(kana: str = "シケン 1", birth: date = BIRTH, lost_on: date | None = None,
              qualified_on: date = QUALIFIED, on: date = date(2025, 4, 1)):
    """The insured of a family of one (enrolled as シケン 1 on `qualified_on`), renamed to `kana`."""
    family = Family()
    member = family.insured(birth=birth, qualified_on=qualified_on)
    if kana != "シケン 1":
        family.amend(member, qualified_on, name_kana=kana)
    if lost_on:
        family.lose(member, lost_on)
    return family.history.state(member, on)


@pytest.mark.parametrize("typed", ["ヤマダ タロウ", "ヤマダタロウ", "やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ",
                                   "ヤマダ　タロウ", " ヤマダ  タロウ ", "ヤマ ダタロウ"])
def test_kana_variants_and_spaces_match(typed):
    assert is_possible_duplicate(typed, BIRTH, date(2025, 4, 1), candidate("ヤマダ タロウ"))


def test_another_reading_or_birth_date_is_no_duplicate():
    member = candidate("ヤマダ タロウ")
    assert not is_possible_duplicate("ヤマダ ジロウ", BIRTH, date(2025, 4, 1), member)
    assert not is_possible_duplicate("ヤマダ タロウ", date(1980, 5, 11), date(2025, 4, 1), member)
    assert not is_possible_duplicate("ヤマダ タロ", BIRTH, date(2025, 4, 1), member)


def test_kana_key_drops_spaces_after_normalising():
    assert kana_key("ﾔﾏﾀﾞ ﾀﾛｳ") == kana_key("やまだたろう") == "ヤマダタロウ"


def test_boundary_on_the_loss_day():
    """Lost on L (first day not covered): a new 資格取得日 the day before L overlaps; on L or
    after it is a re-enrolment (転職), not a duplicate."""
    loss = date(2025, 3, 31)
    before, on, after = around(loss)
    member = candidate("ヤマダ タロウ", lost_on=loss)
    assert is_possible_duplicate("ヤマダ タロウ", BIRTH, before, member)
    assert not is_possible_duplicate("ヤマダ タロウ", BIRTH, on, member)
    assert not is_possible_duplicate("ヤマダ タロウ", BIRTH, after, member)


def test_eligible_later_than_the_new_qualification_counts():
    """A member who qualifies after the new 資格取得日 is eligible 'or later'."""
    member = candidate("ヤマダ タロウ", qualified_on=date(2026, 4, 1), on=date(2026, 4, 1))
    assert is_possible_duplicate("ヤマダ タロウ", BIRTH, date(2025, 4, 1), member)


def test_late_elderly_loss_ends_the_overlap():
    """The 75th birthday is a loss too (R-RATIO-4): eligible until the day before it."""
    born = date(1950, 5, 10)
    member = candidate("ヤマダ タロウ", birth=born, qualified_on=date(2020, 4, 1))
    assert member.loss.on == date(2025, 5, 10)
    assert is_possible_duplicate("ヤマダ タロウ", born, date(2025, 5, 9), member)
    assert not is_possible_duplicate("ヤマダ タロウ", born, date(2025, 5, 10), member)


def test_possible_duplicates_lists_only_the_matching_ones_by_id():
    family = Family()
    insured = family.insured(birth=BIRTH, qualified_on=QUALIFIED)
    family.amend(insured, QUALIFIED, name_kana="ヤマダ タロウ")
    spouse = family.dependent(birth=BIRTH, qualified_on=QUALIFIED)
    family.amend(spouse, QUALIFIED, name_kana="ヤマダ ハナコ")
    lost = family.dependent(birth=BIRTH, qualified_on=QUALIFIED)
    family.amend(lost, QUALIFIED, name_kana="ヤマダタロウ")
    family.lose(lost, date(2024, 10, 1))
    states = [family.history.state(m, date(2025, 4, 1)) for m in (lost, spouse, insured)]
    found = possible_duplicates("ヤマダ タロウ", BIRTH, date(2025, 4, 1), states)
    assert [s.identity.member_id for s in found] == [insured]
    assert possible_duplicates("ヤマダ タロウ", BIRTH, date(2024, 9, 1), states) == \
        sorted([states[0], states[2]], key=lambda s: s.identity.member_id)
