"""The hash-chained audit log: real use-case writes verify; an owner who lifts the append-only
triggers and edits, deletes, swaps or forges rows is caught and the row named; concurrent
appends keep one chain; the migration chains rows written before it."""
from __future__ import annotations

import threading

import pytest
from alembic import command
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from shikaku.adapters.db import audit_chain
from shikaku.adapters.db.engine import make_engine, migrate
from shikaku.adapters.db.schema import audit_head, audit_log
from shikaku.domain.errors import DomainError
from shikaku.entrypoints.cli import app
from shikaku.service_layer import audit_trail, commands, members, society
from shikaku.service_layer.auth import Actor, Role
from tests.builders import enrolled
from tests.helpers import audit_guard_lifted, fresh_database, migrations_on

AUDITOR = Actor(Role.AUDITOR, "kansa")


@pytest.fixture
def written(ctx, admin):
    """A chain of real writes: enrolments, a disqualification, tokens."""
    first = [enrolled(ctx, admin) for _ in range(4)][0]
    members.disqualify(ctx, admin, first.id, commands.Disqualification(
        disqualified_on="2026-04-01", registered_on="2026-04-01", reason="retirement"))
    society.issue_token(ctx, admin, Role.AUDITOR, "kansa")
    with ctx.connection() as conn:
        return [row.id for row in conn.execute(select(audit_log.c.id).order_by(audit_log.c.id))]


def tamper(ctx, *statements):
    with ctx.engine.begin() as conn, audit_guard_lifted(conn):
        for statement, params in statements:
            conn.execute(text(statement), params)


def test_real_writes_form_a_chain_that_verifies(ctx, written, db_url):
    assert len(written) >= 6
    with ctx.connection() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
        head = conn.execute(select(audit_head)).one()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:]))
    assert (head.seq, head.row_hash) == (rows[-1].seq, rows[-1].row_hash)
    assert audit_trail.verify(ctx, AUDITOR) is None
    result = CliRunner().invoke(app, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "完全" in result.output


def test_only_admin_and_auditor_may_verify(ctx, written):
    with pytest.raises(DomainError) as refused:
        audit_trail.verify(ctx, Actor(Role.CLERK, "tanto"))
    assert refused.value.code == "forbidden"


def test_the_application_cannot_update_or_delete_audit_rows(ctx, written):
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError):
            with ctx.engine.begin() as conn:
                conn.execute(text(statement))
    assert audit_trail.verify(ctx, AUDITOR) is None


def test_an_edited_detail_is_caught_and_named(ctx, written, db_url):
    victim = written[2]
    tamper(ctx, ("UPDATE audit_log SET detail = :d WHERE id = :id", {"d": '{"relationship": "dependent"}', "id": victim}))
    found = audit_trail.verify(ctx, AUDITOR)
    assert (found.id, found.kind) == (victim, "edited")
    result = CliRunner().invoke(app, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 1 and f"id {victim}" in result.output and "改ざん" in result.output


def test_a_deleted_row_is_caught_and_the_row_after_the_gap_named(ctx, written):
    tamper(ctx, ("DELETE FROM audit_log WHERE id = :id", {"id": written[2]}))
    found = audit_trail.verify(ctx, AUDITOR)
    assert (found.id, found.kind) == (written[3], "deleted")


def test_deleting_the_last_rows_is_caught(ctx, written):
    tamper(ctx, ("DELETE FROM audit_log WHERE id >= :id", {"id": written[-2]}))
    found = audit_trail.verify(ctx, AUDITOR)
    assert found.kind == "deleted" and "末尾" in found.message


def test_two_rows_swapped_are_caught_as_reordered(ctx, written):
    a, b = written[1], written[3]
    tamper(ctx, ("UPDATE audit_log SET id = :tmp WHERE id = :a", {"tmp": -a, "a": a}),
           ("UPDATE audit_log SET id = :a WHERE id = :b", {"a": a, "b": b}),
           ("UPDATE audit_log SET id = :b WHERE id = :tmp", {"b": b, "tmp": -a}))
    found = audit_trail.verify(ctx, AUDITOR)
    assert (found.id, found.kind) == (a, "reordered")


def test_a_forged_row_is_caught_as_inserted(ctx, written):
    with ctx.connection() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    forged = {k: v for k, v in last._mapping.items()}
    forged.update(id=last.id + 1, seq=last.seq + 1, prev_hash=last.row_hash, action="member.my_number.reveal",
                  row_hash="0" * 63 + "1")
    with ctx.engine.begin() as conn:  # an INSERT needs no lifting: the log is append-only, not read-only
        conn.execute(insert(audit_log).values(**forged))
    found = audit_trail.verify(ctx, AUDITOR)
    assert (found.id, found.kind) == (last.id + 1, "inserted")


def test_concurrent_appends_keep_one_chain(ctx, admin):
    def issue(n):
        for i in range(8):
            society.issue_token(ctx, admin, Role.CLERK, f"thread-{n}-{i}")

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):  # verifying while others append sees no break
        assert audit_trail.verify(ctx, AUDITOR) is None
    for t in threads:
        t.join()
    with ctx.connection() as conn:
        seqs = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.id)).scalars().all()
    assert seqs == list(range(1, 49))
    assert audit_trail.verify(ctx, AUDITOR) is None


def test_migration_chains_rows_written_before_it(session_ctx, db_url):
    with fresh_database(db_url) as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            config = migrations_on(conn)
            command.upgrade(config, "0005")
            for i in range(3):
                conn.execute(text("INSERT INTO audit_log (at, actor, role, action, target, remote, detail) "
                                  "VALUES (:at, 'old', 'admin', 'member.enrol', :t, NULL, :d)"),
                             {"at": f"2025-01-0{i + 1} 09:00:00", "t": str(i), "d": '{"n": %d}' % i})
        migrate(engine, session_ctx.vault)
        with engine.connect() as conn:
            assert conn.execute(select(func.max(audit_log.c.seq))).scalar() == 3
        assert audit_chain.verify(engine, session_ctx.vault) is None
        engine.dispose()
