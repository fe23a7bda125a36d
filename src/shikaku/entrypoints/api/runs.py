"""The certificate runs on the API: 職権交付 and renewal (更新) runs of 資格確認書, their progress,
and their print-shop PDF and CSV manifest."""
from __future__ import annotations

import io

from fastapi.responses import Response

from ...service_layer import commands, runs
from ...service_layer.auth import Permission
from .common import Ctx, feature_router, pdf
from .guard import Caller

router = feature_router()


@router.post("/ex-officio-runs", status_code=201, tags=["runs"])
def ex_officio_run(ctx: Ctx, body: commands.CertificateRun, who: Caller(Permission.RUNS)) -> dict:
    return runs.ex_officio(ctx, who, body)


@router.post("/renewal-runs", status_code=201, tags=["runs"])
def renewal_run(ctx: Ctx, body: commands.RenewalRun, who: Caller(Permission.RUNS)) -> dict:
    return runs.renewal(ctx, who, body)


@router.get("/ex-officio-runs/{run_id}", tags=["runs"])
@router.get("/renewal-runs/{run_id}", tags=["runs"])
def get_run(ctx: Ctx, run_id: str, who: Caller(Permission.MEMBERS_READ)) -> dict:
    return runs.get_run(ctx, who, run_id)


@router.get("/runs/{run_id}/print-file", tags=["runs"], response_class=Response)
def run_print_file(ctx: Ctx, run_id: str, who: Caller(Permission.RUNS)) -> Response:
    out = io.BytesIO()
    runs.print_file(ctx, who, run_id, out)
    return pdf(out.getvalue(), f"run-{run_id}.pdf")


@router.get("/runs/{run_id}/mailers.pdf", tags=["runs"], response_class=Response)
def run_mailers(ctx: Ctx, run_id: str, who: Caller(Permission.RUNS)) -> Response:
    """The run's 送付状・台紙 (A4, the address block in a 長3 envelope's window), in postal order."""
    out = io.BytesIO()
    runs.mailers_file(ctx, who, run_id, out)
    return pdf(out.getvalue(), f"run-{run_id}-mailers.pdf")


@router.get("/runs/{run_id}/manifest", tags=["runs"], response_class=Response)
def run_manifest(ctx: Ctx, run_id: str, who: Caller(Permission.RUNS)) -> Response:
    return Response(runs.manifest(ctx, who, run_id).encode("utf-8-sig"), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="run-{run_id}.csv"'})
