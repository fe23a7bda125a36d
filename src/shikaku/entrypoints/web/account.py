"""パスワードの変更 (issue 14, item 8; D-137): signed-in staff change their own password (the
current one, the new one twice, the rules of creation); their other sessions end. An admin sets a
new password for another user (パスワードの再設定), which ends that user's sessions. Neither form
ever sends a password back."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...service_layer import accounts
from ...service_layer.accounts import MIN_PASSWORD
from ...service_layer.auth import Permission, allowed
from .common import SESSION_COOKIE, Staff, StaffMay, form_data, page, redirect, submit

router = APIRouter(prefix="/staff", include_in_schema=False)

SECRETS = ("current_password", "new_password", "new_password_again")


def _shown(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in SECRETS}


@router.get("/password")
def password_form(request: Request, session: Staff) -> Response:
    return page(request, "staff/password.html", session, values={}, errors={}, min_length=MIN_PASSWORD,
                can_reset=allowed(session.actor, Permission.USERS_WRITE))


@router.post("/password")
async def change_password(request: Request, session: Staff) -> Response:
    values = await form_data(request, session)

    def change() -> int:
        return accounts.change_password(request.app.state.ctx, session.actor, request.cookies.get(SESSION_COOKIE),
                                        values.get("current_password", ""), values.get("new_password", ""),
                                        values.get("new_password_again", ""))

    def changed(ended: int) -> Response:
        others = f"ほかの{ended}か所のログインは終了しました。" if ended else ""
        return redirect(request, "/staff/", f"パスワードを変更しました。{others}")

    return submit(request, session, _shown(values), change, changed, "staff/password.html",
                  min_length=MIN_PASSWORD, can_reset=allowed(session.actor, Permission.USERS_WRITE))


@router.get("/users/password")
def reset_form(request: Request, session: StaffMay(Permission.USERS_WRITE)) -> Response:
    return page(request, "staff/password_reset.html", session, values={}, errors={}, min_length=MIN_PASSWORD)


@router.post("/users/password")
async def reset_password(request: Request, session: StaffMay(Permission.USERS_WRITE)) -> Response:
    values = await form_data(request, session)
    username = values.get("username", "").strip()

    def reset() -> int:
        return accounts.reset_password(request.app.state.ctx, session.actor, username,
                                       values.get("new_password", ""), values.get("new_password_again", ""))

    def done(ended: int) -> Response:
        return redirect(request, "/staff/users/password",
                        f"{username} のパスワードを再設定しました（ログイン中の{ended}か所を終了しました）。"
                        "新しいパスワードを本人に安全な方法で伝えてください。")

    return submit(request, session, {"username": username[:64]}, reset, done, "staff/password_reset.html",
                  min_length=MIN_PASSWORD)
