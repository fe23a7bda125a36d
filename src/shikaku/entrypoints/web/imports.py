"""届出の取込: an employer's notification file uploaded from the browser (issue 6's import).

The upload is copied to a private temporary file and `exchange.import_notifications` (the use
case the CLI runs) reads it in a background thread; the page polls its progress (htmx) and then
shows the result: the counts, or every error with its row, column, value (a 個人番号 masked)
and reason. The work and its result live in this server process (an import is all or nothing,
so an interrupted one stored nothing and is simply uploaded again); only the user who uploaded
sees them."""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...domain.errors import DomainError
from ...service_layer import exchange
from ...service_layer.auth import Actor, Permission, authorize
from ...service_layer.context import Context
from . import background
from .common import Staff, StaffMay, form_data, page, redirect
from .exports import import_errors_csv, wants_csv

router = APIRouter(prefix="/staff", include_in_schema=False)

KEPT = 20  # finished imports remembered per process (the oldest are forgotten)


@dataclass
class ImportJob:
    id: str
    owner: str  # the subject of the user who uploaded
    filename: str
    dry_run: bool
    confirm_duplicates: bool = False  # 「同一人物の可能性がある行を確認しました」 (D-153)
    stage: str = exchange.READ_STAGE
    done: int = 0
    total: int | None = None
    result: exchange.ImportResult | None = None
    refusal: str | None = None  # a refusal of the whole import (e.g. a key rotation is running)
    failed: bool = False  # stopped by an unexpected error

    @property
    def finished(self) -> bool:
        return self.result is not None or self.refusal is not None or self.failed


_jobs: dict[str, ImportJob] = {}


def _import(ctx: Context, actor: Actor, job: ImportJob, path: str) -> None:
    def progress(stage: str, done: int, total: int | None) -> None:
        job.stage, job.done, job.total = stage, done, total

    try:
        with open(path, "rb") as stream:
            job.result = exchange.import_notifications(ctx, actor, stream, job.filename,
                                                       dry_run=job.dry_run,
                                                       confirm_duplicates=job.confirm_duplicates, progress=progress)
    except DomainError as exc:
        job.refusal = exc.message
    except Exception:
        job.failed = True
        raise
    finally:
        os.unlink(path)


def _remember(job: ImportJob) -> None:
    finished = [key for key, kept in _jobs.items() if kept.finished]
    for key in finished[:max(0, len(finished) - KEPT + 1)]:
        del _jobs[key]
    _jobs[job.id] = job


def _job(session, job_id: str) -> ImportJob:
    authorize(session.actor, Permission.MEMBERS_WRITE)
    job = _jobs.get(job_id)
    if job is None or job.owner != session.actor.subject:
        raise DomainError("import_not_found", "該当する取込が見つかりません。取込の結果はサーバーの再起動で"
                          "消えます。もう一度ファイルを選んで取り込んでください", status=404)
    return job


@router.get("/imports")
def import_form(request: Request, session: StaffMay(Permission.MEMBERS_WRITE)) -> Response:
    return page(request, "staff/imports.html", session, values={"dry_run": "on"}, errors={})


@router.post("/imports")
async def upload_file(request: Request, session: StaffMay(Permission.MEMBERS_WRITE)) -> Response:
    values = await form_data(request, session)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "staff/imports.html", session, status=422, values=values,
                    errors={"file": "取り込む届出ファイルを選んでください"})
    handle, path = tempfile.mkstemp(prefix="shikaku-import-", suffix=".csv")  # mode 0600
    with os.fdopen(handle, "wb") as copy:
        await run_in_threadpool(shutil.copyfileobj, upload.file, copy)
    job = ImportJob(secrets.token_urlsafe(12), session.actor.subject, os.path.basename(upload.filename),
                    dry_run=bool(values.get("dry_run")),
                    confirm_duplicates=bool(values.get("confirm_duplicates")))
    _remember(job)
    ctx, actor = request.app.state.ctx, session.actor
    background.start(f"import-{job.id}", lambda: _import(ctx, actor, job, path))
    return redirect(request, f"/staff/imports/{job.id}", f"{job.filename} の{'検査' if job.dry_run else '取込'}を開始しました")


@router.get("/imports/{job_id}")
def import_page(request: Request, session: Staff, job_id: str) -> Response:
    if wants_csv(request):  # the import's errors as a CSV file (D-134)
        return import_errors_csv(request, session, job_id, _job(session, job_id).result)
    return page(request, "staff/import.html", session, job=_job(session, job_id))


@router.get("/imports/{job_id}/progress")
def import_progress(request: Request, session: Staff, job_id: str) -> Response:
    job = _job(session, job_id)
    return page(request, "staff/_import_progress.html", session, job=job,
                status=background.POLL_STOP if job.finished else 200)
