"""Staff pages: sign-in and sign-out, and the member search that opens the day."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ...domain.errors import DomainError
from ...service_layer import accounts, commands, members
from .common import Staff, errors_of, page, parse, remote, sign_in_post, sign_out_post

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    return page(request, "staff/sign_in.html", values={}, errors={})


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    return await sign_in_post(
        request, "staff/sign_in.html", "password",
        lambda values: accounts.sign_in_staff(request.app.state.ctx, values.get("username", "").strip(),
                                              values.get("password", ""), remote(request)),
        "/staff/", accounts.STAFF_SESSION, lambda opened: f"{opened.display_name} さん、ようこそ")


@router.post("/sign-out")
async def sign_out(request: Request, session: Staff) -> Response:
    return await sign_out_post(request, session, "/staff/sign-in")


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
