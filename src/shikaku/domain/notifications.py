"""届出ファイルの行 (one row of an employer's notification file): 資格取得届, 被扶養者異動届
(追加), 資格喪失届 and 変更届 in bulk, read into a `Notification` or into the list of what is
wrong with it (row, column, value with the 個人番号 masked, reason in Japanese).

Pure: no I/O. Every column is read with the registry's own rules (numbers, kana, 和暦 dates,
標準報酬月額, 喪失理由, the enrolment checks), every cell with the characters a text field may
hold (`domain.text`) and every date within the application's range (`domain.dates`, D-92);
the checks that need the registry (does the
insured exist, is the 個人番号 in use …) are the service layer's (`service_layer.exchange`).
The format is documented in docs/formats.md.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any, Callable, Sequence

from .dates import check_date
from .errors import DomainError
from .family import check_enrolment
from .numbers import (
    mask_my_number,
    normalize_digits,
    normalize_kana,
    parse_amount,
    validate_digits,
    validate_insurer_number,
    validate_my_number,
)
from .registrations import INSURED_ATTRIBUTES
from .registry import REGISTRABLE_LOSS_REASONS, SEX_LABELS, LossReason, Relationship
from .remuneration import validate_remuneration
from .text import INVALID_CHARACTERS, invalid_characters_message, refused_character, shown
from .wareki import parse_date


class NotificationKind(StrEnum):
    """届出種別 (the value is the label in the file)."""

    ACQUISITION = "資格取得"  # 資格取得届 of an insured (被保険者)
    DEPENDENT = "被扶養者追加"  # 被扶養者異動届 (追加)
    LOSS = "資格喪失"  # 資格喪失届 (insured or dependent)
    CHANGE = "変更"  # 変更届: name, kana, remuneration … or the 個人番号


# Safe order of application (the order in the file does not matter): an insured before their
# dependents, changes after the enrolments, losses last.
APPLY_ORDER = {NotificationKind.ACQUISITION: 0, NotificationKind.DEPENDENT: 1,
               NotificationKind.CHANGE: 2, NotificationKind.LOSS: 3}

# Header label -> field. The first block is the employers' format; the second the columns the
# national registration file adds (a file may carry them too).
COLUMNS = {
    "届出種別": "kind", "記号": "symbol", "番号": "number", "続柄": "kinship",
    "本人記号": "insured_symbol", "本人番号": "insured_number", "氏名": "name",
    "氏名カナ": "name_kana", "生年月日": "birth_date", "性別": "sex", "資格取得日": "qualified_on",
    "資格喪失日": "disqualified_on", "喪失理由": "reason",
    "標準報酬月額": "standard_monthly_remuneration", "個人番号": "my_number",
    "住民税非課税": "resident_tax_exempt", "資格確認書交付希望": "certificate_requested",
    "受付日": "registered_on",
    "保険者番号": "insurer_number", "枝番": "branch", "変更日": "effective_on",
    "資格終了予定日": "coverage_ends_on", "基準収入額適用": "income_declared_low",
}
# Field -> header label, also for the fields named by the registry's errors.
LABELS = {field: label for label, field in COLUMNS.items()} | {"insured_id": "本人番号"}

MY_NUMBER_COLUMN = LABELS["my_number"]
KINSHIP_LABELS = {"spouse": "配偶者", "child": "子", "parent": "父母", "other": "その他"}
_KINSHIPS = {label: kinship for kinship, label in KINSHIP_LABELS.items()}
LOSS_REASON_LABELS = {
    LossReason.RETIREMENT: "退職", LossReason.DEATH: "死亡", LossReason.EMPLOYER_LEFT: "事業所脱退",
    LossReason.DEPENDENT_INELIGIBLE: "被扶養者非該当", LossReason.OTHER_INSURANCE: "他保険加入",
    LossReason.OTHER: "その他"}
_REASONS = {label: reason for reason, label in LOSS_REASON_LABELS.items()} | {
    reason.value: reason for reason in REGISTRABLE_LOSS_REASONS}
_SEXES = {label: sex for sex, label in SEX_LABELS.items()} | {
    "男性": "male", "女性": "female", "1": "male", "2": "female"}
_FLAGS = {"0": False, "1": True}
# Attributes a 変更 row may change (registry.AMENDABLE minus what a file cannot express).
CHANGEABLE = ("name", "name_kana", "standard_monthly_remuneration", "resident_tax_exempt",
              "income_declared_low", "coverage_ends_on")
MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with a file: the row (the header is row 1; None for the whole file), the
    column label, the value as it was written (a 個人番号 masked) and the reason in Japanese."""

    row: int | None
    column: str | None
    value: str
    code: str
    message: str


@dataclass(slots=True)
class Notification:
    """One valid row. `family_symbol` / `family_number` name the insured's 記号・番号 (None for
    the number of a new insured: it is handed out). Fields a kind does not use are None."""

    row: int
    kind: NotificationKind
    relationship: Relationship
    kinship: str | None
    family_symbol: str
    family_number: str | None
    branch: str | None
    registered_on: date
    name: str | None = None
    name_kana: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    qualified_on: date | None = None
    disqualified_on: date | None = None
    reason: LossReason | None = None
    standard_monthly_remuneration: int | None = None
    resident_tax_exempt: bool | None = None
    income_declared_low: bool | None = None
    coverage_ends_on: date | None = None
    my_number: str | None = None
    certificate_requested: bool = False
    effective_on: date | None = None

    @property
    def changes(self) -> dict[str, Any]:
        """The attributes a 変更 row sets (those given)."""
        return {field: getattr(self, field) for field in CHANGEABLE if getattr(self, field) is not None}

    def pack(self) -> tuple:
        """The row as plain values (dates as ordinals, enums as their values), for a scratch
        store; `unpack` reverses it. (Written out: it runs for every row of a big file.)"""
        return (self.row, self.kind._value_, self.relationship._value_, self.kinship, self.family_symbol,
                self.family_number, self.branch, self.registered_on.toordinal(), self.name, self.name_kana,
                _ordinal(self.birth_date), self.sex, _ordinal(self.qualified_on),
                _ordinal(self.disqualified_on),
                self.reason._value_ if self.reason else None, self.standard_monthly_remuneration,
                self.resident_tax_exempt, self.income_declared_low, _ordinal(self.coverage_ends_on),
                self.my_number, self.certificate_requested, _ordinal(self.effective_on))

    @classmethod
    def unpack(cls, v: tuple) -> Notification:
        return cls(v[0], _KINDS[v[1]], _RELATIONSHIPS[v[2]], v[3], v[4], v[5], v[6], date.fromordinal(v[7]),
                   v[8], v[9], _day(v[10]), v[11], _day(v[12]), _day(v[13]), _REASON_VALUES.get(v[14]), v[15],
                   v[16], v[17], _day(v[18]), v[19], v[20], _day(v[21]))


def _ordinal(value: date | None) -> int | None:
    return value.toordinal() if value is not None else None


def _day(value: int | None) -> date | None:
    return date.fromordinal(value) if value is not None else None


_KINDS = {kind.value: kind for kind in NotificationKind}
_RELATIONSHIPS = {relationship.value: relationship for relationship in Relationship}
_REASON_VALUES = {reason.value: reason for reason in LossReason}


def masked(column: str | None, value: str) -> str:
    """The value as an error may show it: a 個人番号 (or anything that looks like one, in any
    column) is masked to its last 4 digits; long values are shortened; characters no text may
    hold (a terminal's escape codes, invisible ones) are shown as �."""
    digits = normalize_digits(value)
    if column == MY_NUMBER_COLUMN or (len(digits) >= 12 and digits.isdigit()):
        return mask_my_number(digits) if len(digits) >= 4 else "*" * len(value)
    value = shown(value)
    return value if len(value) <= 40 else value[:39] + "…"


def row_error(row: int | None, column: str | None, value: str, code: str, message: str) -> RowError:
    return RowError(row, column, masked(column, value), code, message)


def error_from(row: int | None, value: str, exc: DomainError, column: str | None = None) -> RowError:
    """A registry refusal as a row error, in the column of the field it names."""
    return row_error(row, column or LABELS.get(exc.field or "", exc.field), value, exc.code, exc.message)


# ---------------------------------------------------------------------- header

@dataclass(frozen=True, slots=True)
class Header:
    """Where each known column is: field -> index."""

    index: dict[str, int]
    width: int


def read_header(cells: Sequence[str]) -> Header | list[RowError]:
    """The header row (row 1): known labels in any order (half-width kana accepted), each once;
    `届出種別` is required, the others as the rows need them."""
    index: dict[str, int] = {}
    errors = []
    for position, cell in enumerate(cells):
        label = unicodedata.normalize("NFKC", cell).strip()
        field = COLUMNS.get(label)
        if field is None:
            if label:
                errors.append(row_error(1, label, label, "unknown_column", "この列名は使えません"))
        elif field in index:
            errors.append(row_error(1, label, label, "duplicate_column", "同じ列が2回あります"))
        else:
            index[field] = position
    if "kind" not in index:
        errors.append(row_error(1, LABELS["kind"], "", "missing_column", "届出種別の列がありません"))
    return errors or Header(index, len(cells))


# ---------------------------------------------------------------------- one cell each

def _kind(text: str) -> NotificationKind:
    try:
        return NotificationKind(text)
    except ValueError:
        raise DomainError("invalid_kind", "届出種別は 資格取得・被扶養者追加・資格喪失・変更 のいずれかです") from None


def _kinship(text: str) -> tuple[Relationship, str | None]:
    if text == "本人":
        return Relationship.INSURED, None
    if text in _KINSHIPS:
        return Relationship.DEPENDENT, _KINSHIPS[text]
    raise DomainError("invalid_relationship", "続柄は 本人・配偶者・子・父母・その他 のいずれかです")


def _name(text: str) -> str:
    return _at_most(" ".join(text.split()))


def _kana(text: str) -> str:
    return _at_most(normalize_kana(text))


def _at_most(text: str) -> str:
    if len(text) > MAX_NAME:
        raise DomainError("too_long", f"{MAX_NAME}文字以内で入力してください")
    return text


@lru_cache(maxsize=65536)
def read_date(text: str) -> date:
    """ISO, slashes, 8 digits (20250401) or 和暦 (令和7年4月1日, R7.4.1, H/S/平成/昭和 …): the
    registry's one date parser (`wareki.parse_date`, also the web forms'), cached for bulk files."""
    return parse_date(text)


def _sex(text: str) -> str:
    try:
        return _SEXES[text]
    except KeyError:
        raise DomainError("invalid_sex", "性別は 男 または 女 で入力してください") from None


def _flag(text: str) -> bool:
    try:
        return _FLAGS[normalize_digits(text)]
    except KeyError:
        raise DomainError("invalid_flag", "0 または 1 で入力してください") from None


def _amount(text: str) -> int:
    """標準報酬月額: the registry's one amount parser (`numbers.parse_amount`, also the web forms')."""
    try:
        return parse_amount(text, label="標準報酬月額")
    except DomainError as exc:
        raise DomainError("invalid_remuneration", exc.message) from None


def _reason(text: str) -> LossReason:
    try:
        return _REASONS[text]
    except KeyError:
        raise DomainError("invalid_reason", "喪失理由は " + "・".join(LOSS_REASON_LABELS.values())
                          + " のいずれかです") from None


@lru_cache(maxsize=4096)
def _symbol(text: str) -> str:
    return validate_digits(text, "symbol")


@lru_cache(maxsize=65536)
def _number(text: str) -> str:
    return validate_digits(text, "number")


def _branch(text: str) -> str:
    return f"{int(validate_digits(text, 'branch', 1, 2)):02d}"


# ---------------------------------------------------------------------- one row

class _Cells:
    """A data row's cells by field, collecting every error of the row."""

    __slots__ = ("row", "cells", "width", "index", "errors")

    def __init__(self, row: int, cells: Sequence[str], header: Header):
        self.row, self.cells, self.width, self.index, self.errors = row, cells, len(cells), header.index, []

    def text(self, field: str) -> str:
        position = self.index.get(field, self.width)
        return self.cells[position].strip() if position < self.width else ""

    def read(self, field: str, reader: Callable[[str], Any], required: bool = False) -> Any:
        position = self.index.get(field, self.width)  # `text`, inlined: it runs for every cell
        text = self.cells[position].strip() if position < self.width else ""
        if not text:
            if required:
                self.fail(field, "missing_value", "必須項目です")
            return None
        if refused_character(text) is not None:
            self.fail(field, INVALID_CHARACTERS, invalid_characters_message(LABELS[field]))
            return None
        try:
            value = reader(text)
            return check_date(value, LABELS[field]) if isinstance(value, date) else value
        except DomainError as exc:
            self.fail(field, exc.code, exc.message)
            return None

    def fail(self, field: str, code: str, message: str) -> None:
        self.errors.append(row_error(self.row, LABELS[field], self.text(field), code, message))

    def refuse(self, fields: Sequence[str], code: str, message: str) -> None:
        for field in fields:
            if self.text(field):
                self.fail(field, code, message)

    def check(self, rule: Callable[[], Any], value_field: str | None = None) -> None:
        """Runs a registry rule; its refusal is an error in the column of the field it names."""
        try:
            rule()
        except DomainError as exc:
            field = exc.field if exc.field in LABELS else value_field
            self.fail(field or "kind", exc.code, exc.message)


_OTHER = {"symbol": "insured_symbol", "number": "insured_number", "insured_symbol": "symbol",
          "insured_number": "number"}
_PERSON = (("name", _name), ("name_kana", _kana), ("birth_date", read_date), ("sex", _sex),
           ("qualified_on", read_date))
_INSURED_ONLY = tuple(f for f in INSURED_ATTRIBUTES if f in COLUMNS.values())


def parse_row(row: int, cells: Sequence[str], header: Header, today: date,
              insurer_number: str) -> Notification | list[RowError]:
    """One data row: a `Notification`, or every error found in it. `today` is the default
    受付日; a 保険者番号, when the file has one, must be the society's (`insurer_number`). Cells
    missing at the end of a row are empty."""
    c = _Cells(row, cells, header)
    if any(cell.strip() for cell in cells[header.width:]):
        c.fail("kind", "wrong_field_count", f"見出し行より列が多くあります（{len(cells)}列）")
        return c.errors
    kind = c.read("kind", _kind, required=True)
    if kind is None:
        return c.errors
    c.read("insurer_number", lambda text: _same_insurer(text, insurer_number))
    relationship, kinship = c.read("kinship", _kinship, required=kind is not NotificationKind.ACQUISITION) \
        or (Relationship.INSURED, None)
    if c.errors:
        return c.errors
    registered_on = c.read("registered_on", read_date) or today
    fields = _family_fields(c, kind, relationship)
    if fields is None or c.errors:
        return c.errors or []
    fields.update(row=row, kind=kind, relationship=relationship, kinship=kinship,
                  registered_on=registered_on)
    if kind is not NotificationKind.LOSS:
        c.refuse(("disqualified_on", "reason"), "not_for_kind", "資格喪失の届出でのみ指定できます")
    _KIND_READERS[kind](c, fields)
    return c.errors or Notification(**fields)


def _same_insurer(text: str, insurer_number: str) -> str:
    if validate_insurer_number(text) != insurer_number:
        raise DomainError("insurer_mismatch", f"保険者番号が当組合（{insurer_number}）と違います")
    return text


def _family(c: _Cells, relationship: Relationship, number_required: bool) -> dict | None:
    """記号・番号 of the family: an insured's own, or for a dependent 本人記号・本人番号 (記号・番号
    accepted instead); when both pairs are given they must agree."""
    names = (("symbol", "number"), ("insured_symbol", "insured_number"))
    if relationship is Relationship.DEPENDENT:
        names = names[::-1]
    primary = (c.read(names[0][0], _symbol), c.read(names[0][1], _number))
    secondary = (c.read(names[1][0], _symbol), c.read(names[1][1], _number))
    for mine, other, field in zip(primary, secondary, names[1]):
        if mine and other and mine != other:
            c.fail(field, "family_mismatch", "記号・番号と本人記号・本人番号が一致しません")
    symbol, number = primary[0] or secondary[0], primary[1] or secondary[1]
    for value, field, needed in ((symbol, names[0][0], True), (number, names[0][1], number_required)):
        if value is None and needed and not (c.text(field) or c.text(_OTHER[field])):
            c.fail(field, "missing_value", "必須項目です")
    return {"family_symbol": symbol, "family_number": number, "branch": None}


# An enrolment's kind fixes the relationship: (relationship, 番号 required, refusal otherwise).
_ENROLMENTS = {
    NotificationKind.ACQUISITION: (Relationship.INSURED, False,
                                   "資格取得は本人（被保険者）の届出です。被扶養者は被扶養者追加で届け出てください"),
    NotificationKind.DEPENDENT: (Relationship.DEPENDENT, True,
                                 "被扶養者追加は被扶養者の届出です。本人は資格取得で届け出てください"),
}


def _family_fields(c: _Cells, kind: NotificationKind, relationship: Relationship) -> dict | None:
    """The family of the row, and for a 資格喪失・変更 of a dependent the 枝番 or the 生年月日
    that finds them."""
    if kind in _ENROLMENTS:
        expected, number_required, refusal = _ENROLMENTS[kind]
        if relationship is not expected:
            c.fail("kinship", "kind_relationship_mismatch", refusal)
            return None
        return _family(c, relationship, number_required)
    fields = _family(c, relationship, number_required=True)
    fields["branch"] = c.read("branch", _branch)
    fields["birth_date"] = c.read("birth_date", read_date)
    if relationship is Relationship.DEPENDENT and not (fields["branch"] or fields["birth_date"] or c.errors):
        c.fail("birth_date", "missing_value", "被扶養者の届出には枝番か生年月日が必要です")
    if fields["branch"] is not None and (fields["branch"] == "00") != (relationship is Relationship.INSURED):
        c.fail("branch", "member_mismatch", "枝番と続柄が一致しません（本人の枝番は00）")
    return fields


def _enrolment(c: _Cells, fields: dict) -> None:
    """資格取得・被扶養者追加: the person, the 個人番号 and the enrolment checks that need no registry."""
    for field, reader in _PERSON:
        fields[field] = c.read(field, reader, required=True)
    fields["my_number"] = c.read("my_number", validate_my_number)
    fields["coverage_ends_on"] = c.read("coverage_ends_on", read_date)
    fields["certificate_requested"] = bool(c.read("certificate_requested", _flag))
    if fields["birth_date"] and fields["qualified_on"]:
        c.check(lambda: check_enrolment(fields["birth_date"], fields["qualified_on"], None), "qualified_on")


def _read_acquisition(c: _Cells, fields: dict) -> None:
    _enrolment(c, fields)
    amount = c.read("standard_monthly_remuneration", _amount, required=True)
    if amount is not None and fields["qualified_on"]:
        c.check(lambda: validate_remuneration(amount, fields["qualified_on"]))
    fields["standard_monthly_remuneration"] = amount
    fields["resident_tax_exempt"] = bool(c.read("resident_tax_exempt", _flag))


def _read_dependent(c: _Cells, fields: dict) -> None:
    _enrolment(c, fields)
    c.refuse(_INSURED_ONLY, "not_for_dependent", "被扶養者には指定できない項目です")


def _read_loss(c: _Cells, fields: dict) -> None:
    fields["disqualified_on"] = c.read("disqualified_on", read_date, required=True)
    fields["reason"] = c.read("reason", _reason, required=True)


def _read_change(c: _Cells, fields: dict) -> None:
    fields["effective_on"] = c.read("effective_on", read_date) or fields["registered_on"]
    fields["name"] = c.read("name", _name)
    fields["name_kana"] = c.read("name_kana", _kana)
    fields["coverage_ends_on"] = c.read("coverage_ends_on", read_date)
    fields["my_number"] = c.read("my_number", validate_my_number)
    if fields["relationship"] is Relationship.DEPENDENT:
        c.refuse(_INSURED_ONLY, "not_for_dependent", "被扶養者には指定できない項目です")
    else:
        amount = c.read("standard_monthly_remuneration", _amount)
        if amount is not None:
            c.check(lambda: validate_remuneration(amount, fields["effective_on"]))
        fields["standard_monthly_remuneration"] = amount
        fields["resident_tax_exempt"] = c.read("resident_tax_exempt", _flag)
        fields["income_declared_low"] = c.read("income_declared_low", _flag)
    if not c.errors and fields["my_number"] is None and not any(
            fields.get(field) is not None for field in CHANGEABLE):
        c.fail("kind", "nothing_to_change", "変更する項目がありません")


_KIND_READERS = {NotificationKind.ACQUISITION: _read_acquisition, NotificationKind.DEPENDENT: _read_dependent,
                 NotificationKind.LOSS: _read_loss, NotificationKind.CHANGE: _read_change}
