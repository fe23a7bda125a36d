"""R-NUM-1..4: insurer numbers, My Number, facility codes, digits and kana."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from shikaku.domain.errors import DomainError
from shikaku.domain.numbers import (
    looks_like_my_number,
    luhn_check_digit,
    mask_my_number,
    masked_if_my_number,
    normalize_digits,
    normalize_kana,
    validate_digits,
    validate_facility_code,
    validate_insurer_number,
    validate_my_number,
)

INSURER_EXAMPLES = ["01130012", "33120015", "06110852", "06139992"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３４５６７８９０１８", "123456789018"),
        ("1234-5678-9018", "123456789018"),
        (" 1234 5678 9018 ", "123456789018"),
        ("１２３４－５６７８　９０１８", "123456789018"),
        ("1234−5678‐9018", "123456789018"),
    ],
)
def test_r_num_4_normalize_digits(text, expected):
    assert normalize_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("  ヤマダ   　タロウ ", "ヤマダ タロウ"),
        ("ｽｽﾞｷ ｲﾁﾛｰ", "スズキ イチロー"),
        ("ヴァレンタイン・ヵヶ", "ヴァレンタイン・ヵヶ"),
    ],
)
def test_r_num_4_normalize_kana(text, expected):
    assert normalize_kana(text) == expected


@pytest.mark.parametrize("text", ["山田 太郎", "Yamada", "ヤマダ1", "", "   ", "ヤマダ、タロウ"])
def test_r_num_4_normalize_kana_refuses_non_katakana(text):
    with pytest.raises(DomainError) as caught:
        normalize_kana(text)
    assert caught.value.code == "invalid_kana"
    assert "フリガナ" in caught.value.message
    assert caught.value.field is None


@pytest.mark.parametrize("number", INSURER_EXAMPLES)
def test_r_num_1_check_digit_of_examples(number):
    assert luhn_check_digit(number[:-1]) == number[-1]


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_r_num_1_check_digit_matches_stdnum_luhn(payload):
    assert luhn_check_digit(payload) == luhn.calc_check_digit(payload)


@pytest.mark.parametrize("number", INSURER_EXAMPLES)
def test_r_num_1_valid_insurer_numbers(number):
    assert validate_insurer_number(number) == number


def test_r_num_4_insurer_number_full_width():
    assert validate_insurer_number("０６１３９９９２") == "06139992"


@pytest.mark.parametrize("wrong", [d for d in "0123456789" if d != "2"])
def test_r_num_1_every_wrong_check_digit_refused(wrong):
    with pytest.raises(DomainError) as caught:
        validate_insurer_number("0113001" + wrong)
    assert caught.value.code == "invalid_insurer_number"
    assert "保険者番号" in caught.value.message
    assert caught.value.field == "insurer_number"


@pytest.mark.parametrize("text", ["0113001", "011300122", "0113001A", "", "０１１３００１２３"])
def test_r_num_1_insurer_number_format_refused(text):
    with pytest.raises(DomainError) as caught:
        validate_insurer_number(text, field="insurer")
    assert (caught.value.code, caught.value.field) == ("invalid_insurer_number", "insurer")
    assert "保険者番号" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456789018", "123456789018"),
        ("621498320257", "621498320257"),
        ("１２３４５６７８９０１８", "123456789018"),
        ("1234 5678 9018", "123456789018"),
    ],
)
def test_r_num_2_valid_my_numbers(text, expected):
    assert validate_my_number(text) == expected


@pytest.mark.parametrize("text", ["123456789017", "12345678901", "1234567890181", "12345678901X", "６２１４９８３２０２５８"])
def test_r_num_2_my_number_refused_without_echoing_it(text):
    with pytest.raises(DomainError) as caught:
        validate_my_number(text)
    error = caught.value
    assert (error.code, error.field) == ("invalid_my_number", "my_number")
    assert error.message == "個人番号（マイナンバー）の形式またはチェックデジットが正しくありません"
    clean = normalize_digits(text)
    for shown in (str(error), repr(error), error.message, *map(str, error.args)):
        assert text not in shown and clean not in shown
    assert error.__cause__ is None and error.__suppress_context__


def test_r_num_2_mask_my_number():
    assert mask_my_number("123456789018") == "********9018"


@pytest.mark.parametrize(("typed", "shown"), [
    ("123456789018", "********9018"), ("1234 5678 9018", "********9018"), ("１２３４-５６７８-９０１９", "********9019"),
    ("12345678901", "12345678901"), ("1234567890123", "1234567890123"), ("LEAKCARD0001", "LEAKCARD0001"),
    ("", "")])
def test_d_80_a_value_shaped_like_a_my_number_is_masked(typed, shown):
    assert looks_like_my_number(typed) is (shown != typed)
    assert masked_if_my_number(typed) == shown


def test_r_num_3_facility_code():
    code = "131011234" + luhn_check_digit("131011234")
    assert code == "1310112345"
    assert validate_facility_code(code) == code
    assert validate_facility_code("１３１０１１２３４５") == code


@pytest.mark.parametrize("text", ["1310112340", "131011234", "13101123455", "131011234X"])
def test_r_num_3_facility_code_refused(text):
    with pytest.raises(DomainError) as caught:
        validate_facility_code(text)
    assert (caught.value.code, caught.value.field) == ("invalid_facility_code", "code")
    assert "医療機関コード" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("１２３", "123"), ("1", "1"), ("12345678", "12345678"), (" 12-34 ", "1234")],
)
def test_r_num_4_validate_digits(text, expected):
    assert validate_digits(text, "number") == expected


@pytest.mark.parametrize(
    ("text", "field", "min_len", "max_len", "label"),
    [
        ("123456789", "number", 1, 8, "番号"),
        ("", "symbol", 1, 8, "記号"),
        ("12a", "symbol", 1, 8, "記号"),
        ("1", "branch", 2, 2, "枝番"),
    ],
)
def test_r_num_4_validate_digits_refused_naming_field(text, field, min_len, max_len, label):
    with pytest.raises(DomainError) as caught:
        validate_digits(text, field, min_len=min_len, max_len=max_len)
    assert (caught.value.code, caught.value.field) == ("invalid_digits", field)
    assert caught.value.message.startswith(label)
