"""職権交付 (R-CERT-4) and 更新 (R-CERT-8) runs over the whole society.

A run walks the members in id order, a batch per transaction. Each batch locks its members,
re-reads their certificates, issues, and moves the run's checkpoint, all or nothing, so a run
killed at any point and then resumed (or run again) leaves every member with exactly one
certificate: one from a batch that committed, none from one that did not."""
from __future__ import annotations

import io
import os
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator

from sqlalchemy import Connection, func, insert, select, update

from ..adapters import csv_cells
from ..adapters.db import repository as repo
from ..adapters.db.schema import certificate_runs, eligibility_certificates, members
from ..domain import certificates as rules
from ..domain.certificates import CertificateReason
from ..domain.errors import DomainError
from ..domain.myna import myna_usable
from . import commands
from .auth import Actor, Permission, authorize
from .context import Context, audit
from .documents import certificate_print, insert_certificate

BATCH = int(os.environ.get("SHIKAKU_RUN_BATCH", "2000"))  # members per transaction
Progress = Callable[[int, int], None]  # (members done, members in all)


def _body(row) -> dict:
    return {"id": str(row.id), "kind": row.kind, "run_on": row.run_on, "cohort": row.cohort,
            "dry_run": row.dry_run, "status": row.status, "issued": row.issued, "skipped": row.skipped,
            "started_at": row.started_at, "finished_at": row.finished_at}


def get_run(ctx: Context, actor: Actor, run_id: str) -> dict:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as conn:
        return _body(_run_row(conn, run_id))


def _run_row(conn: Connection, run_id: str):
    row = conn.execute(select(certificate_runs).where(
        certificate_runs.c.id == repo.parse_id(str(run_id)))).first()
    if row is None:
        raise DomainError("run_not_found", "該当する処理が見つかりません", status=404)
    return row


def start(ctx: Context, actor: Actor, kind: str, run_on: date, cohort: str, dry_run: bool) -> str:
    """Creates a run, or returns the unfinished one with the same parameters (resume)."""
    authorize(actor, Permission.RUNS)
    with ctx.writing() as conn:
        unfinished = conn.execute(select(certificate_runs.c.id).where(
            certificate_runs.c.kind == kind, certificate_runs.c.run_on == run_on,
            certificate_runs.c.cohort == cohort, certificate_runs.c.dry_run == dry_run,
            certificate_runs.c.status == "running")).first()
        if unfinished:
            return str(unfinished.id)
        run_id = conn.execute(insert(certificate_runs).values(
            kind=kind, run_on=run_on, cohort=cohort, dry_run=dry_run, status="running", issued=0,
            skipped=0, last_member_id=0, started_at=datetime.now(timezone.utc))).inserted_primary_key[0]
        audit(conn, actor, f"run.{kind}.start", str(run_id), run_on=run_on.isoformat(), cohort=cohort,
              dry_run=dry_run)
    return str(run_id)


def execute(ctx: Context, actor: Actor, run_id: str, progress: Progress | None = None) -> dict:
    """Runs (or resumes) a run to its end."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as conn:
        run = _run_row(conn, run_id)
        done, total = _position(conn, run)
    while run.status == "running":
        done += _batch(ctx, run)
        if progress:
            progress(done, total)
        with ctx.reading() as conn:
            run = _run_row(conn, run_id)
    return _body(run)


def _position(conn: Connection, run) -> tuple[int, int]:
    """(members done, members in all): the checkpoint counted against the registry."""
    total = conn.execute(select(func.count()).select_from(members)).scalar_one()
    done = conn.execute(select(func.count()).select_from(members)
                        .where(members.c.id <= run.last_member_id)).scalar_one()
    return done, total


def progress_of(ctx: Context, actor: Actor, run_id: str) -> dict:
    """A run with how far it got (`done` of `total` members), read from its checkpoint: the same
    answer from any process, during the run, after it, and after a crash."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as conn:
        run = _run_row(conn, run_id)
        done, total = _position(conn, run)
    return {**_body(run), "done": total if run.status == "completed" else done, "total": total}


def list_runs(ctx: Context, actor: Actor, limit: int = 50) -> list[dict]:
    """The latest runs, newest first."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as conn:
        rows = conn.execute(select(certificate_runs).order_by(certificate_runs.c.id.desc()).limit(limit))
        return [_body(row) for row in rows]


def _batch(ctx: Context, run) -> int:
    """One batch in one transaction; returns the number of members it looked at."""
    with ctx.writing() as conn:
        rows = list(conn.execute(select(members).where(members.c.id > run.last_member_id)
                                 .order_by(members.c.id).limit(BATCH).with_for_update()))
        if not rows:
            conn.execute(update(certificate_runs).where(certificate_runs.c.id == run.id).values(
                status="completed", finished_at=datetime.now(timezone.utc)))
            return 0
        families = repo.load_families(conn, (r.family_id for r in rows))
        cards = repo.cards_by_hash(conn, (r.my_number_hash for r in rows))
        held = _held_by_member(conn, [r.id for r in rows])
        issued = skipped = 0
        for row in rows:
            grant = _decide(ctx, run, families[row.family_id].state(row.id, run.run_on),
                            cards.get(row.my_number_hash, []), held.get(row.id, []))
            if grant is None:
                skipped += 1
                continue
            issued += 1
            if not run.dry_run:
                valid_from, expires_on, reason = grant
                insert_certificate(conn, row.id, reason, run.run_on, valid_from, expires_on, run_id=run.id)
        conn.execute(update(certificate_runs).where(certificate_runs.c.id == run.id).values(
            issued=certificate_runs.c.issued + issued, skipped=certificate_runs.c.skipped + skipped,
            last_member_id=rows[-1].id))
        return len(rows)


def _held_by_member(conn: Connection, member_ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {}
    rows = conn.execute(select(eligibility_certificates)
                        .where(eligibility_certificates.c.member_id.in_(member_ids)))
    for r in rows:
        found.setdefault(r.member_id, []).append(
            rules.HeldCertificate(r.serial, CertificateReason(r.reason), r.valid_from, r.expires_on,
                                  r.superseded_on))
    return found


def _decide(ctx: Context, run, state, cards, held) -> tuple[date, date, CertificateReason] | None:
    """(valid_from, expires_on, reason) when the run issues this member a certificate."""
    if run.kind == "renewal":
        cycle_end = date.fromisoformat(run.cohort)
        start_on = cycle_end + timedelta(days=1)
        usable = myna_usable(state.online_from, cards, run.run_on, ctx.policy)
        if not rules.needs_renewal(state, cycle_end, usable, held):
            return None
        return start_on, rules.certificate_expiry(start_on, state, ctx.policy), CertificateReason.RENEWAL
    usable = myna_usable(state.online_from, cards, run.run_on, ctx.policy)
    if not rules.in_ex_officio_cohort(state, run.cohort, run.run_on, usable, held, ctx.policy):
        return None
    return run.run_on, rules.certificate_expiry(run.run_on, state, ctx.policy), CertificateReason.EX_OFFICIO


def ex_officio(ctx: Context, actor: Actor, form: commands.CertificateRun,
               progress: Progress | None = None) -> dict:
    """職権交付 (R-CERT-4) for a cohort, idempotent."""
    return execute(ctx, actor, start_ex_officio(ctx, actor, form), progress)


def start_ex_officio(ctx: Context, actor: Actor, form: commands.CertificateRun) -> str:
    """Checks and creates (or finds the unfinished) ex officio run, without executing it."""
    authorize(actor, Permission.RUNS)
    run_on = form.run_on or ctx.today()
    rules.check_certificates_exist(run_on, "run_on", ctx.policy)
    return start(ctx, actor, "ex_officio", run_on, form.cohort, form.dry_run)


def renewal(ctx: Context, actor: Actor, form: commands.RenewalRun, progress: Progress | None = None) -> dict:
    """更新 (R-CERT-8): from 09-01 before a cycle end E, certificates valid from E+1."""
    return execute(ctx, actor, start_renewal(ctx, actor, form), progress)


def start_renewal(ctx: Context, actor: Actor, form: commands.RenewalRun) -> str:
    """Checks and creates (or finds the unfinished) renewal run, without executing it."""
    authorize(actor, Permission.RUNS)
    run_on = form.run_on or ctx.today()
    rules.check_certificates_exist(run_on, "run_on", ctx.policy)
    if form.cycle_end:
        rules.check_certificates_exist(form.cycle_end, "cycle_end", ctx.policy)
    cycle_end = form.cycle_end or rules.cycle_end_on_or_after(run_on, ctx.policy)
    if cycle_end != rules.cycle_end_on_or_after(cycle_end, ctx.policy):
        raise DomainError("not_a_cycle_end", "更新サイクルの終了日ではありません", "cycle_end")
    if not rules.renewal_window(cycle_end, ctx.policy) <= run_on <= cycle_end:
        raise DomainError("outside_renewal_window",
                          "更新の処理は有効期限の年の9月1日から有効期限までに行います", "run_on")
    return start(ctx, actor, "renewal", run_on, cycle_end.isoformat(), form.dry_run)


def print_order(conn: Connection, run_id: int) -> Iterator:
    """The run's certificates in mailing order: by employer (記号), then 番号 and 枝番."""
    return conn.execute(select(eligibility_certificates, members.c.symbol, members.c.number,
                               members.c.branch)
                        .join(members, members.c.id == eligibility_certificates.c.member_id)
                        .where(eligibility_certificates.c.run_id == run_id)
                        .order_by(members.c.symbol, func.length(members.c.number), members.c.number,
                                  members.c.branch))


def print_file(ctx: Context, actor: Actor, run_id: str, out, progress: Callable[[int], None] | None = None) -> int:
    """The print-shop PDF of a run: one card (front, back) after another, in mailing order."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as conn:
        run = _run_row(conn, run_id)
        docs = (certificate_print(ctx, conn, cert) for cert in print_order(conn, run.id))
        return ctx.renderer.eligibility_certificates(docs, out, progress)


def manifest(ctx: Context, actor: Actor, run_id: str) -> str:
    """CSV manifest of a run (for the print shop and the mailing), in the print file's order;
    opened in a spreadsheet, so its cells are escaped (`csv_cells`)."""
    authorize(actor, Permission.RUNS)
    buffer = io.StringIO()
    writer = csv_cells.writer(buffer)
    writer.writerow(["連番", "交付番号", "記号", "番号", "枝番", "氏名", "交付年月日", "有効開始日", "有効期限"])
    with ctx.reading() as conn:
        run = _run_row(conn, run_id)
        for n, cert in enumerate(print_order(conn, run.id), start=1):
            doc = certificate_print(ctx, conn, cert)
            writer.writerow([n, cert.serial, cert.symbol, cert.number, cert.branch, doc.holder.name,
                             cert.issued_on, cert.valid_from, cert.expires_on])
    return buffer.getvalue()
