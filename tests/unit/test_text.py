"""The characters a text field may hold (domain.text, D-92; issue 12, item 9): control, format,
bidi, zero-width and invisible characters are refused with a message naming the field;
ordinary Japanese names — kana, 々, ヶ, full-width spaces, kanji with their variation
selectors (異体字) — are not. The demo generator's whole name tables pass."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from shikaku.demo.population import _GIVEN, _SURNAMES
from shikaku.domain.errors import DomainError
from shikaku.domain.text import check_text, refused_character, shown
from shikaku.service_layer import commands

C0 = [chr(c) for c in range(0x00, 0x20)]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
OTHER_FORMAT = ["\u00ad", "\u180e", "\u2061", "\u2064", "\ufff9", "\U000e0001", "\U000e0041"]
SEPARATORS_AND_FILLERS = ["\u2028", "\u2029", "\u115f", "\u1160", "\u3164", "\uffa0"]
REFUSED = C0 + ["\x7f"] + C1 + BIDI + ZERO_WIDTH + OTHER_FORMAT + SEPARATORS_AND_FILLERS

JAPANESE = [
    "山田 太郎", "山田　太郎",  # ASCII or full-width space (U+3000)
    "佐々木 ヶ丘", "〆木 々子", "ヤマダ タロウ", "やまだ たろう", "ｾｲﾌﾞ", "渡邊 髙子", "𠮷田 ハナ",  # 𠮷: U+20BB7
    "辻\U000e0101 進", "葛\U000e0100城 花子", "禰\ufe00豆子",  # IVS and SVS variation selectors (異体字)
    "ジョン・スミス", "田中ー郎", "O'Brien 花子", "=HYPERLINK は名前ではないが文字としては使える",
    "\ue000田 一",  # private use: 外字 of older systems
]


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_each_refused_character_is_refused_anywhere_in_a_name(char):
    for text in (f"山田{char}太郎", f"{char}山田", f"山田{char}"):
        assert refused_character(text) == char
        with pytest.raises(DomainError) as refused:
            check_text(text, "氏名", "name")
        assert (refused.value.code, refused.value.field) == ("invalid_characters", "name")
        assert refused.value.message == "氏名に使用できない文字（制御文字など）が含まれています"
        assert char not in refused.value.message


@pytest.mark.parametrize("text", JAPANESE)
def test_ordinary_japanese_names_pass(text):
    assert refused_character(text) is None and check_text(text, "氏名") == text


def test_every_name_of_the_demo_generator_passes():
    for kanji, kana, _romaji in (*_SURNAMES, *_GIVEN[0], *_GIVEN[1]):
        assert refused_character(kanji) is None and refused_character(kana) is None, kanji


def test_a_multi_line_note_keeps_its_line_breaks_and_tabs_only():
    note = "カードを紛失。\r\n再発行手続き中\t（本人申告）"
    assert check_text(note, "備考", multiline=True) == note
    with pytest.raises(DomainError):
        check_text(note, "備考")  # a one-line field refuses them
    for char in ("\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u200b", "\u2028"):
        assert refused_character(f"行1\n行2{char}", multiline=True) == char


def test_variation_selectors_only_directly_after_a_kanji_and_one_at_a_time():
    assert refused_character("辻\U000e0101") is None and refused_character("辻\ufe00") is None
    for text in ("\U000e0101辻", "つ\U000e0101", "辻 \U000e0101", "辻\U000e0101\U000e0101", "A\ufe0f",
                 "\ufe0f"):
        assert refused_character(text) is not None, ascii(text)


def test_a_refused_value_is_shown_with_its_characters_replaced():
    assert shown("山田\x00太\x1b[31m郎\u202e") == "山田\ufffd太\ufffd[31m郎\ufffd"
    assert shown("辻\U000e0101 進") == "辻\U000e0101 進"  # an allowed selector stays
    assert shown("\U000e0101辻") == "\ufffd辻"


@pytest.mark.parametrize(("model", "values", "field", "label"), [
    (commands.Enrolment, {"name": "山田\x00太郎"}, "name", "氏名"),
    (commands.Enrolment, {"name_kana": "ヤマダ\u200bタロウ"}, "name_kana", "フリガナ"),
    (commands.Amendment, {"name": "\u202e山田", "effective_on": "2026-01-01"}, "name", "氏名"),
    (commands.MemberSearch, {"name": "山\x07"}, "name", "氏名"),
    (commands.MemberSearch, {"kana": "ヤ\u2066"}, "kana", "フリガナ"),
    (commands.CertificateApplication, {"reason": "other", "note": "理由\x00"}, "note", "備考"),
    (commands.CertificateApplication, {"reason": "other", "override_note": "確認\u202e"}, "override_note",
     "承認理由"),
    (commands.FacilityRegistration, {"code": "1310112345", "name": "医院\x1b"}, "name", "名称"),
    (commands.TokenIssue, {"role": "clerk", "subject": "tanto\x00"}, "subject", "対象"),
    (commands.CardCheck, {"payload": "abc\x00"}, "payload", "二次元コード"),
    (commands.VerificationBatch, {"service_date": "2026-06-01", "items": [
        {"method": "card_info", "insurer_number": "06139992", "symbol": "1\x00", "number": "1",
         "birth_date": "1980-01-01"}]}, "items.0.symbol", "記号"),
])
def test_every_text_field_of_the_commands_uses_the_rule(model, values, field, label):
    base = {"relationship": "insured", "symbol": "1", "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
            "birth_date": "1980-01-01", "sex": "male", "qualified_on": "2020-04-01"} \
        if model is commands.Enrolment else {}
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**base, **values})
    [error] = refused.value.errors()
    assert ".".join(str(p) for p in error["loc"]) == field and error["type"] == "invalid_characters"
    assert error["msg"] == f"{label}に使用できない文字（制御文字など）が含まれています"


def test_a_note_with_line_breaks_is_accepted():
    note = commands.CertificateApplication(reason="other", note="1行目\r\n2行目\t以上")
    assert note.note == "1行目\r\n2行目\t以上"
