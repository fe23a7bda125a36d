"""取消・訂正 on the staff pages (issue 14, D-124…D-128): the forms of the 取消 and the 訂正 of
a registration (from the member page's timeline) and the 取消 of a certificate or document.
Thin: the use cases of `service_layer.corrections` decide."""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ...domain.errors import DomainError
from ...service_layer import corrections, members
from ...service_layer.accounts import WebSession
from ...service_layer.auth import Permission
from .common import StaffMay, errors_of, form_data, page, parse, redirect, submit

router = APIRouter(prefix="/staff", include_in_schema=False)
TEMPLATE = "staff/form_correction.html"
MODES = {"cancellation": ("取消", corrections.Cancellation, corrections.cancel_registration),
         "correction": ("訂正", corrections.Correction, corrections.correct_registration)}


def _values(model, values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k in model.model_fields}


def _page_values(request: Request, session: WebSession, member_id: str, seq: str, mode: str) -> dict:
    ctx = request.app.state.ctx
    member = members.get_member(ctx, session.actor, member_id)
    target = next((r for r in corrections.registrations(ctx, session.actor, member_id) if str(r.seq) == seq), None)
    if target is None:
        raise DomainError("registration_not_found", "該当する登録が見つかりません", status=404)
    word = MODES[mode][0]
    return {"m": member, "target": target, "mode": mode,
            "title": f"登録の{word}（{_kind_word(target.kind)}）",
            "action": f"/staff/members/{member.id}/registrations/{seq}/{mode}"}


def _kind_word(kind: str) -> str:
    from .labels import REGISTRATION_KINDS
    return REGISTRATION_KINDS.get(kind, kind)


def _show(mode: str):
    def show(request: Request, session: StaffMay(Permission.CORRECT), member_id: str, seq: str) -> Response:
        values = _page_values(request, session, member_id, seq, mode)
        start = {"registered_on": request.app.state.ctx.today().isoformat()}
        return page(request, TEMPLATE, session, values=start, errors={}, **values)
    return show


def _post(mode: str):
    async def post(request: Request, session: StaffMay(Permission.CORRECT), member_id: str, seq: str) -> Response:
        values = await form_data(request, session)
        ctx = request.app.state.ctx
        shown = _page_values(request, session, member_id, seq, mode)
        word, model, use_case = MODES[mode]

        def act():
            return use_case(ctx, session.actor, shown["m"].id, seq, parse(model, _values(model, values)))

        return submit(request, session, values, act,
                      lambda m: redirect(request, f"/staff/members/{m.id}", f"登録を{word}しました"),
                      TEMPLATE, **shown)
    return post


for _mode in MODES:
    router.add_api_route(f"/members/{{member_id}}/registrations/{{seq}}/{_mode}", _show(_mode), methods=["GET"])
    router.add_api_route(f"/members/{{member_id}}/registrations/{{seq}}/{_mode}", _post(_mode), methods=["POST"])


def _member_page(request: Request) -> str:
    """The member page the form was sent from (the path of the Referer only), else the search."""
    path = urlsplit(request.headers.get("referer", "")).path
    return path if path.startswith("/staff/members/") else "/staff/"


async def _cancel(request: Request, session: WebSession, act, what: str) -> Response:
    """A document's 取消 from the member page: back to it with what happened."""
    values = await form_data(request, session)
    try:
        result = act(parse(corrections.DocumentCancellation, _values(corrections.DocumentCancellation, values)))
    except (DomainError, ValidationError) as exc:
        if getattr(exc, "status", 422) in (401, 403, 404):
            raise
        why = "・".join(errors_of(exc).values())
        return redirect(request, _member_page(request), f"{what}を取消できませんでした：{why}")
    return redirect(request, f"/staff/members/{result['member_id']}",
                    f"{what}（交付番号 {result['serial'] or 'なし'}）を取消しました")


@router.post("/certificates/{cert_id}/cancellation")
async def cancel_certificate(request: Request, session: StaffMay(Permission.DOCUMENTS_CANCEL),
                             cert_id: str) -> Response:
    ctx = request.app.state.ctx
    return await _cancel(request, session, lambda form: corrections.cancel_certificate(
        ctx, session.actor, cert_id, form), "資格確認書")


@router.post("/documents/{doc_id}/cancellation")
async def cancel_document(request: Request, session: StaffMay(Permission.DOCUMENTS_CANCEL),
                          doc_id: str) -> Response:
    ctx = request.app.state.ctx
    return await _cancel(request, session, lambda form: corrections.cancel_document(
        ctx, session.actor, doc_id, form), "書類")
