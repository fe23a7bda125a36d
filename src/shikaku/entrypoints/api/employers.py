"""The 事業所 master on the API (API.md, Employers): register, list, read and change an employer,
and import a CSV of employers (all rows or none)."""
from __future__ import annotations

from typing import Annotated

from fastapi import File, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...service_layer import employers
from ...service_layer.auth import Permission
from .common import AsOf, Ctx, Offset, feature_router
from .guard import Caller
from .problems import problem

router = feature_router()


class EmployerPage(BaseModel):
    items: list[employers.EmployerView]
    total: int


@router.post("/employers", status_code=201, tags=["employers"])
def add_employer(ctx: Ctx, body: employers.EmployerRegistration,
                 who: Caller(Permission.EMPLOYERS_WRITE)) -> employers.EmployerView:
    return employers.add(ctx, who, body)


@router.get("/employers", tags=["employers"])
def list_employers(ctx: Ctx, who: Caller(Permission.EMPLOYERS_READ), as_of: AsOf = None,
                   q: Annotated[str | None, Query(max_length=100, description="記号（前方一致）・名称・所在地")] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0) -> EmployerPage:
    items, total = employers.list_employers(ctx, who, q, limit, offset, as_of)
    return EmployerPage(items=items, total=total)


@router.post("/employers/import", tags=["employers"])
def import_employers(ctx: Ctx, who: Caller(Permission.EMPLOYERS_WRITE),
                     file: Annotated[UploadFile, File(description="記号,名称,郵便番号,所在地,電話,適用年月日,脱退日")]):
    """All rows or none: 200 with the counts, or 422 `employer_file_refused` with every error."""
    result = employers.import_file(ctx, who, file.file, file.filename or "")
    body = result.as_dict()
    if result.status != "imported":
        return problem(422, "employer_file_refused",
                       f"事業所のファイルを取り込めません：誤りが {result.error_count} 件あります（何も登録していません）",
                       [{"field": e["column"] or "file", **e} for e in body["errors"]])
    return JSONResponse(body)


@router.get("/employers/{symbol}", tags=["employers"])
def get_employer(ctx: Ctx, symbol: str, who: Caller(Permission.EMPLOYERS_READ),
                 as_of: AsOf = None) -> employers.EmployerView:
    return employers.get(ctx, who, symbol, as_of)


@router.patch("/employers/{symbol}", tags=["employers"])
def change_employer(ctx: Ctx, symbol: str, body: employers.EmployerChange,
                    who: Caller(Permission.EMPLOYERS_WRITE)) -> employers.EmployerView:
    return employers.update(ctx, who, symbol, body)
