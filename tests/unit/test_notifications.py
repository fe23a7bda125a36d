"""届出ファイルの行 (domain.notifications): the header, every column's bad values, each date form
(和暦 included), kana normalisation, masking of 個人番号 in errors."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.myna import MynaCard, Unusable, myna_usable, unusable_reason
from shikaku.domain.notifications import (
    APPLY_ORDER,
    Header,
    Notification,
    NotificationKind,
    masked,
    parse_row,
    read_date,
    read_header,
)
from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.domain.registry import LossReason, Relationship

TODAY = date(2026, 6, 1)
INSURER = "06139992"
COLUMNS = ("届出種別", "保険者番号", "記号", "番号", "枝番", "続柄", "本人記号", "本人番号", "氏名", "氏名カナ",
           "生年月日", "性別", "資格取得日", "資格喪失日", "喪失理由", "標準報酬月額", "住民税非課税",
           "基準収入額適用", "資格終了予定日", "個人番号", "資格確認書交付希望", "受付日", "変更日")
HEADER = read_header(COLUMNS)
ACQUISITION = {"届出種別": "資格取得", "記号": "1001", "番号": "5", "続柄": "本人", "氏名": "山田 太郎",
               "氏名カナ": "ヤマダ タロウ", "生年月日": "1980-05-10", "性別": "男", "資格取得日": "2025-04-01",
               "標準報酬月額": "300000", "個人番号": "123456789018", "受付日": "2025-04-02"}
DEPENDENT = {"届出種別": "被扶養者追加", "続柄": "配偶者", "本人記号": "1001", "本人番号": "5",
             "氏名": "山田 花子", "氏名カナ": "ヤマダ ハナコ", "生年月日": "1982-07-07", "性別": "女",
             "資格取得日": "2025-04-01", "個人番号": "621498320257"}
LOSS = {"届出種別": "資格喪失", "記号": "1001", "番号": "5", "続柄": "子", "生年月日": "2015-01-01",
        "資格喪失日": "2025-05-01", "喪失理由": "被扶養者非該当"}
CHANGE = {"届出種別": "変更", "記号": "1001", "番号": "5", "続柄": "本人", "氏名": "山田 次郎"}


def parse(base: dict, **changes):
    values = {**base, **changes}
    return parse_row(7, [values.get(column, "") for column in COLUMNS], HEADER, TODAY, INSURER)


def error(base: dict, column: str, value: str) -> tuple[str, str, str]:
    """The single error of a row whose `column` holds `value`: (column, code, shown value)."""
    result = parse(base, **{column: value})
    assert isinstance(result, list) and len(result) == 1, result
    e = result[0]
    assert e.row == 7 and e.message
    return e.column, e.code, e.value


# ---------------------------------------------------------------------- header

def test_header_in_any_order_with_half_width_kana():
    header = read_header(["氏名ｶﾅ", " 届出種別 ", "記号"])
    assert isinstance(header, Header)
    assert header.index == {"name_kana": 0, "kind": 1, "symbol": 2}


@pytest.mark.parametrize(("cells", "code", "column"), [
    (["届出種別", "電話番号"], "unknown_column", "電話番号"),
    (["届出種別", "氏名", "氏名"], "duplicate_column", "氏名"),
    (["記号", "番号"], "missing_column", "届出種別"),
])
def test_header_refusals(cells, code, column):
    errors = read_header(cells)
    assert [(e.row, e.column, e.code) for e in errors] == [(1, column, code)]


# ---------------------------------------------------------------------- valid rows

def test_an_insured_acquisition():
    n = parse(ACQUISITION, 住民税非課税="1", 資格確認書交付希望="1", 資格終了予定日="2027-03-31")
    assert isinstance(n, Notification)
    assert (n.kind, n.relationship, n.family_symbol, n.family_number) == (
        NotificationKind.ACQUISITION, Relationship.INSURED, "1001", "5")
    assert (n.birth_date, n.qualified_on, n.registered_on) == (
        date(1980, 5, 10), date(2025, 4, 1), date(2025, 4, 2))
    assert (n.sex, n.standard_monthly_remuneration, n.my_number) == ("male", 300000, "123456789018")
    assert n.resident_tax_exempt and n.certificate_requested and n.coverage_ends_on == date(2027, 3, 31)


def test_the_number_of_a_new_insured_may_be_left_to_the_society():
    n = parse(ACQUISITION, 番号="", 続柄="", 個人番号="", 受付日="")
    assert n.family_number is None and n.relationship is Relationship.INSURED
    assert n.my_number is None and n.registered_on == TODAY  # 受付日 defaults to today


def test_a_dependent_names_the_insured_by_either_pair_of_columns():
    n = parse(DEPENDENT)
    assert (n.kind, n.relationship, n.kinship) == (
        NotificationKind.DEPENDENT, Relationship.DEPENDENT, "spouse")
    assert (n.family_symbol, n.family_number) == ("1001", "5")
    same = parse(DEPENDENT, 本人記号="", 本人番号="", 記号="1001", 番号="5")
    assert (same.family_symbol, same.family_number) == ("1001", "5")
    assert parse(DEPENDENT, 記号="1001", 番号="5").family_number == "5"


@pytest.mark.parametrize(("label", "kinship"), [("配偶者", "spouse"), ("子", "child"), ("父母", "parent"),
                                                ("その他", "other")])
def test_kinships(label, kinship):
    assert parse(DEPENDENT, 続柄=label).kinship == kinship


def test_a_loss_and_its_reasons():
    n = parse(LOSS)
    assert (n.kind, n.disqualified_on, n.reason, n.birth_date) == (
        NotificationKind.LOSS, date(2025, 5, 1), LossReason.DEPENDENT_INELIGIBLE, date(2015, 1, 1))
    for label, reason in (("退職", LossReason.RETIREMENT), ("死亡", LossReason.DEATH),
                          ("事業所脱退", LossReason.EMPLOYER_LEFT), ("他保険加入", LossReason.OTHER_INSURANCE),
                          ("その他", LossReason.OTHER), ("retirement", LossReason.RETIREMENT)):
        assert parse(LOSS, 喪失理由=label).reason is reason
    assert parse(LOSS, 生年月日="", 枝番="2").branch == "02"


def test_a_change_keeps_only_the_given_attributes():
    n = parse(CHANGE, 標準報酬月額="320,000", 住民税非課税="0", 変更日="R7.9.1")
    assert n.changes == {"name": "山田 次郎", "standard_monthly_remuneration": 320000,
                         "resident_tax_exempt": False}
    assert n.effective_on == date(2025, 9, 1)
    assert parse(CHANGE, 変更日="").effective_on == TODAY  # the 受付日 by default
    only_my_number = parse(CHANGE, 氏名="", 個人番号="123456789018")
    assert only_my_number.changes == {} and only_my_number.my_number == "123456789018"


def test_columns_a_kind_does_not_use_are_ignored():
    n = parse(LOSS, 氏名="山田 一", 個人番号="123456789018", 資格取得日="2020-01-01")
    assert n.name is None and n.my_number is None and n.qualified_on is None


def test_pack_and_unpack_give_back_the_same_row():
    for row in (parse(ACQUISITION, 資格終了予定日="2030-01-01"), parse(DEPENDENT), parse(LOSS),
                parse(CHANGE, 変更日="2025-09-01")):
        assert Notification.unpack(row.pack()) == row


def test_safe_order():
    kinds = sorted(NotificationKind, key=APPLY_ORDER.get)
    assert kinds == [NotificationKind.ACQUISITION, NotificationKind.DEPENDENT, NotificationKind.CHANGE,
                     NotificationKind.LOSS]


# ---------------------------------------------------------------------- dates

@pytest.mark.parametrize(("text", "day"), [
    ("2025-04-01", date(2025, 4, 1)),
    ("2025/4/1", date(2025, 4, 1)),
    ("2025.4.1", date(2025, 4, 1)),
    ("20250401", date(2025, 4, 1)),
    ("２０２５／４／１", date(2025, 4, 1)),
    ("令和7年4月1日", date(2025, 4, 1)),
    ("R7.4.1", date(2025, 4, 1)),
    ("r7.4.1", date(2025, 4, 1)),
    ("令和元年5月1日", date(2019, 5, 1)),
    ("R1.5.1", date(2019, 5, 1)),
    ("平成31年4月30日", date(2019, 4, 30)),
    ("H31.4.30", date(2019, 4, 30)),
    ("平成元年1月8日", date(1989, 1, 8)),
    ("昭和64年1月7日", date(1989, 1, 7)),
    ("S55.5.10", date(1980, 5, 10)),
    ("昭和55年5月10日", date(1980, 5, 10)),
    ("Ｒ７．４．１", date(2025, 4, 1)),
])
def test_each_date_form(text, day):
    assert read_date(text) == day
    assert parse(ACQUISITION, 資格取得日=text, 生年月日="1960-01-01").qualified_on == day


@pytest.mark.parametrize("text", ["2025-02-30", "平成31年5月1日", "R0.4.1", "令和7年13月1日", "2025年4月1日",
                                  "4/1", "abc", "S65.1.1"])
def test_impossible_or_unknown_dates(text):
    assert error(ACQUISITION, "資格取得日", text) == ("資格取得日", "invalid_date", text)


# ---------------------------------------------------------------------- kana and names

@pytest.mark.parametrize(("text", "kana"), [
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
    ("ﾊﾟﾊﾟ", "パパ"),
    ("やまだ　たろう", "ヤマダ タロウ"),
    (" ヤマダ  タロウ ", "ヤマダ タロウ"),
])
def test_kana_is_stored_full_width(text, kana):
    assert parse(ACQUISITION, 氏名カナ=text).name_kana == kana


def test_names_keep_one_space():
    assert parse(ACQUISITION, 氏名="山田　　太郎").name == "山田 太郎"


# ---------------------------------------------------------------------- every column's bad values

@pytest.mark.parametrize(("base", "column", "value", "code"), [
    (ACQUISITION, "届出種別", "加入", "invalid_kind"),
    (ACQUISITION, "届出種別", "", "missing_value"),
    (ACQUISITION, "保険者番号", "01130012", "insurer_mismatch"),
    (ACQUISITION, "保険者番号", "06139993", "invalid_insurer_number"),
    (ACQUISITION, "記号", "10a1", "invalid_digits"),
    (ACQUISITION, "記号", "123456789", "invalid_digits"),
    (ACQUISITION, "記号", "", "missing_value"),
    (ACQUISITION, "番号", "5-a", "invalid_digits"),
    (ACQUISITION, "続柄", "兄", "invalid_relationship"),
    (ACQUISITION, "続柄", "子", "kind_relationship_mismatch"),
    (ACQUISITION, "本人番号", "6", "family_mismatch"),
    (ACQUISITION, "氏名", "", "missing_value"),
    (ACQUISITION, "氏名", "山" * 101, "too_long"),
    (ACQUISITION, "氏名カナ", "山田 太郎", "invalid_kana"),
    (ACQUISITION, "氏名カナ", "ア" * 101, "too_long"),
    (ACQUISITION, "氏名カナ", "", "missing_value"),
    (ACQUISITION, "生年月日", "1980-02-30", "invalid_date"),
    (ACQUISITION, "生年月日", "", "missing_value"),
    (ACQUISITION, "資格取得日", "1980-05-09", "invalid_period"),
    (ACQUISITION, "生年月日", "1950-03-31", "late_elderly"),
    (ACQUISITION, "性別", "X", "invalid_sex"),
    (ACQUISITION, "性別", "", "missing_value"),
    (ACQUISITION, "資格取得日", "", "missing_value"),
    (ACQUISITION, "資格喪失日", "2025-05-01", "not_for_kind"),
    (ACQUISITION, "喪失理由", "退職", "not_for_kind"),
    (ACQUISITION, "標準報酬月額", "三十万", "invalid_remuneration"),
    (ACQUISITION, "標準報酬月額", "301000", "invalid_remuneration"),
    (ACQUISITION, "標準報酬月額", "", "missing_value"),
    (ACQUISITION, "住民税非課税", "2", "invalid_flag"),
    (ACQUISITION, "資格確認書交付希望", "はい", "invalid_flag"),
    (ACQUISITION, "資格終了予定日", "2027-02-29", "invalid_date"),
    (ACQUISITION, "受付日", "2025-04-31", "invalid_date"),
    (DEPENDENT, "続柄", "本人", "kind_relationship_mismatch"),
    (DEPENDENT, "続柄", "", "missing_value"),
    (DEPENDENT, "本人記号", "", "missing_value"),
    (DEPENDENT, "本人番号", "", "missing_value"),
    (DEPENDENT, "本人番号", "x", "invalid_digits"),
    (DEPENDENT, "番号", "6", "family_mismatch"),
    (DEPENDENT, "標準報酬月額", "300000", "not_for_dependent"),
    (DEPENDENT, "住民税非課税", "1", "not_for_dependent"),
    (LOSS, "資格喪失日", "", "missing_value"),
    (LOSS, "資格喪失日", "R7.2.29", "invalid_date"),
    (LOSS, "喪失理由", "", "missing_value"),
    (LOSS, "喪失理由", "転職", "invalid_reason"),
    (LOSS, "喪失理由", "late_elderly", "invalid_reason"),
    (LOSS, "枝番", "ab", "invalid_digits"),
    (LOSS, "枝番", "00", "member_mismatch"),
    (LOSS, "生年月日", "", "missing_value"),
    (CHANGE, "変更日", "2025-09-31", "invalid_date"),
    (CHANGE, "標準報酬月額", "301000", "invalid_remuneration"),
    (CHANGE, "基準収入額適用", "3", "invalid_flag"),
    (CHANGE, "氏名カナ", "ﾔﾏﾀﾞ1", "invalid_kana"),
])
def test_every_columns_bad_values(base, column, value, code):
    if (base, column, value) == (LOSS, "生年月日", ""):
        column_seen = "生年月日"  # a dependent's loss needs 枝番 or 生年月日
    else:
        column_seen = column
    seen, found, shown = error(base, column, value)
    assert (seen, found) == (column_seen, code)
    assert shown == value or len(value) > 40


def test_a_change_of_a_dependent_may_not_set_the_insureds_attributes():
    assert error({**CHANGE, "続柄": "子", "生年月日": "2015-01-01"}, "標準報酬月額", "300000")[1] == \
        "not_for_dependent"


def test_a_change_without_anything_to_change():
    result = parse(CHANGE, 氏名="")
    assert [(e.column, e.code) for e in result] == [("届出種別", "nothing_to_change")]


def test_more_cells_than_the_header():
    values = [ACQUISITION.get(column, "") for column in COLUMNS] + ["余分"]
    result = parse_row(9, values, HEADER, TODAY, INSURER)
    assert [(e.row, e.code) for e in result] == [(9, "wrong_field_count")]


def test_missing_cells_at_the_end_are_empty():
    values = [ACQUISITION.get(column, "") for column in COLUMNS]
    assert isinstance(parse_row(9, values[:-2], HEADER, TODAY, INSURER), Notification)


def test_every_error_of_a_row_is_reported():
    result = parse(ACQUISITION, 性別="X", 標準報酬月額="1", 個人番号="1")
    assert {e.code for e in result} == {"invalid_sex", "invalid_remuneration", "invalid_my_number"}


# ---------------------------------------------------------------------- 個人番号

def test_a_bad_my_number_is_masked_in_the_error():
    assert error(ACQUISITION, "個人番号", "123456789019") == ("個人番号", "invalid_my_number", "********9019")
    assert error(ACQUISITION, "個人番号", "12") == ("個人番号", "invalid_my_number", "**")


def test_a_my_number_in_another_column_is_masked_too():
    column, code, shown = error(ACQUISITION, "番号", "1234 5678 9018")
    assert (column, code, shown) == ("番号", "invalid_digits", "********9018")
    assert masked("氏名", "１２３４５６７８９０１８") == "********9018"
    assert masked("氏名", "山田 太郎") == "山田 太郎"
    assert len(masked("氏名", "あ" * 60)) == 40


# ---------------------------------------------------------------------- why マイナ保険証 does not work

ON = date(2026, 6, 1)
CARD = MynaCard("C1", date(2030, 1, 1), date(2023, 1, 1))


@pytest.mark.parametrize(("online_from", "cards", "reason"), [
    (None, [CARD], Unusable.NO_MY_NUMBER),
    (date(2026, 6, 2), [CARD], Unusable.NOT_PUBLISHED),
    (date(2026, 1, 1), [], Unusable.NO_CARD),
    (date(2026, 1, 1), [MynaCard("C1", date(2030, 1, 1))], Unusable.NOT_REGISTERED),
    (date(2026, 1, 1), [MynaCard("C1", date(2030, 1, 1), date(2026, 6, 2))], Unusable.NOT_REGISTERED),
    (date(2026, 1, 1), [MynaCard("C1", date(2030, 1, 1), date(2023, 1, 1), date(2026, 6, 1))],
     Unusable.CANCELLED),
    (date(2026, 1, 1), [MynaCard("C1", date(2026, 2, 27), date(2023, 1, 1))], Unusable.CERTIFICATE_EXPIRED),
    (date(2026, 1, 1), [MynaCard("C1", date(2026, 3, 1), date(2023, 1, 1))], None),  # grace to 06-30
    (date(2026, 6, 1), [CARD], None),
])
def test_unusable_reason_is_the_reverse_of_myna_usable(online_from, cards, reason):
    assert unusable_reason(online_from, cards, ON, DEFAULT_POLICY) is reason
    assert (reason is None) == myna_usable(online_from, cards, ON, DEFAULT_POLICY)
