"""The dashboard's pure parts: chart geometry and markup, and the per-day thresholds the SQL
compares with (75th birthday, a card's grace, month ends)."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.entrypoints.web import charts
from shikaku.service_layer.dashboard import born_75_by, card_expiry_floor, month_ends


@pytest.mark.parametrize("value, top", [(0, 5), (3, 5), (5, 5), (6, 10), (12, 20), (21, 25), (26, 50),
                                        (100, 100), (1234, 2000), (33149, 50000)])
def test_nice_max_makes_round_fifths(value, top):
    assert charts.nice_max(value) == top
    assert all(tick == int(tick) for tick in charts.ticks(top))


def test_ticks_and_positions():
    assert charts.ticks(100) == [0, 20, 40, 60, 80, 100]
    frame = charts.Frame(960, 320, 100)
    assert frame.y(100) == charts.TOP
    assert frame.y(0) == 320 - charts.BOTTOM
    assert frame.x(0, 4) == charts.LEFT + frame.slot(4) / 2
    assert frame.x(3, 4) == 960 - charts.RIGHT - frame.slot(4) / 2


def test_chart_markup_is_accessible_and_escaped():
    points = [charts.Point("<b>", 3, "3件", "全文の見出し"), charts.Point("二", 0, "0件")]
    html = charts.bar_chart("c1", "題名 & 件数", "説明", points, columns=("理由", "件数"))
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in html
    assert '<title id="c1-title">題名 &amp; 件数</title><desc id="c1-desc">説明</desc>' in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert '<th scope="row">全文の見出し</th><td class="num">3件</td>' in html  # the table under it
    line = charts.line_chart("c2", "率", "説明", points, unit="%", top_value=100)
    assert line.count("<circle") == 2 and ">100%</text>" in line


@pytest.mark.parametrize("day, born_by", [
    (date(2026, 6, 1), date(1951, 6, 1)),
    (date(2027, 2, 28), date(1952, 2, 28)),  # born 1952-02-29: 75 on 2027-03-01 (D-10)
    (date(2027, 3, 1), date(1952, 3, 1)),  # the 02-29 and the 03-01 births both
    (date(2028, 2, 29), date(1953, 2, 28)),
])
def test_born_75_by(day, born_by):
    assert born_75_by(day) == born_by


@pytest.mark.parametrize("day, floor", [
    (date(2025, 5, 31), date(2025, 2, 1)),  # expired in February: works to the end of May
    (date(2025, 6, 1), date(2025, 3, 1)),
    (date(2025, 6, 30), date(2025, 3, 1)),
])
def test_card_expiry_floor(day, floor):
    assert card_expiry_floor(day, SimpleNamespace(policy=DEFAULT_POLICY)) == floor


def test_month_ends():
    assert month_ends(date(2026, 6, 1), 3) == [date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    assert month_ends(date(2026, 2, 28), 2) == [date(2026, 1, 31), date(2026, 2, 28)]
