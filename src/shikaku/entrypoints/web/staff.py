"""Staff pages: sign-in and sign-out, and the member search that opens the day."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ...domain.errors import DomainError
from ...domain.numbers import looks_like_my_number, masked_if_my_number
from ...service_layer import accounts, commands, members
from .common import Staff, errors_of, form_data, page, parse, remote, sign_in_post, sign_out_post
from .exports import search_csv, wants_csv

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


MY_NUMBER_IN_URL = ("個人番号では、この欄から検索できません（画面のアドレスに番号が残るため）。"
                    "下の「個人番号で検索」をお使いください")


@router.get("/")
def search(request: Request, session: Staff) -> Response:
    """加入者検索: the home page. With htmx only the result table is sent back. A value shaped
    like a 個人番号 is neither searched nor shown back (D-80; the POST form below searches by
    it)."""
    values = {k: v for k, v in request.query_params.items() if k in commands.MemberSearch.model_fields}
    found, total, errors = [], 0, {}
    numbers = [k for k, v in values.items() if looks_like_my_number(v)]
    if numbers:
        values = {k: masked_if_my_number(v) for k, v in values.items()}
        errors = {k: MY_NUMBER_IN_URL for k in numbers}
    elif any(v.strip() for v in values.values()):
        try:
            if wants_csv(request):  # the same search as a CSV file (D-134)
                return search_csv(request, session, parse(commands.MemberSearch, values))
            found, total = members.search(request.app.state.ctx, session.actor,
                                          parse(commands.MemberSearch, values))
        except (ValidationError, DomainError) as exc:
            errors = errors_of(exc)
    return _results(request, session, values, errors, found, total, searched=bool(values))


@router.post("/search/my-number")
async def search_by_my_number(request: Request, session: Staff) -> Response:
    """加入者検索 by 個人番号: posted, so the number is in no URL, history or proxy log; audited;
    shown back masked only."""
    values = await form_data(request, session)
    typed = values.get("my_number", "")
    shown = {"my_number": masked_if_my_number(typed)}
    try:
        found = members.search_by_my_number(request.app.state.ctx, session.actor, typed)
    except DomainError as exc:
        return _results(request, session, {}, {"my_number": exc.message}, [], 0, searched=False,
                        my_number=shown, status=422)
    return _results(request, session, {}, {}, found, len(found), searched=True, my_number=shown)


def _results(request: Request, session, values: dict, errors: dict, found: list, total: int,
             searched: bool, my_number: dict | None = None, status: int = 200) -> Response:
    template = "staff/_results.html" if request.headers.get("hx-request") else "staff/search.html"
    return page(request, template, session, status=status, values=values, errors=errors, found=found,
                total=total, searched=searched, limit=members.SEARCH_LIMIT,
                my_number=my_number or {"my_number": ""})
