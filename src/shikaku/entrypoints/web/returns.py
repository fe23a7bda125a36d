"""返納 on the staff pages (issue 14, item 5; D-148, D-149): 「返納を記録」 (from the member page or
the list), 未返納一覧 with its CSV file, and 「返納のお願いを印刷」 (one letter each, in postal
order). Thin: the use cases of `service_layer.returns` decide."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ...domain.errors import DomainError
from ...domain.wareki import format_wareki
from ...service_layer import commands, exports, returns
from ...service_layer.auth import Permission, allowed
from .common import Staff, StaffMay, errors_of, form_data, page, page_number, parse, redirect
from .exports import csv_response, wants_csv
from .members import _pdf

router = APIRouter(prefix="/staff", include_in_schema=False)
LIST = "/staff/unreturned"
PAGE_SIZE = 100
HEADER = ["記号", "番号", "枝番", "氏名", "資格喪失日", "交付番号", "交付日", "有効期限"]


def _back(values: dict) -> str:
    """Where the 返納 form was sent from (its `back` field; no Referer is sent): a member page
    or the list."""
    path = urlsplit(str(values.get("back", ""))).path
    return path if re.fullmatch(r"/staff/members/\w+", path) else LIST


@router.post("/certificates/{cert_id}/return")
async def record_return(request: Request, session: StaffMay(Permission.MEMBERS_WRITE), cert_id: str) -> Response:
    values = await form_data(request, session)
    try:
        form = parse(commands.CertificateReturn, {"returned_on": values.get("returned_on", "")})
        done = returns.record_return(request.app.state.ctx, session.actor, cert_id, form)
    except (DomainError, ValidationError) as exc:
        if getattr(exc, "status", 422) in (401, 403, 404):
            raise
        return redirect(request, _back(values), f"返納を記録できませんでした：{'・'.join(errors_of(exc).values())}")
    return redirect(request, _back(values), f"資格確認書（交付番号 {done['serial']}）の返納を"
                                             f"{format_wareki(done['returned_on'])}付で記録しました")


@router.get("/unreturned")
def unreturned_list(request: Request, session: Staff) -> Response:
    """未返納一覧: every certificate of a leaver still out today, newest loss first (paged)."""
    ctx = request.app.state.ctx
    items = returns.list_unreturned(ctx, session.actor)
    if wants_csv(request):
        return csv_response(request, session, "certificates.unreturned", f"unreturned-{ctx.today()}", HEADER,
                            ([u["symbol"], u["number"], u["branch"], u["name"], u["lost_on"], u["serial"],
                              u["issued_on"], u["expires_on"]] for u in items[:exports.EXPORT_LIMIT]),
                            total=len(items))
    number = page_number(request.query_params.get("page"))
    shown = items[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    return page(request, "staff/unreturned.html", session, items=shown, total=len(items), page_no=number,
                pages=max(1, -(-len(items) // PAGE_SIZE)), can_write=allowed(session.actor, Permission.MEMBERS_WRITE))


@router.get("/unreturned/reminders.pdf")
def reminders(request: Request, session: Staff) -> Response:
    """資格確認書の返納のお願い: all letters in one PDF, in postal order."""
    ctx = request.app.state.ctx
    content = returns.reminders_pdf(ctx, session.actor)
    return _pdf(content, f"返納のお願い-{ctx.today()}.pdf", f"return-reminders-{ctx.today()}.pdf")
