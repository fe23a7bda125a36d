"""R-DATE-1: 和暦 formatting and date parsing."""

from datetime import date

import pytest

from shikaku.domain.errors import DomainError
from shikaku.domain.wareki import format_wareki, format_wareki_month, parse_date

# First and last day of every era, including 元年.
ERA_BOUNDARIES = [
    (date(1868, 10, 23), "明治元年10月23日"),
    (date(1912, 7, 29), "明治45年7月29日"),
    (date(1912, 7, 30), "大正元年7月30日"),
    (date(1926, 12, 24), "大正15年12月24日"),
    (date(1926, 12, 25), "昭和元年12月25日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(1989, 1, 8), "平成元年1月8日"),
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(2025, 12, 1), "令和7年12月1日"),
]


@pytest.mark.parametrize(("d", "text"), ERA_BOUNDARIES)
def test_r_date_1_format_wareki_era_boundaries(d, text):
    assert format_wareki(d) == text


@pytest.mark.parametrize(("d", "text"), ERA_BOUNDARIES)
def test_r_date_1_parse_round_trip(d, text):
    assert parse_date(text) == d


def test_r_date_1_format_wareki_month():
    assert format_wareki_month(date(2025, 12, 1)) == "令和7年12月"
    assert format_wareki_month(date(2019, 5, 31)) == "令和元年5月"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-01", date(2025, 4, 1)),
        ("2025/4/1", date(2025, 4, 1)),
        ("2025.4.1", date(2025, 4, 1)),
        ("２０２５－０４－０１", date(2025, 4, 1)),
        ("令和7年4月1日", date(2025, 4, 1)),
        ("令和７年４月１日", date(2025, 4, 1)),
        (" 令和 7年 4月 1日 ", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R7.4.1", date(2025, 4, 1)),
        ("R7/4/1", date(2025, 4, 1)),
        ("r7.4.1", date(2025, 4, 1)),
        ("Ｒ７．４．１", date(2025, 4, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("S64.1.7", date(1989, 1, 7)),
        ("T1.7.30", date(1912, 7, 30)),
        ("M45.7.29", date(1912, 7, 29)),
    ],
)
def test_r_date_1_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30",
        "2025-13-01",
        "平成31年5月1日",
        "令和1年4月30日",
        "H31.5.1",
        "S64.1.8",
        "昭和元年12月24日",
        "明治元年10月22日",
        "R7.2.29",
        "R8.2.30",
        "２０２６／０２／３０",
        "20260230",
    ],
)
def test_r_date_1_parse_date_nonexistent(text):
    """A day the calendar or the era does not have: 「存在しない日付です」, not 「正しくありません」."""
    with pytest.raises(DomainError) as caught:
        parse_date(text)
    assert (caught.value.code, caught.value.message, caught.value.field) == (
        "invalid_date",
        "存在しない日付です",
        None,
    )


@pytest.mark.parametrize(
    "text",
    ["2025-04", "X7.4.1", "", "yesterday", "令和0年5月1日", "R8.4", "2026-4-1-1", "202641", "R8,4,1"],
)
def test_r_date_1_parse_date_refused(text):
    with pytest.raises(DomainError) as caught:
        parse_date(text)
    assert (caught.value.code, caught.value.message, caught.value.field) == (
        "invalid_date",
        "日付が正しくありません",
        None,
    )


def test_r_date_1_format_before_meiji_refused():
    with pytest.raises(DomainError):
        format_wareki(date(1868, 10, 22))
