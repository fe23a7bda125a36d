"""`shikaku backup` / `shikaku restore` round-trip a demo society: every table's rows come back
equal, and the audit chain verifies in the restored database."""
from __future__ import annotations

import stat
import threading

from sqlalchemy import select, text
from typer.testing import CliRunner

from shikaku.adapters.db.engine import make_engine
from shikaku.adapters.db.schema import metadata
from shikaku.entrypoints.bootstrap import build_context
from shikaku.entrypoints.cli import app
from shikaku.service_layer import society
from shikaku.service_layer.auth import Actor, Role
from tests.helpers import fresh_database

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, list(args))


def content(url) -> dict[str, list[str]]:
    """Every table's rows, as a sorted list (a multiset), alembic_version included."""
    engine = make_engine(url)
    with engine.connect() as conn:
        tables = {t.name: sorted(map(repr, conn.execute(select(t)))) for t in metadata.sorted_tables}
        tables["alembic_version"] = sorted(map(repr, conn.execute(text("SELECT * FROM alembic_version"))))
    engine.dispose()
    return tables


def test_backup_and_restore_round_trip_a_demo_society(db_url, tmp_path):
    with fresh_database(db_url) as source, fresh_database(db_url) as target:
        demo = cli("demo", "--members", "300", "--no-serve", "--db", source)
        assert demo.exit_code == 0, demo.output
        backup = tmp_path / "society.backup"
        made = cli("backup", str(backup), "--db", source)
        assert made.exit_code == 0, made.output
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        assert cli("backup", str(backup), "--db", source).exit_code == 2  # never overwritten
        restored = cli("restore", str(backup), "--db", target)
        assert restored.exit_code == 0, restored.output
        assert "監査ログは完全です" in restored.output
        before, after = content(source), content(target)
        assert sum(len(rows) for rows in before.values()) > 1000
        for table, rows in before.items():
            assert after[table] == rows, table
        assert cli("audit", "verify", "--db", target).exit_code == 0
        refused = cli("restore", str(backup), "--db", target)
        assert refused.exit_code == 2 and "--replace" in refused.output
        assert cli("restore", str(backup), "--db", target, "--replace").exit_code == 0
        assert content(target) == before


def test_a_backup_taken_while_writes_go_on_is_consistent(db_url, tmp_path):
    with fresh_database(db_url) as source, fresh_database(db_url) as target:
        assert cli("init", "--db", source, "--insurer-number", "06139992", "--insurer-name", "試験").exit_code == 0
        ctx = build_context(source)
        writing, stop = Actor(Role.ADMIN, "writer"), threading.Event()

        def write():
            while not stop.is_set():
                society.issue_token(ctx, writing, Role.CLERK, "busy")

        writer = threading.Thread(target=write)
        writer.start()
        try:
            made = cli("backup", str(tmp_path / "busy.backup"), "--db", source)
        finally:
            stop.set()
            writer.join()
        assert made.exit_code == 0, made.output
        restored = cli("restore", str(tmp_path / "busy.backup"), "--db", target)
        assert restored.exit_code == 0 and "監査ログは完全です" in restored.output, restored.output
        ctx.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(db_url, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    with fresh_database(db_url) as target:
        refused = cli("restore", str(junk), "--db", target)
    assert refused.exit_code == 2 and "バックアップではありません" in refused.output
