"""事業所 (domain.employers, domain.employer_file): validity by date at its boundaries, the
enrolment check (D-111), field checks and the rows of an employers' CSV."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from shikaku.domain import employer_file
from shikaku.domain.employers import (
    DEFAULT_APPLIED_ON,
    Employer,
    changed_employer,
    check_employer,
    new_employer,
)
from shikaku.domain.errors import DomainError

DAY = timedelta(days=1)
APPLIED, WITHDRAWN = date(2010, 4, 1), date(2024, 10, 1)
EMPLOYER = Employer("1000", "さくら産業株式会社", APPLIED, withdrawn_on=WITHDRAWN)


@pytest.mark.parametrize("on, in_force", [(APPLIED - DAY, False), (APPLIED, True), (WITHDRAWN - DAY, True),
                                          (WITHDRAWN, False)])
def test_in_force_from_the_applied_day_until_the_day_before_withdrawal(on, in_force):
    assert EMPLOYER.in_force(on) is in_force


def test_an_employer_that_never_left_stays_in_force():
    assert Employer("1", "無期限", APPLIED).in_force(date(2099, 12, 31))


def test_no_employer_kept_accepts_any_symbol():
    check_employer(None, date(2026, 4, 1), employers_kept=False, symbol="99999999")


@pytest.mark.parametrize("employer, on", [(None, date(2020, 4, 1)), (EMPLOYER, APPLIED - DAY),
                                          (EMPLOYER, WITHDRAWN)])
def test_unknown_or_not_in_force_is_unknown_employer_once_kept(employer, on):
    with pytest.raises(DomainError) as refused:
        check_employer(employer, on, employers_kept=True, symbol="1000")
    assert (refused.value.code, refused.value.field, refused.value.status) == ("unknown_employer", "symbol", 422)


@pytest.mark.parametrize("on", [APPLIED, WITHDRAWN - DAY])
def test_in_force_employer_is_accepted_once_kept(on):
    check_employer(EMPLOYER, on, employers_kept=True, symbol="1000")


def test_new_employer_normalises_and_defaults_the_applied_day():
    made = new_employer("１２３４", "  さくら   精機 ", postcode="1000005", phone="03ー1234ー5678")
    assert (made.symbol, made.name, made.postcode, made.phone) == ("1234", "さくら 精機", "100-0005", "03-1234-5678")
    assert made.applied_on == DEFAULT_APPLIED_ON == date(1900, 1, 1)


@pytest.mark.parametrize("fields, code, field", [
    ({"symbol": "123456789"}, "too_long", "symbol"), ({"name": " "}, "missing_field", "name"),
    ({"name": "あ" * 101}, "too_long", "name"), ({"phone": "1234-5678"}, "invalid_phone", "phone"),
    ({"phone": "03-123-456"}, "invalid_phone", "phone"),
    ({"applied_on": APPLIED, "withdrawn_on": APPLIED}, "invalid_period", "withdrawn_on"),
])
def test_new_employer_refusals_name_their_field(fields, code, field):
    typed = {"symbol": "1", "name": "試験", **fields}
    with pytest.raises(DomainError) as refused:
        new_employer(**typed)
    assert refused.value.field == field
    assert refused.value.code == code or field == "symbol"


def test_withdrawal_the_day_after_applying_is_accepted():
    assert new_employer("1", "試験", APPLIED, withdrawn_on=APPLIED + DAY).withdrawn_on == APPLIED + DAY


def test_changed_employer_keeps_symbol_and_applied_day():
    with pytest.raises(DomainError) as refused:
        changed_employer(EMPLOYER, {"applied_on": APPLIED - DAY})
    assert refused.value.code == "not_updatable"
    cleared = changed_employer(Employer("1", "名", APPLIED, phone="03-1234-5678"), {"phone": None})
    assert cleared.phone is None


def _header(*labels):
    header = employer_file.read_header(list(labels))
    assert not isinstance(header, list), header
    return header


def test_a_row_in_wareki_and_full_width():
    header = _header("記号", "名称", "適用年月日", "脱退日")
    row = employer_file.parse_row(2, ["１００１", "試験商事", "R2.4.1", "令和8年3月31日"], header)
    assert row == Employer("1001", "試験商事", date(2020, 4, 1), withdrawn_on=date(2026, 3, 31))


def test_header_errors():
    errors = employer_file.read_header(["記号", "記号", "色"])
    assert {e.code for e in errors} == {"duplicate_column", "unknown_column", "missing_column"}
    assert all(e.row == 1 for e in errors)


def test_row_errors_name_row_and_column():
    header = _header("記号", "名称", "電話", "適用年月日", "脱退日")
    errors = employer_file.parse_row(7, ["", "試験", "12", "2026-02-30", ""], header)
    assert {(e.row, e.column, e.code) for e in errors} == {
        (7, "記号", "missing_value"), (7, "電話", "invalid_phone"), (7, "適用年月日", "invalid_date")}
    period = employer_file.parse_row(8, ["1", "試験", "", "2020-04-01", "2020-04-01"], header)
    assert [(e.row, e.column, e.code) for e in period] == [(8, "脱退日", "invalid_period")]
