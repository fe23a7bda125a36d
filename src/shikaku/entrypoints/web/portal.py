"""The member portal (加入者ポータル, like マイナポータル's 資格情報画面): sign-in with the My Number
card's id and PIN, then the member's own eligibility."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...adapters.db.repository import MAX_ID
from ...service_layer import accounts, portal
from .common import Member, page, remote, sign_in_post, sign_out_post

router = APIRouter(prefix="/portal", include_in_schema=False)

# The last page whose offset is within BIGINT (D-76): past it the database driver fails (a 500).
LAST_HISTORY_PAGE = MAX_ID // portal.HISTORY_PAGE


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    return page(request, "portal/sign_in.html", values={}, errors={})


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    return await sign_in_post(
        request, "portal/sign_in.html", "pin",
        lambda values: accounts.sign_in_member(request.app.state.ctx, values.get("card_id", "").strip(),
                                               values.get("pin", ""), remote(request)),
        "/portal/", accounts.MEMBER_SESSION, lambda _opened: None)


@router.post("/sign-out")
async def sign_out(request: Request, session: Member) -> Response:
    return await sign_out_post(request, session, "/portal/sign-in")


@router.get("/")
def home(request: Request, session: Member) -> Response:
    """資格情報画面."""
    screen = portal.screen(request.app.state.ctx, session.actor)
    return page(request, "portal/home.html", session, screen=screen, m=screen.member, current="home")


@router.get("/screen.pdf")
def screen_pdf(request: Request, session: Member) -> Response:
    """資格情報画面のPDF (Q2)."""
    ctx = request.app.state.ctx
    filename = f"shikaku-joho-{ctx.today():%Y%m%d}.pdf"
    return Response(portal.screen_pdf(ctx, session.actor), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/history")
def history(request: Request, session: Member,
            page_number: int = Query(1, alias="page", ge=1, le=LAST_HISTORY_PAGE)) -> Response:
    """照会履歴: who verified the member's eligibility, and when."""
    items, total = portal.history(request.app.state.ctx, session.actor, page_number)
    return page(request, "portal/history.html", session, items=items, total=total,
                page=page_number, pages=max(1, -(-total // portal.HISTORY_PAGE)), current="history")


@router.get("/bring")
def what_to_bring(request: Request, session: Member) -> Response:
    """受診するときに必要なもの (§9 for the member's own situation)."""
    advice = portal.what_to_bring(request.app.state.ctx, session.actor)
    return page(request, "portal/bring.html", session, advice=advice, current="bring")
