"""APIトークン: the admin's page to list, issue and revoke bearer tokens, and to register a
医療機関等 with its first token. A new token is shown once, on the answer to the post (never
through a redirect or a cookie), and that answer is not cached."""
from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...service_layer import commands, society
from ...service_layer.accounts import WebSession
from ...service_layer.auth import Permission, Role
from .common import ROLE, StaffMay, form_data, page, page_number, parse, redirect, submit

router = APIRouter(prefix="/staff", include_in_schema=False)

PAGE_SIZE = 50
TEMPLATE = "staff/tokens.html"
ROLES = [(role.value, ROLE[role.value]) for role in
         (Role.CLERK, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN, Role.FACILITY)]


def _listing(request: Request, session: WebSession, number: int = 1) -> dict[str, Any]:
    items, total = society.list_tokens(request.app.state.ctx, session.actor, PAGE_SIZE,
                                       (number - 1) * PAGE_SIZE)
    return {"items": items, "total": total, "number": number, "pages": max(1, -(-total // PAGE_SIZE)),
            "roles": ROLES}


@router.get("/tokens")
def tokens_page(request: Request, session: StaffMay(Permission.TOKENS_READ)) -> Response:
    listing = _listing(request, session, page_number(request.query_params.get("page")))
    return page(request, TEMPLATE, session, values={"role": Role.CLERK.value}, errors={}, **listing)


async def _issue(request: Request, session: WebSession, form: str,
                 act: Callable[[dict[str, str]], dict]) -> Response:
    """Runs an issuing use case and shows its token once; a refusal shows the form again."""
    values = await form_data(request, session)

    def issued(result: dict) -> Response:
        return page(request, TEMPLATE, session, status=201, issued=result, form=form,
                    values={"role": Role.CLERK.value}, errors={}, **_listing(request, session))

    return submit(request, session, values, lambda: act(values), issued, TEMPLATE, form=form,
                  **_listing(request, session))


@router.post("/tokens")
async def issue_token(request: Request, session: StaffMay(Permission.TOKENS_WRITE)) -> Response:
    def act(values: dict[str, str]) -> dict:
        wanted = parse(commands.TokenIssue, values)
        return society.issue_token(request.app.state.ctx, session.actor, wanted.role, wanted.subject)

    return await _issue(request, session, "token", act)


@router.post("/facilities")
async def register_facility(request: Request, session: StaffMay(Permission.FACILITIES_WRITE)) -> Response:
    def act(values: dict[str, str]) -> dict:
        facility = parse(commands.FacilityRegistration, values)
        added = society.add_facility(request.app.state.ctx, session.actor, facility.code, facility.name)
        return {"id": added["token_id"], "role": Role.FACILITY.value, "subject": added["code"],
                "token": added["token"], "name": added["name"]}

    return await _issue(request, session, "facility", act)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, session: StaffMay(Permission.TOKENS_WRITE), token_id: str) -> Response:
    """The list's confirmation (失効させますか？) posts here."""
    await form_data(request, session)
    society.revoke_token_id(request.app.state.ctx, session.actor, token_id)
    return redirect(request, "/staff/tokens", f"トークン（ID {token_id}）を失効させました。数秒以内にすべての接続で使えなくなります")
