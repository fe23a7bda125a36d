"""一括交付: ex officio (職権交付) and renewal (更新) runs started from the browser.

A run is created by the same use case as the API (`runs.start_ex_officio` / `start_renewal`) and
executed by `runs.execute` in a background thread, so the request returns at once and the event
loop never waits. The page follows the run by polling its checkpoint in the database (htmx, every
second): the same answer after a reload, from another worker, or after a restart. A run whose
process stopped stays "running" in the database; starting it again with the same parameters
resumes it after its checkpoint (D-24)."""
from __future__ import annotations

import os
import tempfile
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from ...domain.policy import Policy
from ...service_layer import commands, runs
from ...service_layer.accounts import WebSession
from ...service_layer.auth import Permission
from ...service_layer.context import Context
from . import background
from .common import StaffMay, form_data, page, parse, redirect, submit, templates
from .exports import run_items_csv, runs_csv, wants_csv
from .labels import ISSUE_REASONS, cohort_options, cohorts, renewal_hint

router = APIRouter(prefix="/staff", include_in_schema=False)

# A run is named by the reason its certificates are issued for (職権交付 / 更新).
KINDS = {kind: ISSUE_REASONS[kind] for kind in ("ex_officio", "renewal")}
HISTORY = 30  # past runs listed


def describe(run: dict, policy: Policy) -> str:
    """A run as its pages name it: 職権交付（and its cohort, `labels.cohorts`） / 更新（and the
    有効期限 it renews）."""
    if run["kind"] == "renewal":
        return f"更新（有効期限 {templates.env.filters['both'](date.fromisoformat(run['cohort']))} の資格確認書）"
    return f"職権交付（{cohorts(policy).get(run['cohort'], run['cohort'])}）"


def _form_wording(ctx: Context) -> dict:
    """What the form says of the policy's days (R-CERT-4, R-CERT-5, R-CERT-8)."""
    return {"cohorts": cohort_options(ctx.policy), "cycle_end_hint": renewal_hint(ctx.policy, ctx.today())}


@router.get("/runs")
def runs_page(request: Request, session: StaffMay(Permission.RUNS)) -> Response:
    """The form that starts a run, and the runs so far."""
    ctx = request.app.state.ctx
    if wants_csv(request):  # the runs listed, as a CSV file (D-134)
        return runs_csv(request, session, runs.list_runs(ctx, session.actor, HISTORY), KINDS,
                        lambda run: describe(run, ctx.policy))
    return page(request, "staff/runs.html", session, kinds=KINDS, errors={}, **_form_wording(ctx),
                past=runs.list_runs(ctx, session.actor, HISTORY),
                values={"kind": "ex_officio", "run_on": ctx.today().isoformat(), "cohort": "legacy_holders",
                        "dry_run": "on"})


@router.post("/runs")
async def start_run(request: Request, session: StaffMay(Permission.RUNS)) -> Response:
    values = await form_data(request, session)
    ctx = request.app.state.ctx

    def start() -> str:
        fields = {k: values.get(k, "") for k in ("run_on", "dry_run")}
        if values.get("kind") == "renewal":
            return runs.start_renewal(ctx, session.actor, parse(
                commands.RenewalRun, {**fields, "cycle_end": values.get("cycle_end", "")}))
        return runs.start_ex_officio(ctx, session.actor, parse(
            commands.CertificateRun, {**fields, "cohort": values.get("cohort", "")}))

    def started(run_id: str) -> Response:
        # A run that fails stays "running" at its checkpoint; its page offers to resume it.
        background.start(f"run-{run_id}", lambda: runs.execute(ctx, session.actor, run_id))
        return redirect(request, f"/staff/runs/{run_id}", f"処理 {run_id} を開始しました")

    return submit(request, session, values, start, started, "staff/runs.html", kinds=KINDS,
                  past=runs.list_runs(ctx, session.actor, HISTORY), **_form_wording(ctx))


def _progress(request: Request, session: WebSession, run_id: str) -> dict:
    # Whether the thread is alive is asked before the checkpoint is read: the other order could
    # see a finished thread beside the last "running" checkpoint and stop polling on a stale state.
    active = background.running(f"run-{run_id}")
    run = runs.progress_of(request.app.state.ctx, session.actor, run_id)
    return {"run": run, "active": active, "description": describe(run, request.app.state.ctx.policy),
            "kinds": KINDS}


@router.get("/runs/{run_id}")
def run_page(request: Request, session: StaffMay(Permission.RUNS), run_id: str) -> Response:
    if wants_csv(request):  # the run's members (its manifest) as a CSV file (D-134)
        return run_items_csv(request, session, run_id)
    return page(request, "staff/run.html", session, **_progress(request, session, run_id))


@router.get("/runs/{run_id}/progress")
def run_progress(request: Request, session: StaffMay(Permission.RUNS), run_id: str) -> Response:
    """The progress block alone, for htmx; once the run no longer moves, polling stops."""
    shown = _progress(request, session, run_id)
    moving = shown["run"]["status"] == "running" and shown["active"]
    return page(request, "staff/_run_progress.html", session,
                status=200 if moving else background.POLL_STOP, **shown)


@router.get("/runs/{run_id}/print-file")
def run_print_file(request: Request, session: StaffMay(Permission.RUNS), run_id: str) -> Response:
    """The print-shop PDF of the cards."""
    return _run_pdf(request, session, run_id, runs.print_file, "run-{}.pdf")


@router.get("/runs/{run_id}/mailers.pdf")
def run_mailers(request: Request, session: StaffMay(Permission.RUNS), run_id: str) -> Response:
    """The run's 送付状・台紙 with the address blocks, in postal order (D-163)."""
    return _run_pdf(request, session, run_id, runs.mailers_file, "run-{}-mailers.pdf")


def _run_pdf(request: Request, session: WebSession, run_id: str, write, name: str) -> Response:
    """A PDF of a run rendered into a temporary file (deleted once sent). The run is found
    (authorised, 404 otherwise) before any file is made, and the file is named after the run's
    own id, never after what the URL says."""
    ctx = request.app.state.ctx
    run_id = runs.get_run(ctx, session.actor, run_id)["id"]
    handle, path = tempfile.mkstemp(prefix=f"shikaku-run-{run_id}-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            write(ctx, session.actor, run_id, out)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type="application/pdf", filename=name.format(run_id),
                        background=BackgroundTask(os.unlink, path))


@router.get("/runs/{run_id}/manifest")
def run_manifest(request: Request, session: StaffMay(Permission.RUNS), run_id: str) -> Response:
    """The CSV manifest, UTF-8 with a BOM so that Excel opens it in Japanese."""
    content = runs.manifest(request.app.state.ctx, session.actor, run_id).encode("utf-8-sig")
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="run-{run_id}.csv"'})
