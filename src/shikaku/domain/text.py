"""Characters a text field may hold (issue 12, item 9; D-92): what a clerk, a member or an
employer's file types is stored, printed on cards, shown on pages and written into CSV files,
so characters that are invisible, reorder the text around them or control a terminal are
refused, with a message that names the field. Pure: no I/O.

Refused everywhere:

- control characters (Unicode category Cc: C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F) —
  but a multi-line free-text note (備考, 承認理由: a textarea, whose line breaks a browser sends
  as CR LF) keeps LF, CR and TAB;
- format characters (Cf), which are all invisible: the bidi controls (U+061C, U+200E, U+200F,
  U+202A–U+202E, U+2066–U+2069), the zero-width ones (U+200B–U+200D, U+2060, U+FEFF), the soft
  hyphen U+00AD, the tag characters U+E0000–U+E007F …; no Japanese text needs one;
- line and paragraph separators (Zl U+2028, Zp U+2029: invisible line breaks) and surrogates (Cs);
- the Hangul fillers U+115F, U+1160, U+3164, U+FFA0: letters that print as nothing.

Allowed: every letter, mark, number, punctuation and symbol — kanji, kana, ー, 々, ヶ, 〆,
full-width and other spaces (U+3000 …), private-use characters (外字 of older systems) — and
the variation selectors U+FE00–U+FE0F and U+E0100–U+E01EF that pick the 異体字 of a kanji
(Ideographic Variation Sequences: the shape of 辻 or 葛 in a family register), but only directly
after a kanji and one at a time: alone, repeated or after anything else they would make two
names that look the same compare different.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import DomainError

INVALID_CHARACTERS = "invalid_characters"  # the code of the refusal
MULTILINE = frozenset("\t\n\r")  # what a multi-line note keeps of the control characters
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_FILLERS = "\u115f\u1160\u3164\uffa0"
_HAN = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
# A filler, or a variation selector that does not follow a kanji (a second one follows a selector).
_MISPLACED = re.compile(f"[{_FILLERS}]|(?<![{_HAN}])[{_SELECTORS}]")


def _refused_category(char: str, multiline: bool) -> bool:
    return unicodedata.category(char) in _REFUSED_CATEGORIES and not (multiline and char in MULTILINE)


def refused_character(text: str, multiline: bool = False) -> str | None:
    """The first character of `text` that a text field may not hold, or None."""
    if text.isascii() and text.isprintable():  # the usual case, at C speed: nothing to look for
        return None
    if not text.isprintable():  # C speed; false for Cc, Cf, Cs, Zl, Zp (and Zs, Co, Cn: allowed)
        for char in text:
            if _refused_category(char, multiline):
                return char
    found = _MISPLACED.search(text)
    return found[0] if found else None


def shown(text: str) -> str:
    """`text` as an error may show it back: each character no text may hold replaced by U+FFFD
    (so that a refused value cannot move a terminal's cursor or hide in a report)."""
    if refused_character(text) is None:
        return text
    return "".join("\ufffd" if _refused_category(char, False) else char
                   for char in _MISPLACED.sub("\ufffd", text))


def invalid_characters_message(label: str) -> str:
    return f"{label}に使用できない文字（制御文字など）が含まれています"


def check_text(text: str, label: str, field: str | None = None, multiline: bool = False) -> str:
    """`text` unchanged, or a refusal naming the field (`label` is its Japanese name). The
    character is never put in the message: it may be invisible, or a terminal's command."""
    if refused_character(text, multiline) is not None:
        raise DomainError(INVALID_CHARACTERS, invalid_characters_message(label), field)
    return text
