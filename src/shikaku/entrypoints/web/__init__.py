"""The web pages: the staff UI (`/staff/`) and the member portal (`/portal/`), in Japanese,
server-rendered with a little htmx. Thin: every decision is a use case's."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ...service_layer.context import Context
from ..api import problems
from ..api.guard import trace_refusal
from . import (
    account,
    addresses,
    audit,
    common,
    corrections,
    dashboard,
    employers,
    imports,
    members,
    portal,
    printing,
    returns,
    runs,
    staff,
    today,
    tokens,
)

_ERROR_TITLES = {401: "ログインが必要です", 403: "権限がありません", 404: "ページが見つかりません",
                 423: "ロックされています"}


def error_page(request: Request, status: int, code: str, detail: str) -> Response:
    session = common.web_session(request)
    return common.page(request, "error.html", session, status=status, code=code, detail=detail,
                       title=_ERROR_TITLES.get(status, "エラーが発生しました"))


def install(app: FastAPI, ctx: Context) -> None:
    """Adds the pages, their static files and their error pages to the API's application."""
    app.state.ctx = ctx
    problems.install(app, error_page, trace_refusal)
    app.mount("/static", StaticFiles(directory=common.HERE / "static"), name="static")

    @app.exception_handler(common.SignInRequired)
    async def _sign_in(request: Request, exc: common.SignInRequired):
        if request.headers.get("hx-request"):  # htmx: reload the whole page onto the sign-in form
            return Response(status_code=204, headers={"HX-Redirect": f"/{exc.area}/sign-in"})
        return RedirectResponse(f"/{exc.area}/sign-in", status_code=303)

    @app.exception_handler(common.CsrfRefused)
    async def _csrf(request: Request, _exc: common.CsrfRefused):
        return error_page(request, 403, "csrf", "画面の有効期限が切れたか、不正な送信です。"
                          "もう一度画面を開き直してから操作してください。")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/staff/", status_code=303)

    app.include_router(staff.router)
    app.include_router(members.router)
    app.include_router(employers.router)  # 事業所 (part A)
    app.include_router(corrections.router)  # 取消・訂正 (task D)
    app.include_router(addresses.router)  # 住所・送付先 (part B)
    app.include_router(returns.router)  # 返納 (part B)
    app.include_router(runs.router)
    app.include_router(dashboard.router)
    app.include_router(audit.router)
    app.include_router(imports.router)
    app.include_router(tokens.router)
    assert printing.society_name  # its template globals are registered on import (task F)
    app.include_router(today.router)  # 本日の受付 (task F)
    app.include_router(account.router)  # パスワードの変更 (task F)
    app.include_router(portal.router)
