"""本日の受付 (issue 14, item 8; D-136): the registrations and documents entered on a day, by
clerk, from the audit trail (`service_layer.todays_work`), with links to the members, a date
picker for another day and the CSV of the list."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...domain.errors import DomainError
from ...service_layer import todays_work
from .audit import ACTIONS
from .common import ROLE, Staff, page
from .exports import csv_response, wants_csv

router = APIRouter(prefix="/staff", include_in_schema=False)

INVALID_DAY = "日付は 2026-06-01 の形で、本日までの日を指定してください"


def _day(raw: str | None) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


@router.get("/today")
def today_page(request: Request, session: Staff) -> Response:
    ctx, raw = request.app.state.ctx, request.query_params.get("day", "")
    day = _day(raw)
    errors = {}
    if raw.strip() and day is None:
        errors = {"day": INVALID_DAY}
    try:
        work = todays_work.day_of_work(ctx, session.actor, None if errors else day)
    except DomainError as exc:
        if exc.status != 422 or exc.field != "day":
            raise
        errors, work = {"day": exc.message}, todays_work.day_of_work(ctx, session.actor, None)
    if errors:  # the page of today, with the reason by the date field
        return page(request, "staff/today.html", session, status=422, work=work, actions=ACTIONS,
                    values={"day": raw[:20]}, errors=errors, is_today=True)
    if wants_csv(request):
        header = ["日時", "担当者", "役割", "操作", "操作コード", "加入者", "加入者ID・対象"]
        rows = ([item.at.isoformat(sep=" ", timespec="seconds"), item.actor, ROLE.get(item.role, item.role),
                 ACTIONS.get(item.action, item.action), item.action, item.member or "", item.target or ""]
                for item in work.items)
        return csv_response(request, session, "today", f"today-{work.day.isoformat()}", header, rows,
                            day=work.day.isoformat())
    return page(request, "staff/today.html", session, work=work, actions=ACTIONS,
                values={"day": work.day.isoformat()}, errors={}, is_today=work.day == ctx.today(),
                csv_query={"day": work.day.isoformat()})
