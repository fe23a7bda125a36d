"""事業所一覧のファイル (a CSV of employers): the header and one row read into an `Employer` or into
the list of what is wrong with it (row, column, value, reason in Japanese), with the same
readers as an employer's notification file (dates in 西暦 or 和暦, full-width digits). Pure: no
I/O. Whether a 記号 is new or known is the service layer's (`service_layer.employers`)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from .dates import check_date
from .employers import (
    DEFAULT_APPLIED_ON,
    Employer,
    validate_address,
    validate_name,
    validate_period,
    validate_phone,
    validate_postcode,
    validate_symbol,
)
from .errors import DomainError
from .notifications import RowError, read_date, row_error
from .text import INVALID_CHARACTERS, invalid_characters_message, refused_character

# Header label -> field, in the order of the file (D-114).
COLUMNS = {"記号": "symbol", "名称": "name", "郵便番号": "postcode", "所在地": "address", "電話": "phone",
           "適用年月日": "applied_on", "脱退日": "withdrawn_on"}
LABELS = {field: label for label, field in COLUMNS.items()}
REQUIRED = ("symbol", "name")
_READERS = {"symbol": validate_symbol, "name": validate_name, "postcode": validate_postcode,
            "address": validate_address, "phone": validate_phone, "applied_on": read_date,
            "withdrawn_on": read_date}


@dataclass(frozen=True, slots=True)
class EmployerHeader:
    index: dict[str, int]  # field -> column position


def read_header(cells: Sequence[str]) -> EmployerHeader | list[RowError]:
    """Row 1: the known labels in any order, each once; 記号 and 名称 are required."""
    index: dict[str, int] = {}
    errors = []
    for position, cell in enumerate(cells):
        label = unicodedata.normalize("NFKC", cell).strip().lstrip("\ufeff")
        field = COLUMNS.get(label)
        if field is None:
            if label:
                errors.append(row_error(1, label, label, "unknown_column", "この列名は使えません（使える列："
                                        + "・".join(COLUMNS) + "）"))
        elif field in index:
            errors.append(row_error(1, label, label, "duplicate_column", "同じ列が2回あります"))
        else:
            index[field] = position
    for field in REQUIRED:
        if field not in index:
            errors.append(row_error(1, LABELS[field], "", "missing_column", f"{LABELS[field]}の列がありません"))
    return errors or EmployerHeader(index)


def parse_row(row: int, cells: Sequence[str], header: EmployerHeader) -> Employer | list[RowError]:
    """One data row: every cell checked (all its errors listed), then the period."""
    values: dict[str, object] = {}
    errors: list[RowError] = []

    def text(field: str) -> str:
        position = header.index.get(field)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    for field, reader in _READERS.items():
        typed = text(field)
        if not typed:
            if field in REQUIRED:
                errors.append(row_error(row, LABELS[field], "", "missing_value",
                                        f"{LABELS[field]}は必須項目です"))
            continue
        if refused_character(typed) is not None:
            errors.append(row_error(row, LABELS[field], typed, INVALID_CHARACTERS,
                                    invalid_characters_message(LABELS[field])))
            continue
        try:
            value = reader(typed)
            values[field] = check_date(value, LABELS[field], field) if isinstance(value, date) else value
        except DomainError as exc:
            errors.append(row_error(row, LABELS[field], typed, exc.code, _named(field, exc)))
    if errors:
        return errors
    applied_on = values.get("applied_on") or DEFAULT_APPLIED_ON
    try:
        validate_period(applied_on, values.get("withdrawn_on"))
    except DomainError as exc:
        return [row_error(row, LABELS[exc.field or "withdrawn_on"], text(exc.field or "withdrawn_on"),
                          exc.code, exc.message)]
    return Employer(values["symbol"], values["name"], applied_on, values.get("postcode"),
                    values.get("address"), values.get("phone"), values.get("withdrawn_on"))


def _named(field: str, exc: DomainError) -> str:
    """A date reader's message does not say which column; the others do."""
    return f"{LABELS[field]}：{exc.message}" if exc.code == "invalid_date" else exc.message
