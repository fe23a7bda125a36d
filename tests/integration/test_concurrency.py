"""Concurrency (issue 7, item 5): parallel writers, each on its own connection through the
service layer, never hand out one certificate, 番号 or 枝番 twice (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from shikaku.adapters.db.schema import eligibility_certificates
from shikaku.domain.errors import DomainError
from shikaku.service_layer import commands, documents
from tests.builders import dependent_body, enrolled, insured_body

PARALLEL = 50


def in_parallel(task, n: int = PARALLEL) -> list:
    """Runs `task(i)` n times on n threads released together; a result or the DomainError."""
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        try:
            return task(i)
        except DomainError as refused:
            return refused

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_parallel_applications_give_exactly_one_certificate(ctx, admin):
    member = enrolled(ctx, admin, insured_body())
    form = commands.CertificateApplication(reason="no_card", applied_on=date(2026, 1, 10))
    results = in_parallel(lambda _: documents.apply_for_certificate(ctx, admin, member.id, form))
    issued = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if not isinstance(r, dict)]
    assert len(issued) == 1
    assert {(e.code, e.status) for e in refused} == {("already_holds_certificate", 409)}
    with ctx.connection() as conn:
        assert conn.scalar(select(func.count()).select_from(eligibility_certificates)) == 1


def test_parallel_enrolments_never_share_a_number(ctx, admin):
    symbol = insured_body()["symbol"]
    views = in_parallel(lambda _: enrolled(ctx, admin, insured_body(symbol=symbol)))
    assert all(not isinstance(v, DomainError) for v in views), views
    assert len({v.number for v in views}) == PARALLEL
    assert {v.symbol for v in views} == {symbol}


def test_parallel_dependents_never_share_a_branch(ctx, admin):
    insured = enrolled(ctx, admin, insured_body())
    views = in_parallel(lambda _: enrolled(ctx, admin, dependent_body(insured.id)))
    assert all(not isinstance(v, DomainError) for v in views), views
    assert sorted(v.branch for v in views) == [f"{b:02d}" for b in range(1, PARALLEL + 1)]
    assert {(v.symbol, v.number) for v in views} == {(insured.symbol, insured.number)}
