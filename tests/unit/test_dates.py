"""The days the application handles (domain.dates, D-92): 1900-01-01 … 2099-12-31, for every
date of every command (a query parameter too) and every date cell of an employer's file (和暦
included); the date arithmetic works at both edges."""
from __future__ import annotations

from datetime import date

import holidays
import pytest
from pydantic import ValidationError

from shikaku.domain.calendar import BusinessCalendar
from shikaku.domain.certificates import cycle_end_on_or_after
from shikaku.domain.dates import FIRST_DAY, LAST_DAY, check_date
from shikaku.domain.errors import DomainError
from shikaku.domain.notifications import Header, parse_row
from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.domain.ratio import late_elderly_from
from shikaku.domain.wareki import format_wareki
from shikaku.service_layer import commands


def test_the_edges_are_in_and_the_days_beside_them_out():
    assert check_date(FIRST_DAY, "生年月日") == date(1900, 1, 1)
    assert check_date(LAST_DAY, "生年月日") == date(2099, 12, 31)
    for day in (date(1899, 12, 31), date(2100, 1, 1), date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(DomainError) as refused:
            check_date(day, "登録日", "registered_on")
        assert (refused.value.code, refused.value.field) == ("date_out_of_range", "registered_on")
        assert refused.value.message == "登録日は 1900-01-01 から 2099-12-31 までの日付で入力してください"


def test_the_arithmetic_holds_at_both_edges():
    calendar = BusinessCalendar()
    # The holiday library knows Japan through the last year of the range …
    assert holidays.Japan.end_year >= LAST_DAY.year and holidays.Japan(years=LAST_DAY.year)
    # … and the 翌々営業日 of the last day falls before any holiday of the next year.
    assert calendar.second_business_day_after(LAST_DAY) == date(2100, 1, 5)
    assert calendar.second_business_day_after(FIRST_DAY) == date(1900, 1, 5)
    assert cycle_end_on_or_after(LAST_DAY, DEFAULT_POLICY) == date(2104, 11, 30)
    assert late_elderly_from(LAST_DAY) == date(2174, 12, 31)
    assert format_wareki(FIRST_DAY) == "明治33年1月1日" and format_wareki(LAST_DAY) == "令和81年12月31日"


@pytest.mark.parametrize("field", ["birth_date", "qualified_on", "registered_on", "coverage_ends_on"])
@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2100-01-01", "9999-12-29", "9999-12-31"])
def test_every_date_of_a_command_is_in_range(field, value):
    body = {"relationship": "insured", "symbol": "1", "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
            "birth_date": "1980-01-01", "sex": "male", "qualified_on": "2020-04-01", field: value}
    with pytest.raises(ValidationError) as refused:
        commands.Enrolment.model_validate(body)
    [error] = refused.value.errors()
    assert error["loc"] == (field,) and error["type"] == "date_out_of_range"
    assert error["msg"].startswith(commands.LABELS[field] + "は 1900-01-01 から 2099-12-31")
    commands.Enrolment.model_validate({**body, field: "2099-12-31" if field != "birth_date" else "1900-01-01"})


def test_every_command_date_field_is_constrained():
    """No command keeps a plain `date` field: each is `commands.Day` (or its optional form)."""
    for model in vars(commands).values():
        if isinstance(model, type) and issubclass(model, commands.Command):
            for name, field in model.model_fields.items():
                if field.annotation in (date, date | None):
                    assert field.metadata, f"{model.__name__}.{name} is a plain date"


HEADER = ("届出種別", "記号", "番号", "続柄", "氏名", "氏名カナ", "生年月日", "性別", "資格取得日",
          "標準報酬月額", "受付日")


def _row(**cells):
    values = {"届出種別": "資格取得", "記号": "1001", "番号": "5", "続柄": "本人", "氏名": "山田 太郎",
              "氏名カナ": "ヤマダ タロウ", "生年月日": "昭和55年5月10日", "性別": "男", "資格取得日": "2025-04-01",
              "標準報酬月額": "300000", "受付日": "2025-04-02", **cells}
    return parse_row(2, [values[c] for c in HEADER], Header({f: i for i, f in enumerate(
        ("kind", "symbol", "number", "kinship", "name", "name_kana", "birth_date", "sex", "qualified_on",
         "standard_monthly_remuneration", "registered_on"))}, len(HEADER)), date(2025, 4, 2), "06139992")


@pytest.mark.parametrize(("column", "value"), [("受付日", "0001-01-01"), ("受付日", "9999-12-31"),
                                               ("受付日", "R82.1.1"), ("生年月日", "明治32年12月31日"),
                                               ("資格取得日", "21000101")])
def test_a_date_cell_of_an_employers_file_is_in_range(column, value):
    errors = _row(**{column: value})
    assert [(e.column, e.code) for e in errors] == [(column, "date_out_of_range")]
    assert errors[0].message.startswith(f"{column}は 1900-01-01 から 2099-12-31")


def test_the_edges_in_wareki_are_read():
    assert _row(生年月日="明治33年1月1日", 資格取得日="昭和25年4月1日").birth_date == FIRST_DAY
    assert _row(受付日="R81.12.31").registered_on == LAST_DAY
