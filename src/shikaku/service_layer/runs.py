"""職権交付 (R-CERT-4) and 更新 (R-CERT-8) runs over the whole society.

A run walks the members in id order, a batch per transaction. Each batch locks its members,
re-reads their certificates, issues, and moves the run's checkpoint, all or nothing, so a run
killed at any point and then resumed (or run again) leaves every member with exactly one
certificate: one from a batch that committed, none from one that did not."""
from __future__ import annotations

import io
import os
from datetime import date, datetime, timezone
from typing import Callable, Iterator

from ..adapters import csv_cells
from ..adapters.db import repository as repo
from ..domain import certificates as rules
from ..domain.addresses import Delivery, postal_key
from ..domain.certificates import EligibilityCertificate, IssueRun
from ..domain.documents import EligibilityCertificatePrint
from ..domain.errors import DomainError
from ..domain.family import MemberRecord
from . import addresses, commands
from .auth import Actor, Permission, authorize
from .context import Context
from .documents import certificate_print, issue_certificate
from .unit_of_work import UnitOfWork

BATCH = int(os.environ.get("SHIKAKU_RUN_BATCH", "2000"))  # members per transaction
PRINT_BATCH = 500  # certificates whose families are loaded at once for the print file
Progress = Callable[[int, int], None]  # (members done, members in all)


def _body(run: IssueRun) -> dict:
    return {"id": str(run.id), "kind": run.kind, "run_on": run.run_on, "cohort": run.cohort,
            "dry_run": run.dry_run, "status": run.status, "issued": run.issued, "skipped": run.skipped,
            "started_at": run.started_at, "finished_at": run.finished_at}


def get_run(ctx: Context, actor: Actor, run_id: str) -> dict:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        return _body(_run(uow, run_id))


def _run(uow: UnitOfWork, run_id: str) -> IssueRun:
    run = uow.runs.get(repo.parse_id(str(run_id)))
    if run is None:
        raise DomainError("run_not_found", "該当する処理が見つかりません", status=404)
    return run


def start(ctx: Context, actor: Actor, kind: str, run_on: date, cohort: str, dry_run: bool) -> str:
    """Creates a run, or returns the unfinished one with the same parameters (resume)."""
    authorize(actor, Permission.RUNS)
    with ctx.writing() as uow:
        unfinished = uow.runs.unfinished(kind, run_on, cohort, dry_run)
        if unfinished:
            return str(unfinished)
        run_id = uow.runs.add(kind, run_on, cohort, dry_run, datetime.now(timezone.utc))
        uow.audit(actor, f"run.{kind}.start", str(run_id), run_on=run_on.isoformat(), cohort=cohort,
                  dry_run=dry_run)
    return str(run_id)


def execute(ctx: Context, actor: Actor, run_id: str, progress: Progress | None = None) -> dict:
    """Runs (or resumes) a run to its end."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as uow:
        run = _run(uow, run_id)
        done, total = uow.runs.position(run.last_member_id)
    while run.running:
        done += _batch(ctx, run)
        if progress:
            progress(done, total)
        with ctx.reading() as uow:
            run = _run(uow, run_id)
    return _body(run)


def progress_of(ctx: Context, actor: Actor, run_id: str) -> dict:
    """A run with how far it got (`done` of `total` members), read from its checkpoint: the same
    answer from any process, during the run, after it, and after a crash."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as uow:
        run = _run(uow, run_id)
        done, total = uow.runs.position(run.last_member_id)
    return {**_body(run), "done": done if run.running else total, "total": total}


def list_runs(ctx: Context, actor: Actor, limit: int = 50) -> list[dict]:
    """The latest runs, newest first."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as uow:
        return [_body(run) for run in uow.runs.latest(limit)]


def _batch(ctx: Context, run: IssueRun) -> int:
    """One batch in one transaction; returns the number of members it looked at."""
    with ctx.writing() as uow:
        batch = uow.runs.next_batch(run.last_member_id, BATCH)
        if not batch:
            uow.runs.complete(run.id, datetime.now(timezone.utc))
            return 0
        families = uow.families.of_families(family_id for _, family_id in batch)
        records = [families[family_id].members[member_id] for member_id, family_id in batch]
        cards = uow.myna_cards.by_hash(r.my_number.digest for r in records if r.my_number)
        held = uow.certificates.of_members(member_id for member_id, _ in batch)
        issued = skipped = 0
        for record in records:
            member_id, sealed = record.member_id, record.my_number
            grant = run.grant(families[record.identity.family_id].history.state(member_id, run.run_on),
                              cards.get(sealed.digest, []) if sealed else [],
                              [c.held for c in held.get(member_id, [])], ctx.policy)
            if grant is None:
                skipped += 1
                continue
            issued += 1
            if not run.dry_run:
                issue_certificate(uow, member_id, grant.reason, run.run_on, grant.valid_from,
                                  grant.expires_on, run_id=run.id)
        uow.runs.advance(run.id, issued, skipped, batch[-1][0])
        return len(batch)


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
    cycle_end = rules.renewal_cycle_end(run_on, form.cycle_end, ctx.policy)
    return start(ctx, actor, "renewal", run_on, cycle_end.isoformat(), form.dry_run)


def _printed(ctx: Context, uow: UnitOfWork, run: IssueRun) -> Iterator[
        tuple[EligibilityCertificate, MemberRecord, EligibilityCertificatePrint, Delivery | None]]:
    """The run's certificates in postal order (D-117, D-147: by the postcode and address each
    is mailed to, those with nowhere to go last), each with its holder's record, what it
    prints and where it goes (addressed to the name it prints)."""
    order = _postal_order(uow, uow.certificates.of_run(run.id))
    for start_at in range(0, len(order), PRINT_BATCH):
        chunk = order[start_at:start_at + PRINT_BATCH]
        families = uow.families.of_families(family_id for _, family_id in chunk)
        docs = [(cert, families[family_id], certificate_print(ctx, families[family_id], cert))
                for cert, family_id in chunk]
        where = addresses.deliveries(uow, [(cert.member_id, family, doc.holder.name) for cert, family, doc in docs])
        for cert, family, doc in docs:
            yield cert, family.members[cert.member_id], doc, where[cert.member_id]


def _postal_order(uow: UnitOfWork, order: list[tuple[EligibilityCertificate, int]]) -> list[
        tuple[EligibilityCertificate, int]]:
    """The run's (certificate, family id) sorted by `postal_key`, the families read a block at a
    time (the run's own order, by 記号・番号・枝番, breaks no tie: the member id does)."""
    keyed = []
    for start_at in range(0, len(order), PRINT_BATCH):
        chunk = order[start_at:start_at + PRINT_BATCH]
        families = uow.families.of_families(family_id for _, family_id in chunk)
        where = addresses.deliveries(uow, [(cert.member_id, families[family_id], "") for cert, family_id in chunk])
        keyed.extend((postal_key(where[cert.member_id], cert.member_id), cert, family_id)
                     for cert, family_id in chunk)
    keyed.sort(key=lambda item: item[0])
    return [(cert, family_id) for _, cert, family_id in keyed]


def _mailed_to(delivery: Delivery | None) -> tuple[str, str]:
    """The manifest's 郵便番号 and 送付先 (自宅 or 事業所; 宛先なし when nowhere is known, D-163)."""
    if delivery is None:
        return "", "宛先なし"
    return delivery.postcode, "事業所" if delivery.via_employer else "自宅"


def print_file(ctx: Context, actor: Actor, run_id: str, out, progress: Callable[[int], None] | None = None) -> int:
    """The print-shop PDF of a run: one card (front, back) after another, in postal order."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as uow:
        run = _run(uow, run_id)
        docs = (doc for _, _, doc, _ in _printed(ctx, uow, run))
        return ctx.renderer.eligibility_certificates(docs, out, progress)


def mailers_file(ctx: Context, actor: Actor, run_id: str, out) -> int:
    """The run's mailing file (D-163): every certificate on its A4 送付状・台紙 with the address
    block for the window of a 長3 envelope, in the print file's postal order; returns the
    number of sheets."""
    authorize(actor, Permission.RUNS)
    with ctx.reading() as uow:
        run = _run(uow, run_id)
        sheets = ((ctx.renderer.certificate_face(doc), cert.serial, doc.holder, cert.issued_on, delivery)
                  for cert, _, doc, delivery in _printed(ctx, uow, run))
        return ctx.renderer.mount_sheets_to(sheets, out)


def manifest(ctx: Context, actor: Actor, run_id: str) -> str:
    """CSV manifest of a run (for the print shop and the mailing), in the print file's order;
    opened in a spreadsheet, so its cells are escaped (`csv_cells`)."""
    authorize(actor, Permission.RUNS)
    buffer = io.StringIO()
    writer = csv_cells.writer(buffer)
    writer.writerow(["連番", "交付番号", "記号", "番号", "枝番", "氏名", "交付年月日", "有効開始日", "有効期限",
                     "郵便番号", "送付先"])
    with ctx.reading() as uow:
        run = _run(uow, run_id)
        for n, (cert, record, doc, delivery) in enumerate(_printed(ctx, uow, run), start=1):
            i = record.identity
            writer.writerow([n, cert.serial, i.symbol, i.number, i.branch, doc.holder.name,
                             cert.issued_on, cert.valid_from, cert.expires_on, *_mailed_to(delivery)])
    return buffer.getvalue()
