"""RFC 9457 problem+json for every error, with a stable `code` and Japanese messages. Never a
traceback, never the rejected input (it may be a 個人番号)."""
from __future__ import annotations

import logging
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from ...domain.dates import DATE_OUT_OF_RANGE
from ...domain.errors import DomainError
from ...domain.text import INVALID_CHARACTERS

log = logging.getLogger("shikaku.api")

PROBLEM = "application/problem+json"

_TITLES = {400: "不正なリクエストです", 401: "認証が必要です", 403: "権限がありません",
           404: "見つかりません", 405: "このメソッドは使えません", 409: "現在の状態と矛盾します",
           413: "リクエストが大きすぎます",
           422: "入力内容に誤りがあります", 429: "リクエストが多すぎます", 500: "内部エラーが発生しました"}

# Japanese messages for the shape errors pydantic reports, by its error type.
_MESSAGES = {
    "missing": "必須項目です",
    "date_from_datetime_parsing": "日付が正しくありません（YYYY-MM-DD）",
    "date_parsing": "日付が正しくありません（YYYY-MM-DD）",
    "date_type": "日付が正しくありません（YYYY-MM-DD）",
    "string_too_short": "入力してください",
    "string_too_long": "文字数が上限を超えています",
    "string_type": "文字列で入力してください",
    "int_parsing": "整数で入力してください",
    "int_type": "整数で入力してください",
    "int_from_float": "整数で入力してください",
    "bool_parsing": "true または false で指定してください",
    "bool_type": "true または false で指定してください",
    "greater_than_equal": "値が小さすぎます",
    "less_than_equal": "値が大きすぎます",
    "literal_error": "指定できる値ではありません",
    "enum": "指定できる値ではありません",
    "extra_forbidden": "この項目は指定できません",
    "json_invalid": "JSON の形式が正しくありません",
    "model_attributes_type": "JSON オブジェクトで送信してください",
    "dict_type": "JSON オブジェクトで送信してください",
}
# Refusals of domain rules run as validators (service_layer.commands): their message is the
# rule's own, in Japanese, naming the field.
_OWN_MESSAGES = frozenset({INVALID_CHARACTERS, DATE_OUT_OF_RANGE})


def problem_body(status: int, code: str, detail: str, errors: list[dict] | None = None) -> dict:
    body = {"type": f"https://shikaku.example/problems/{code}", "title": _TITLES.get(status, "エラー"),
            "status": status, "detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def problem(status: int, code: str, detail: str, errors: list[dict] | None = None,
            headers: dict | None = None) -> JSONResponse:
    return JSONResponse(problem_body(status, code, detail, errors), status_code=status,
                        media_type=PROBLEM, headers=headers)


def domain_problem(exc: DomainError) -> tuple[int, dict]:
    """A refusal by a rule; one that names the records it is about (409 `possible_duplicate`:
    the members the enrolment may be again) carries them as `candidates`."""
    errors = [{"field": exc.field, "code": exc.code, "message": exc.message}] if exc.field else None
    body = problem_body(exc.status, exc.code, exc.message, errors)
    if getattr(exc, "candidates", None) is not None:
        body["candidates"] = jsonable_encoder(exc.candidates)
    return exc.status, body


def validation_problem(raw_errors: list[dict]) -> tuple[int, dict]:
    """422 for shape errors (pydantic's), with Japanese messages and never the input."""
    errors = [{"field": _field(tuple(e.get("loc", ()))), "code": e.get("type", "invalid"),
               "message": e["msg"] if e.get("type") in _OWN_MESSAGES
               else _MESSAGES.get(e.get("type", ""), "入力内容が正しくありません")}
              for e in raw_errors]
    code = "invalid_json" if any(e["code"] == "json_invalid" for e in errors) else "validation_error"
    return 422, problem_body(422, code, "入力内容に誤りがあります。各項目のメッセージをご確認ください", errors)


def refusal_headers(exc: DomainError) -> dict[str, str] | None:
    """WWW-Authenticate on a 401 (RFC 6750), Retry-After on a refusal that says when to retry."""
    if exc.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    retry_after = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after is not None else None


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


# Renders an error for a person's browser (web pages): (request, status, code, detail) → response.
PageRenderer = Callable[[Request, int, str, str], Response]


def install(app: FastAPI, pages: PageRenderer | None = None,
            refused: Callable[[Request, DomainError], None] | None = None) -> None:
    """Errors of `/api/` routes answer problem+json; those of web pages an HTML page via `pages`.
    `refused` is told of every refusal by a rule (401, 403 …) before it is answered."""

    def answer(request: Request, status: int, body: dict, headers: dict | None = None) -> Response:
        if pages is not None and not request.url.path.startswith("/api/"):
            return pages(request, status, body["code"], body["detail"])
        return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        if refused is not None:
            refused(request, exc)
        return answer(request, *domain_problem(exc), refusal_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return answer(request, *validation_problem(exc.errors()))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
                429: "rate_limited"}.get(
            exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() \
            else _TITLES.get(exc.status_code, "エラー")
        return answer(request, exc.status_code, problem_body(exc.status_code, code, detail),
                      getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError):
        # The database refused a value the validation let through (PostgreSQL: a NUL character
        # in text); the statement's parameters are never logged (hide_parameters).
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return answer(request, 422, problem_body(
            422, "invalid_value", "使用できない文字（NUL など）または範囲外の値が含まれています"))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.error("unexpected error", exc_info=exc)
        return answer(request, 500, problem_body(
            500, "internal_error", "内部エラーが発生しました。時間をおいて再度お試しください"))
