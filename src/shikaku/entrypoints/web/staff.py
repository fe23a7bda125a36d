"""Staff pages: sign-in and sign-out, and the member search that opens the day."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ...domain.errors import DomainError
from ...service_layer import accounts, commands, members
from .common import SESSION_COOKIE, Staff, errors_of, form_data, page, parse, redirect, secure_cookies

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    return page(request, "staff/sign_in.html", values={}, errors={})


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    values = await form_data(request)
    ctx = request.app.state.ctx
    try:
        opened = accounts.sign_in_staff(ctx, values.get("username", "").strip(),
                                        values.get("password", ""),
                                        request.client.host if request.client else None)
    except DomainError as exc:
        values.pop("password", None)  # a refused password is never sent back
        return page(request, "staff/sign_in.html", status=exc.status, values=values,
                    errors=errors_of(exc))
    response = redirect("/staff/", f"{opened.display_name} さん、ようこそ")
    response.set_cookie(SESSION_COOKIE, opened.token, httponly=True, samesite="strict",
                        secure=secure_cookies(request), max_age=int(accounts.STAFF_SESSION.total_seconds()))
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: Staff) -> Response:
    await form_data(request, session)
    accounts.sign_out(request.app.state.ctx, session.token)
    response = redirect("/staff/sign-in", "ログアウトしました")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def search(request: Request, session: Staff) -> Response:
    """加入者検索: the home page. With htmx only the result table is sent back."""
    values = {k: v for k, v in request.query_params.items() if k in commands.MemberSearch.model_fields}
    found, total, errors = [], 0, {}
    if any(v.strip() for v in values.values()):
        try:
            found, total = members.search(request.app.state.ctx, session.actor,
                                          parse(commands.MemberSearch, values))
        except (ValidationError, DomainError) as exc:
            errors = errors_of(exc)
    template = "staff/_results.html" if request.headers.get("hx-request") else "staff/search.html"
    return page(request, template, session, values=values, errors=errors, found=found, total=total,
                searched=bool(values), limit=members.SEARCH_LIMIT)
