"""What every web page shares: templates with Japanese date filters, the signed-in session, CSRF
checks, flash messages and the form round trip (refused input is shown again with the reasons).
Pages call the same use cases as the API, so roles are enforced in one place."""
from __future__ import annotations

import hmac
import secrets
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Callable, TypeVar
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from ...domain.errors import DomainError
from ...domain.numbers import looks_like_my_number
from ...domain.wareki import format_wareki
from ...service_layer import accounts, idempotency
from ...service_layer.accounts import WebSession
from ...service_layer.auth import STAFF, Permission, Role, authorize
from ...service_layer.context import Context, in_japan
from ..api.guard import trace_refusal
from . import form_input, labels

HERE = Path(__file__).parent
SESSION_COOKIE = "shikaku_session"
FORM_CSRF_COOKIE = "shikaku_form"  # double-submit token of the sign-in forms (no session yet)
FLASH_COOKIE = "shikaku_flash"
FORM_TOKEN = "form_token"  # one-time token of a form that creates (D-152)

templates = Jinja2Templates(directory=HERE / "templates")

ROLE = {"admin": "システム管理者", "supervisor": "業務責任者", "clerk": "担当者", "auditor": "監査担当",
        "member": "加入者", "facility": "医療機関", "anonymous": "未認証"}


def _wareki(value: date | None) -> str:
    return format_wareki(value) if value else ""


def _both(value: date | None) -> str:
    """西暦 with 和暦 beside it, as clerks read dates: 2026-06-01（令和8年6月1日）."""
    return f"{value.isoformat()}（{format_wareki(value)}）" if value else ""


templates.env.filters.update(wareki=_wareki, both=_both,
                             role=lambda v: ROLE.get(getattr(v, "value", v), v),
                             yen=lambda v: "" if v is None else f"{v:,}円")
templates.env.filters.update(labels.FILTERS, jst=lambda v: in_japan(v).strftime("%Y-%m-%d %H:%M"))
templates.env.filters["wareki_time"] = lambda v: f"{format_wareki(in_japan(v).date())} {in_japan(v):%H:%M}"
templates.env.globals["labels"] = labels  # option lists of the forms (reasons, kinds)
templates.env.globals["field_label"] = form_input.label  # the error list names each field
templates.env.globals["limit_of"] = form_input.limit_of  # fields state their limit


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page of its side."""

    def __init__(self, area: str):
        self.area = area


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https"


def web_session(request: Request) -> WebSession | None:
    """The signed-in session; its actor is kept on the request for the trace of a refusal."""
    ctx: Context = request.app.state.ctx
    found = accounts.session(ctx, request.cookies.get(SESSION_COOKIE),
                             request.client.host if request.client else None)
    if found is not None:
        request.state.actor = found.actor
    return found


def staff_session(request: Request) -> WebSession:
    found = web_session(request)
    if found is None or found.actor.role not in STAFF:
        raise SignInRequired("staff")
    return found


def member_session(request: Request) -> WebSession:
    found = web_session(request)
    if found is None or found.actor.role is not Role.MEMBER:
        raise SignInRequired("portal")
    return found


Staff = Annotated[WebSession, Depends(staff_session)]
Member = Annotated[WebSession, Depends(member_session)]


def StaffMay(permission: Permission):  # noqa: N802 (used as a type)
    """A staff session whose role holds `permission`: checked before the page reads its form,
    so a role that may not use the page gets 403 and never a form error (issue 12, item 2)."""
    def permitted(request: Request) -> WebSession:
        found = staff_session(request)
        authorize(found.actor, permission)
        return found

    return Annotated[WebSession, Depends(permitted)]


class CsrfRefused(Exception):
    """A form post without the token of the session (or of the sign-in form)."""


def check_csrf(session: WebSession, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted.encode(), session.csrf_token.encode()):
        raise CsrfRefused()


async def form_data(request: Request, session: WebSession | None = None) -> dict[str, str]:
    """The posted form as strings, after the CSRF check (field `csrf_token` or header
    `X-CSRF-Token`, as htmx sends it). Without a session, the double-submit cookie is checked."""
    form = await request.form()
    submitted = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if session is not None:
        check_csrf(session, submitted)
    else:
        cookie = request.cookies.get(FORM_CSRF_COOKIE)
        if not cookie or not submitted or not hmac.compare_digest(cookie.encode(), str(submitted).encode()):
            raise CsrfRefused()
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


def page(request: Request, template: str, session: WebSession | None = None, status: int = 200,
         **values: Any) -> Response:
    """Renders a page with the session, its CSRF token and the pending flash message."""
    csrf = session.csrf_token if session else request.cookies.get(FORM_CSRF_COOKIE) or secrets.token_urlsafe(24)
    flash = request.cookies.get(FLASH_COOKIE)
    response = templates.TemplateResponse(request, template, {
        "session": session, "csrf_token": csrf, "flash": unquote(flash) if flash else None,
        "today": request.app.state.ctx.today(), "form_token": secrets.token_urlsafe(18),  # D-152
        **values}, status_code=status)
    if session is None:
        response.set_cookie(FORM_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                            secure=secure_cookies(request))
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    """303 after a successful post (the browser's back button never re-posts), with a message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), max_age=60, httponly=True, samesite="strict",
                            secure=secure_cookies(request))  # it may name a member
    return response


def errors_of(exc: Exception) -> dict[str, str]:
    """Field → Japanese message (the limit stated, form_input); the key "" holds a message
    about the whole form."""
    if isinstance(exc, ValidationError):
        return form_input.validation_errors(exc)
    if isinstance(exc, form_input.FormRefused):
        return exc.errors
    if isinstance(exc, DomainError):
        return {exc.field or "": exc.message} if exc.field else {"": exc.message}
    raise exc


Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], values: dict[str, str], **extra: Any) -> Model:
    """A command from form strings: empty fields are left out so that defaults apply; dates and
    amounts are read as the import reads them (form_input). Every refused field is reported at
    once, in the order of the form (`form_input.FormRefused`)."""
    present = {k: v for k, v in values.items() if v.strip() != ""}
    read_values, unreadable = form_input.read(model, present)
    try:
        command = model.model_validate({**read_values, **extra})
    except ValidationError as exc:
        if not unreadable:
            raise
        errors = {**form_input.validation_errors(exc), **unreadable}
    else:
        if not unreadable:
            return command
        errors = unreadable
    order = list(values)
    raise form_input.FormRefused(dict(sorted(errors.items(), key=lambda item: (
        order.index(item[0]) if item[0] in order else len(order)))))


def submit(request: Request, session: WebSession, values: dict[str, str], act: Callable[[], Any],
           on_success: Callable[[Any], Response], template: str, **page_values: Any) -> Response:
    """Runs a use case; when it is refused, the same form is shown again with what was typed and
    a Japanese reason by each field (422). A form that carries a one-time `form_token` (D-152)
    runs once: sent again, it shows where the first one led."""
    claim = _form_claim(request, session, values)
    if claim is not None and (first := idempotency.stored(request.app.state.ctx, claim)) is not None:
        return redirect(request, first.response, SENT_TWICE)
    try:
        with idempotency.claiming(claim) if claim else nullcontext():
            result = act()
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status in (401, 403, 404):
            raise  # not a matter of the form: the error page says it
        return page(request, template, session, status=422, values=values, errors=errors_of(exc),
                    refused=getattr(exc, "code", None), refusal=exc, **page_values)
    response = on_success(result)
    if claim is not None and response.status_code == 303:
        idempotency.record(request.app.state.ctx, claim, 303, response.headers["location"])
    return response


SENT_TWICE = "この届出は登録済みです（同じ画面から二度送信されました）。最初の登録の結果を表示しています"


def _form_claim(request: Request, session: WebSession, values: dict[str, str]) -> idempotency.Claim | None:
    """The one-time submission of a form with a `form_token`: the staff user's, whatever was
    changed before sending it again (the first result is what the clerk is shown)."""
    token = values.get(FORM_TOKEN, "").strip()
    if not token:
        return None
    return idempotency.Claim(f"web:{session.actor.subject}", token[:64], f"POST {request.url.path}", "")


def page_number(raw: str | None) -> int:
    """The `page` of a paged list: a small positive number, else the first page."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 and 0 < int(raw) < 10**6 else 1


def remote(request: Request) -> str | None:
    return request.client.host if request.client else None


async def sign_in_post(request: Request, template: str, secret: str,
                       sign_in: Callable[[dict[str, str]], WebSession], home: str,
                       lifetime: timedelta, welcome: Callable[[WebSession], str | None]) -> Response:
    """The sign-in post of either side: a session cookie and the home page, or the form again
    with the reason and without the `secret` field (a password or PIN is never sent back) nor
    a value that looks like a 個人番号 (the number on the card typed for its id, D-80).
    Failures are counted per client address (`RateLimits.sign_in`, D-78): past the limit,
    429 before any password is checked."""
    limit, client = request.app.state.limits.sign_in, remote(request) or "-"
    if limit.exhausted(client):
        return _too_many_sign_ins(request, limit.retry_after)
    values = await form_data(request)
    try:
        opened = sign_in(values)
    except DomainError as exc:
        limit.allow(client)  # counts the failure
        shown = {k: v for k, v in values.items() if k != secret and not looks_like_my_number(v)}
        return page(request, template, status=exc.status, values=shown, errors=errors_of(exc))
    response = redirect(request, home, welcome(opened))
    response.set_cookie(SESSION_COOKIE, opened.token, httponly=True, samesite="strict",
                        secure=secure_cookies(request), max_age=int(lifetime.total_seconds()))
    return response


def _too_many_sign_ins(request: Request, retry_after: int) -> Response:
    held = DomainError("sign_in_throttled", "この接続元からのログインの失敗が続いたため、ログインを一時的に"
                       f"制限しています。{retry_after}秒ほど待ってから、もう一度お試しください。", status=429)
    trace_refusal(request, held)  # a refused attempt too (item 8)
    response = page(request, "error.html", status=429, code="rate_limited", title="しばらくお待ちください",
                    detail=held.message)
    response.headers["Retry-After"] = str(retry_after)
    return response


async def sign_out_post(request: Request, session: WebSession, sign_in_url: str) -> Response:
    await form_data(request, session)
    accounts.sign_out(request.app.state.ctx, session.token, remote(request))
    response = redirect(request, sign_in_url, "ログアウトしました")
    response.delete_cookie(SESSION_COOKIE)
    return response
