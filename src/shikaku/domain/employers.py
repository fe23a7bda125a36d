"""事業所 (an employer): each 記号 of the registry is one employer, with its 名称, 所在地 (郵便番号
and address), 電話, 適用年月日 (the day the society's insurance applies to it) and 脱退日 (the day
it left: 全喪・適用事業所でなくなった日). Validation of what a clerk or an employers' CSV types,
the rule of validity by date, and the enrolment check every writer reaches through
`Family.enrol_insured` (D-111 … D-114). Pure: no I/O."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from .addresses import EmployerPost, normalize_address, normalize_postcode
from .dates import FIRST_DAY, check_date
from .errors import DomainError
from .numbers import validate_digits
from .text import check_text

MAX_NAME = 100  # employers.name
MAX_PHONE = 20  # employers.phone
# When a 適用年月日 is not given, the employer applies from the earliest day a 資格取得日 may
# have (domain.dates, D-92): a society that registers its employers after its members loses
# nothing by it (D-112).
DEFAULT_APPLIED_ON = FIRST_DAY
LABELS = {"symbol": "記号", "name": "名称", "postcode": "郵便番号", "address": "所在地", "phone": "電話番号",
          "applied_on": "適用年月日", "withdrawn_on": "脱退日", "mail_via": "事業所経由の送付"}
# The dashes people type in a phone number (an IME's full-width ones included).
_PHONE_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff0d\uff70]")
_PHONE = re.compile(r"\d+(?:-\d+)*")


@dataclass(frozen=True, slots=True)
class Employer:
    """事業所: one 記号 of the registry."""

    symbol: str
    name: str
    applied_on: date  # 適用年月日: its insured may be enrolled from this day
    postcode: str | None = None  # NNN-NNNN
    address: str | None = None  # 所在地
    phone: str | None = None
    withdrawn_on: date | None = None  # 脱退日: no enrolment from this day on
    mail_via: bool = False  # the society mails its members' documents through the employer

    def in_force(self, on: date) -> bool:
        """適用中: on day `on` the employer is in force when applied_on ≤ on and it has not
        withdrawn by then (on < withdrawn_on): the 脱退日 itself is no longer covered."""
        return self.applied_on <= on and (self.withdrawn_on is None or on < self.withdrawn_on)

    @property
    def post(self) -> EmployerPost:
        """What an address block needs of it (domain.addresses)."""
        return EmployerPost(self.name, self.postcode, self.address, self.mail_via)


# ---------------------------------------------------------------------- one field each

def validate_symbol(text: str) -> str:
    """記号: 1–8 digits (full-width and separators normalised, R-NUM-4)."""
    return validate_digits(text, "symbol", 1, 8)


def validate_name(text: str) -> str:
    """名称: 1–100 characters, spaces collapsed, no control characters."""
    check_text(text or "", LABELS["name"], "name")
    name = " ".join((text or "").split())
    if not name:
        raise DomainError("missing_field", "事業所の名称を入力してください", "name")
    if len(name) > MAX_NAME:
        raise DomainError("too_long", f"名称は{MAX_NAME}文字以内で入力してください（{len(name)}文字）", "name")
    return name


def validate_phone(text: str) -> str:
    """電話番号: digits and hyphens (full-width ones accepted), 10 or 11 digits, as Japanese
    numbers are (固定 10, 携帯・IP 11, 0120/0570 10), starting with 0 (D-113)."""
    phone = _PHONE_DASHES.sub("-", unicodedata.normalize("NFKC", text or "").strip())
    digits = phone.replace("-", "")
    if not (phone.isascii() and _PHONE.fullmatch(phone) and digits.startswith("0")
            and 10 <= len(digits) <= 11 and len(phone) <= MAX_PHONE):
        raise DomainError("invalid_phone", "電話番号は0から始まる10桁または11桁の数字とハイフンで入力してください"
                          "（例：03-1234-5678）", "phone")
    return phone


def validate_postcode(text: str) -> str:
    """郵便番号: 7 digits, stored as NNN-NNNN (domain.addresses)."""
    return normalize_postcode(text, "postcode")


def validate_address(text: str) -> str:
    """所在地: 1–200 characters as a member's address (domain.addresses)."""
    return normalize_address(text, "address")


def validate_period(applied_on: date, withdrawn_on: date | None) -> None:
    """適用年月日 and 脱退日 within the application's days (D-92), the 脱退日 after the 適用年月日."""
    check_date(applied_on, LABELS["applied_on"], "applied_on")
    if withdrawn_on is not None:
        check_date(withdrawn_on, LABELS["withdrawn_on"], "withdrawn_on")
        if withdrawn_on <= applied_on:
            raise DomainError("invalid_period", "脱退日は適用年月日より後の日付にしてください", "withdrawn_on")


def _optional(value: str | None, check) -> str | None:
    return check(value) if value is not None and value.strip() else None


def new_employer(symbol: str, name: str, applied_on: date | None = None, postcode: str | None = None,
                 address: str | None = None, phone: str | None = None, withdrawn_on: date | None = None,
                 mail_via: bool = False) -> Employer:
    """An employer as typed, each field normalised and checked (the first refusal raised); an
    empty optional field is no value."""
    applied_on = DEFAULT_APPLIED_ON if applied_on is None else applied_on
    employer = Employer(validate_symbol(symbol), validate_name(name), applied_on,
                        _optional(postcode, validate_postcode), _optional(address, validate_address),
                        _optional(phone, validate_phone), withdrawn_on, bool(mail_via))
    validate_period(employer.applied_on, employer.withdrawn_on)
    return employer


UPDATABLE = ("name", "postcode", "address", "phone", "withdrawn_on", "mail_via")


def changed_employer(employer: Employer, changes: dict) -> Employer:
    """The employer with `changes` (of UPDATABLE; None clears an optional field), checked. The
    記号 and the 適用年月日 never change: a 記号 is the key of its members' records."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise DomainError("not_updatable", "この項目は変更できません", unknown[0])
    fields = {}
    for field, value in changes.items():
        if field == "name":
            if value is None:
                raise DomainError("missing_field", "事業所の名称を入力してください", "name")
            fields[field] = validate_name(value)
        elif field in ("postcode", "address", "phone"):
            check = {"postcode": validate_postcode, "address": validate_address, "phone": validate_phone}[field]
            fields[field] = None if value is None else _optional(value, check)
        elif field == "mail_via":
            fields[field] = bool(value)
        else:
            fields[field] = value
    updated = replace(employer, **fields)
    validate_period(updated.applied_on, updated.withdrawn_on)
    return updated


# ---------------------------------------------------------------------- the enrolment check

def unknown_employer(symbol: str) -> DomainError:
    return DomainError("unknown_employer",
                       f"記号 {symbol} の事業所が登録されていないか、資格取得日に適用されていません",
                       "symbol", status=422)


def check_employer(employer: Employer | None, qualified_on: date, employers_kept: bool,
                   symbol: str | None = None) -> None:
    """資格取得届 of an insured: once the society keeps employers (at least one is registered),
    the 記号 must be an employer in force on the 資格取得日 (D-111). A society that migrates
    in may enrol before it has loaded its employers; a dependent is not checked (their
    insured's 記号 was)."""
    if not employers_kept:
        return
    symbol = symbol or (employer.symbol if employer else "")
    if employer is None or employer.symbol != symbol or not employer.in_force(qualified_on):
        raise unknown_employer(symbol)
