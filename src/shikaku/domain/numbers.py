"""Number and kana input rules: 保険者番号, 個人番号, 医療機関コード, 記号・番号
(R-NUM-1, R-NUM-2, R-NUM-3, R-NUM-4)."""

import re
import unicodedata
from functools import lru_cache

from stdnum.exceptions import ValidationError
from stdnum.jp import in_

from shikaku.domain.errors import DomainError

# People type separators: spaces, ASCII hyphens and the dashes a Japanese IME produces.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")
_HIRAGANA_TO_KATAKANA = {c: c + 0x60 for c in (*range(0x3041, 0x3097), 0x309D, 0x309E)}
_KATAKANA = re.compile(r"[\u30A0-\u30FF]+(?: [\u30A0-\u30FF]+)*")
# Japanese labels for field names used in messages (R-NUM-4: the message names the field).
_FIELD_LABELS = {"symbol": "記号", "number": "番号", "branch": "枝番"}


def normalize_digits(text: str) -> str:
    """数字の正規化: full-width digits to ASCII (NFKC), spaces and hyphens removed (R-NUM-4)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def normalize_kana_loosely(text: str) -> str:
    """フリガナ as `normalize_kana` writes it (full-width katakana, single ASCII spaces), without
    refusing what is not kana: for comparing readings (domain.duplicates)."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_HIRAGANA_TO_KATAKANA).split())


@lru_cache(maxsize=65536)  # pure; bulk writers normalise the same readings again and again
def normalize_kana(text: str, field: str | None = None) -> str:
    """フリガナの正規化: full-width katakana, single ASCII spaces; refuses anything else (R-NUM-4)."""
    kana = normalize_kana_loosely(text)
    if not _KATAKANA.fullmatch(kana):
        raise DomainError("invalid_kana", "フリガナはカタカナで入力してください", field=field)
    return kana


def luhn_check_digit(payload: str) -> str:
    """チェックデジット (R-NUM-1): weights 2,1,2,1… from the rightmost digit, digits of products summed."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        product = int(char) * (2 - position % 2)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def _digits(text: str, field: str, code: str, label: str, min_len: int, max_len: int) -> str:
    """Normalised digits of the allowed length, or a DomainError naming the field."""
    digits = normalize_digits(text)
    if digits.isascii() and digits.isdigit() and min_len <= len(digits) <= max_len:
        return digits
    length = f"{max_len}桁" if min_len == max_len else f"{min_len}〜{max_len}桁"
    raise DomainError(code, f"{label}は{length}の数字で入力してください", field=field)


def _luhn_number(text: str, field: str, code: str, label: str, length: int) -> str:
    """A fixed-length number whose last digit is the R-NUM-1 check digit of the rest."""
    digits = _digits(text, field, code, label, length, length)
    if digits[-1] != luhn_check_digit(digits[:-1]):
        raise DomainError(code, f"{label}のチェックデジットが正しくありません", field=field)
    return digits


def validate_insurer_number(text: str, field: str = "insurer_number") -> str:
    """保険者番号: 8 digits with the R-NUM-1 check digit; returns the clean number."""
    return _luhn_number(text, field, "invalid_insurer_number", "保険者番号", 8)


def validate_facility_code(text: str, field: str = "code") -> str:
    """医療機関コード: 10 digits, the last the R-NUM-1 check digit of the first 9 (R-NUM-3)."""
    return _luhn_number(text, field, "invalid_facility_code", "医療機関コード", 10)


def validate_my_number(text: str, field: str = "my_number") -> str:
    """個人番号（マイナンバー）: 12 digits with check digit (R-NUM-2); the error never holds the input."""
    try:
        return in_.validate(normalize_digits(text))
    except ValidationError:
        # `from None` keeps the library exception (and any trace of the number) out of the error.
        raise DomainError(
            "invalid_my_number", "個人番号（マイナンバー）の形式またはチェックデジットが正しくありません", field=field
        ) from None


def mask_my_number(clear: str) -> str:
    """個人番号のマスク表示: eight asterisks and the last 4 digits."""
    return "*" * 8 + clear[-4:]


def looks_like_my_number(text: str) -> bool:
    """Whether a value typed where no 個人番号 belongs has its shape (12 digits, however typed):
    it is then never shown back nor recorded in clear (D-80)."""
    digits = normalize_digits(text)
    return len(digits) == 12 and digits.isascii() and digits.isdigit()


def masked_if_my_number(text: str) -> str:
    """`text`, or its mask when it looks like a 個人番号 (D-80)."""
    return mask_my_number(normalize_digits(text)) if looks_like_my_number(text) else text


def validate_digits(text: str, field: str, min_len: int = 1, max_len: int = 8) -> str:
    """記号・番号などの数字項目: normalised digits of length min_len..max_len (R-NUM-4)."""
    return _digits(text, field, "invalid_digits", _FIELD_LABELS.get(field, field), min_len, max_len)


_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def parse_amount(text: str, field: str | None = None, label: str = "金額") -> int:
    """金額の読み取り, the one parser of every amount typed or imported (標準報酬月額 in the web
    forms and the notification files): digits, full-width too, with or without thousands
    separators (`300,000`, `３００，０００`) and 円 at the end; spaces ignored. Anything else
    (a sign, a decimal point, a misplaced comma) is refused naming `label`."""
    compact = "".join(unicodedata.normalize("NFKC", text).split()).removesuffix("円")
    if compact.isascii() and _AMOUNT.fullmatch(compact):
        return int(compact.replace(",", ""))
    raise DomainError("invalid_amount", f"{label}は円単位の数字で入力してください（例: 300,000）", field=field)
