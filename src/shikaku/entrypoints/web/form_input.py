"""What a clerk types, read the way the notification import reads it (issue 14, item 6): every
date field through `wareki.parse_date` (西暦, 和暦, shorthand, full-width), every amount through
`numbers.parse_amount` (commas, full-width digits, 円), before the command is built; and the
refusals worded for a form: each names its field by its Japanese label and states the limit
from the command's own schema (「100文字以内で入力してください」).

Which fields are dates, amounts or limited in length is read from the command's JSON schema,
so a new command field gets the same treatment without a list to keep up."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from ...domain.errors import DomainError
from ...domain.numbers import parse_amount
from ...domain.wareki import parse_date
from ...service_layer.commands import LABELS
from ..api.problems import validation_problem

# Labels of the form fields that the commands' LABELS (used by the API's messages) lack.
FORM_LABELS = {
    **LABELS, "sex": "性別", "kinship": "続柄", "reason": "理由", "kind": "申請の種類", "disease": "特定疾病",
    "standard_monthly_remuneration": "標準報酬月額", "resident_tax_exempt": "住民税非課税",
    "income_declared_low": "基準収入額適用", "portal_accessible": "マイナポータルの確認",
    "income_none": "所得なし", "override": "責任者の承認", "certificate_requested": "交付希望欄",
    "relationship": "続柄", "password": "パスワード", "username": "利用者ID",
}
REQUIRED = "必須項目です"


class FormRefused(DomainError):
    """Several fields refused at once: field → Japanese message (the key "" for the form)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("validation_error", "入力内容に誤りがあります", None, status=422)
        self.errors = errors


def label(field: str) -> str:
    """The Japanese label of a form field (the field's name when it has none)."""
    return FORM_LABELS.get(field, field)


def _kinds(prop: dict) -> list[dict]:
    return prop.get("anyOf", [prop])


@lru_cache(maxsize=None)
def schema_of(model: type[BaseModel]) -> dict[str, dict]:
    """Field → what the form needs of it: `date` / `amount` and `max_length`."""
    fields = {}
    for name, prop in model.model_json_schema().get("properties", {}).items():
        kinds = _kinds(prop)
        fields[name] = {
            "date": any(k.get("format") == "date" for k in kinds),
            "amount": any(k.get("type") == "integer" for k in kinds),
            "max_length": next((k["maxLength"] for k in kinds if "maxLength" in k), None),
        }
    return fields


def max_length(model: type[BaseModel], field: str) -> int | None:
    """The command's limit of a text field (for `maxlength` and the hint)."""
    return schema_of(model).get(field, {}).get("max_length")


def read(model: type[BaseModel], values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's strings with dates as ISO days and amounts as integers, and the fields whose
    date or amount could not be read (field → message)."""
    read_values, errors = dict(values), {}
    schema = schema_of(model)
    for name, text in values.items():
        kind = schema.get(name)
        if kind is None or not text.strip():
            continue
        try:
            if kind["date"]:
                read_values[name] = parse_date(text).isoformat()
            elif kind["amount"]:
                read_values[name] = parse_amount(text, name, label(name))
        except DomainError as exc:
            errors[name] = exc.message
            del read_values[name]
    return read_values, errors


def _message(error: dict, base: str) -> str:
    ctx, kind = error.get("ctx") or {}, error.get("type", "")
    if kind == "string_too_long":
        return f"{ctx['max_length']}文字以内で入力してください"
    if kind in ("missing", "string_too_short"):
        return REQUIRED
    if kind == "greater_than_equal":
        return f"{ctx['ge']}以上の数を入力してください"
    if kind == "less_than_equal":
        return f"{ctx['le']}以下の数を入力してください"
    if kind in ("literal_error", "enum"):
        return "選択肢から選んでください"
    return base


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """pydantic's refusals as field → message, the limit stated where there is one."""
    raw = exc.errors()
    _, body = validation_problem(raw)
    return {item["field"]: _message(error, item["message"]) for error, item in zip(raw, body["errors"])}


def limit_of(model: str, field: str) -> int | None:
    """`max_length` of a command named by its class (templates: `limit_of("Enrolment", "name")`)."""
    from ...service_layer import commands
    return max_length(getattr(commands, model), field)
