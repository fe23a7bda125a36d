"""事業所 pages (the employer master, issue 14 item 1): the list searched by 記号 or 名称 (paged,
and as a CSV file), an employer's page, the add and change forms and the upload of an
employers' CSV (all rows or none). Thin: the use cases of `service_layer.employers` decide,
with the permissions of the API (EMPLOYERS_READ / EMPLOYERS_WRITE)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ...domain.employers import LABELS
from ...service_layer import employers, exports
from ...service_layer.auth import Permission, allowed
from .common import StaffMay, form_data, page, page_number, parse, redirect, submit, templates
from .exports import csv_response, wants_csv

router = APIRouter(prefix="/staff", include_in_schema=False)

PAGE_SIZE = 50
MAX_QUERY = 100


@router.get("/employers")
def employer_list(request: Request, session: StaffMay(Permission.EMPLOYERS_READ)) -> Response:
    """事業所一覧: a 記号 prefix or a part of the 名称 or 所在地; 50 a page."""
    ctx, q = request.app.state.ctx, request.query_params.get("q", "").strip()[:MAX_QUERY]
    if wants_csv(request):
        return _csv(request, session, q)
    number = page_number(request.query_params.get("page"))
    found, total = employers.list_employers(ctx, session.actor, q or None, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    return page(request, "staff/employers.html", session, found=found, total=total, number=number,
                pages=max(1, -(-total // PAGE_SIZE)), values={"q": q}, errors={},
                can_write=allowed(session.actor, Permission.EMPLOYERS_WRITE))


def _csv(request: Request, session, q: str) -> Response:
    found, total = employers.list_employers(request.app.state.ctx, session.actor, q or None, exports.EXPORT_LIMIT)
    header = ["記号", "名称", "郵便番号", "所在地", "電話", "適用年月日", "脱退日", "適用中", "被保険者数", "被扶養者数"]
    rows = ([e.symbol, e.name, e.postcode or "", e.address or "", e.phone or "", e.applied_on, e.withdrawn_on,
             "適用中" if e.in_force else "適用外", e.insured, e.dependents] for e in found)
    return csv_response(request, session, "employers", f"employers-{request.app.state.ctx.today()}", header, rows,
                        criteria={"q": q} if q else {}, total=total)


_ADD = {"title": "事業所の登録", "action": "/staff/employers/new", "e": None}


@router.get("/employers/new")
def add_form(request: Request, session: StaffMay(Permission.EMPLOYERS_WRITE)) -> Response:
    return page(request, "staff/employer_form.html", session, values={}, errors={}, **_ADD)


templates.env.globals["employer_labels"] = LABELS  # the form's error list names each field


@router.post("/employers/new")
async def add(request: Request, session: StaffMay(Permission.EMPLOYERS_WRITE)) -> Response:
    values = await form_data(request, session)
    ctx = request.app.state.ctx
    return submit(request, session, values,
                  lambda: employers.add(ctx, session.actor, _registration(values)),
                  lambda e: redirect(request, f"/staff/employers/{e.symbol}",
                                     f"事業所 {e.name}（記号 {e.symbol}）を登録しました"),
                  "staff/employer_form.html", **_ADD)


def _registration(values: dict[str, str]) -> employers.EmployerRegistration:
    fields = {k: v for k, v in values.items() if k in employers.EmployerRegistration.model_fields}
    return parse(employers.EmployerRegistration, fields, mail_via=bool(values.get("mail_via")))


@router.get("/employers/import")
def import_form(request: Request, session: StaffMay(Permission.EMPLOYERS_WRITE)) -> Response:
    return page(request, "staff/employers_import.html", session, values={}, errors={}, result=None)


@router.post("/employers/import")
async def import_file(request: Request, session: StaffMay(Permission.EMPLOYERS_WRITE)) -> Response:
    """事業所一覧の取込: all rows or none; the result (or every error by row and column) at once."""
    values = await form_data(request, session)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "staff/employers_import.html", session, status=422, values=values,
                    errors={"file": "取り込む事業所のファイルを選んでください"}, result=None)
    result = employers.import_file(request.app.state.ctx, session.actor, upload.file, upload.filename)
    if result.status == "imported":
        return redirect(request, "/staff/employers", f"{result.filename} を取り込みました"
                        f"（追加 {result.added} 件、変更 {result.updated} 件）")
    return page(request, "staff/employers_import.html", session, status=422, values={}, errors={},
                result=result)


@router.get("/employers/{symbol}")
def employer_page(request: Request, session: StaffMay(Permission.EMPLOYERS_READ), symbol: str) -> Response:
    """事業所の詳細: its fields, whether it is in force today and its members counted."""
    employer = employers.get(request.app.state.ctx, session.actor, symbol)
    return page(request, "staff/employer.html", session, e=employer,
                can_write=allowed(session.actor, Permission.EMPLOYERS_WRITE))


def _change_page(employer) -> dict:
    return {"title": "事業所の変更", "action": f"/staff/employers/{employer.symbol}/edit", "e": employer}


@router.get("/employers/{symbol}/edit")
def change_form(request: Request, session: StaffMay(Permission.EMPLOYERS_WRITE), symbol: str) -> Response:
    employer = employers.get(request.app.state.ctx, session.actor, symbol)
    values = {k: "" if getattr(employer, k) is None else str(getattr(employer, k))
              for k in ("name", "postcode", "address", "phone", "withdrawn_on")}
    values["mail_via"] = "on" if employer.mail_via else ""
    return page(request, "staff/employer_form.html", session, values=values, errors={}, **_change_page(employer))


@router.post("/employers/{symbol}/edit")
async def change(request: Request, session: StaffMay(Permission.EMPLOYERS_WRITE), symbol: str) -> Response:
    """事業所の変更: every field of the form is sent; an emptied optional field is cleared."""
    values = await form_data(request, session)
    ctx = request.app.state.ctx
    employer = employers.get(ctx, session.actor, symbol)

    def act():
        fields = {k: values.get(k, "") for k in ("name", "postcode", "address", "phone", "withdrawn_on")}
        command = parse(employers.EmployerChange, fields, mail_via=bool(values.get("mail_via")))
        cleared = {k: None for k, v in fields.items() if not v.strip()}
        return employers.update(ctx, session.actor, employer.symbol,
                                employers.EmployerChange(**command.model_dump(exclude_unset=True), **cleared))

    return submit(request, session, values, act,
                  lambda e: redirect(request, f"/staff/employers/{e.symbol}", f"事業所 {e.name} を変更しました"),
                  "staff/employer_form.html", **_change_page(employer))
