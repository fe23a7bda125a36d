"""適用区分 (limit category) from the insured's 標準報酬月額: R-LIM-1."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.limits import limit_category
from shikaku.domain.ratio import InsuredIncome
from shikaku.domain.remuneration import GRADES

ONE_DAY = timedelta(days=1)
ON = date(2025, 6, 1)
UNDER_70 = date(1980, 5, 10)  # 45 on ON
ELDERLY = date(1953, 9, 9)  # 71 on ON: 高齢受給者
ALL_GRADES = GRADES.on(ON)


def own(birth: date, remuneration: int, declared_low: bool = False):
    """The category of a member who is their own insured."""
    return lambda on, approved=None: limit_category(
        birth, InsuredIncome(birth, remuneration, declared_low), on, approved)


@pytest.mark.parametrize(("remuneration", "code", "label"), [
    (1_390_000, "A01", "ア"),
    (830_000, "A01", "ア"),
    (790_000, "A02", "イ"),
    (530_000, "A02", "イ"),
    (500_000, "A03", "ウ"),
    (280_000, "A03", "ウ"),
    (260_000, "A04", "エ"),
    (58_000, "A04", "エ"),
])
def test_r_lim_1_under_70_bands(remuneration, code, label):
    """R-LIM-1 under 70: ア ≥ 830,000; イ 530,000–790,000; ウ 280,000–500,000; エ ≤ 260,000."""
    category = own(UNDER_70, remuneration)(ON)
    assert (category.code, category.label, category.elderly) == (code, label, False)


@pytest.mark.parametrize(("remuneration", "code", "label"), [
    (1_390_000, "B01", "現役並みⅢ"),
    (830_000, "B01", "現役並みⅢ"),
    (790_000, "B02", "現役並みⅡ"),
    (530_000, "B02", "現役並みⅡ"),
    (500_000, "B03", "現役並みⅠ"),
    (280_000, "B03", "現役並みⅠ"),
    (260_000, "B04", "一般"),
    (58_000, "B04", "一般"),
])
def test_r_lim_1_elderly_bands(remuneration, code, label):
    """R-LIM-1 70–74: 現役並みⅢ/Ⅱ/Ⅰ on the same bands, 一般 ≤ 260,000."""
    category = own(ELDERLY, remuneration)(ON)
    assert (category.code, category.label, category.elderly) == (code, label, True)


def test_r_lim_1_elderly_with_income_declaration_is_general():
    """R-LIM-1 with R-RATIO-3: an income declaration makes a 現役並み family 一般 (B04)."""
    assert own(ELDERLY, 830_000, declared_low=True)(ON).code == "B04"


def test_r_lim_1_elderly_dependent_of_insured_under_70_is_general():
    """R-LIM-1 with R-RATIO-3: 70–74 dependent of an insured under 70 with 830,000 is not 現役並み."""
    insured = InsuredIncome(date(1965, 1, 20), 830_000)
    assert limit_category(ELDERLY, insured, ON).code == "B04"


def test_r_lim_1_under_70_dependent_follows_the_insured_band():
    """R-LIM-1: the category follows the insured's 標準報酬月額, not the member's own."""
    insured = InsuredIncome(date(1975, 1, 20), 530_000)
    assert limit_category(date(2010, 1, 1), insured, ON).code == "A02"


@pytest.mark.parametrize(("remuneration", "under_70", "elderly"), [
    (830_000, "A01", "B01"), (500_000, "A03", "B03"), (260_000, "A04", "B04"),
])
def test_r_lim_1_switch_to_elderly_categories_on_the_first_elderly_day(remuneration, under_70, elderly):
    """R-LIM-1 at R-RATIO-3's boundary: born 1955-06-02 is 高齢受給者 from 2025-07-01."""
    category = own(date(1955, 6, 2), remuneration)
    before, day, after = date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 2)
    assert [category(d).code for d in (before, day, after)] == [under_70, elderly, elderly]


def test_r_lim_1_back_to_a_bands_on_the_75th_birthday():
    """R-LIM-1 at R-RATIO-4's boundary: no longer 70–74 on the 75th birthday (2025-12-10)."""
    category = own(date(1950, 12, 10), 830_000)
    assert [category(d).code for d in (date(2025, 12, 9), date(2025, 12, 10))] == ["B01", "A01"]


@pytest.mark.parametrize("remuneration", [58_000, 260_000, 280_000, 830_000, 1_390_000])
def test_r_lim_1_approved_a05_for_under_70(remuneration):
    """R-LIM-1: オ (A05) by application replaces the band for a member under 70."""
    category = own(UNDER_70, remuneration)(ON, "A05")
    assert (category.code, category.label) == ("A05", "オ")


@pytest.mark.parametrize(("approved", "label"), [("B05", "低所得Ⅱ"), ("B06", "低所得Ⅰ")])
def test_r_lim_1_approved_low_income_for_elderly(approved, label):
    """R-LIM-1: 低所得Ⅱ・Ⅰ by application for 70–74."""
    category = own(ELDERLY, 260_000)(ON, approved)
    assert (category.code, category.label, category.elderly) == (approved, label, True)


@pytest.mark.parametrize("approved", ["B05", "B06"])
def test_r_lim_1_approved_elderly_category_ignored_under_70(approved):
    """R-LIM-1: an elderly category approved for someone under 70 does not apply; the band does."""
    assert own(UNDER_70, 500_000)(ON, approved).code == "A03"


def test_r_lim_1_approved_a05_ignored_for_elderly():
    assert own(ELDERLY, 260_000)(ON, "A05").code == "B04"


def test_r_lim_1_approved_b05_applies_from_the_first_elderly_day():
    """R-LIM-1: B05 approved ahead of time is ignored on 2025-06-30 and applies from 2025-07-01."""
    category = own(date(1955, 6, 2), 260_000)
    before, day, after = date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 2)
    assert [category(d, "B05").code for d in (before, day, after)] == ["A04", "B05", "B05"]


# ------------------------------------------------------------------ properties

UNDER_70_RANK = {"A04": 0, "A03": 1, "A02": 2, "A01": 3}
ELDERLY_RANK = {"B04": 0, "B03": 1, "B02": 2, "B01": 3}


def _spec_under_70(remuneration: int) -> str:
    """R-LIM-1's table as written, over the grades: ア ≥ 830,000; イ 530,000–790,000;
    ウ 280,000–500,000; エ ≤ 260,000."""
    if remuneration >= 830_000:
        return "A01"
    if 530_000 <= remuneration <= 790_000:
        return "A02"
    if 280_000 <= remuneration <= 500_000:
        return "A03"
    assert remuneration <= 260_000, "a grade between the spec's bands"
    return "A04"


@given(st.sampled_from(ALL_GRADES))
def test_r_lim_1_every_grade_matches_the_spec_table(remuneration):
    code = _spec_under_70(remuneration)
    assert own(UNDER_70, remuneration)(ON).code == code
    assert own(ELDERLY, remuneration)(ON).code == "B" + code[1:]


@given(st.dates(date(1930, 1, 1), date(2020, 12, 31)), st.dates(date(2000, 1, 1), date(2040, 12, 31)),
       st.dates(date(1930, 1, 1), date(2000, 12, 31)), st.integers(0, 2_000_000),
       st.integers(0, 2_000_000), st.booleans())
def test_r_lim_1_category_monotone_in_remuneration(birth, on, insured_birth, r1, r2, declared_low):
    """R-LIM-1: a higher insured remuneration never gives a lower category."""
    low, high = sorted((r1, r2))
    a = limit_category(birth, InsuredIncome(insured_birth, low, declared_low), on)
    b = limit_category(birth, InsuredIncome(insured_birth, high, declared_low), on)
    assert a.elderly == b.elderly
    rank = ELDERLY_RANK if a.elderly else UNDER_70_RANK
    assert rank[a.code] <= rank[b.code]
