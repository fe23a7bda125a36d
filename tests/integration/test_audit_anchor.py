"""The audit chain's anchor (D-93, issue 12 item 4): cutting the tail of the audit log and
rewinding `audit_head` with it leaves a chain that is whole in itself; the anchor — printed by
`shikaku audit verify`, given back with `--anchor`, and kept in a file beside the key file by
`audit verify` and by the server after appends — shows the cut."""
from __future__ import annotations

import json
import multiprocessing
import re
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from shikaku.adapters.audit_anchor import AnchorFile, database_name
from shikaku.adapters.db import audit_chain
from shikaku.adapters.db.schema import audit_head, audit_log
from shikaku.domain.audit_chain import Anchor
from shikaku.entrypoints.bootstrap import build_context
from shikaku.entrypoints.cli import app
from shikaku.service_layer import audit_trail, society
from shikaku.service_layer.auth import Actor, Role
from tests.builders import enrolled
from tests.helpers import audit_guard_lifted, eventually, fresh_database

AUDITOR = Actor(Role.AUDITOR, "kansa")
ANCHOR_LINE = re.compile(r"控え（最後の行の連番:ハッシュ）: ([0-9]+:[0-9a-f]{64})")
runner = CliRunner()


def cli(*args, env=None):
    return runner.invoke(app, list(args), env=env)


def write(ctx, admin, n: int = 3) -> None:
    for i in range(n):
        society.issue_token(ctx, admin, Role.CLERK, f"anchor-test-{time.monotonic_ns()}-{i}")


def rows(ctx) -> list:
    with ctx.engine.connect() as conn:
        return conn.execute(select(audit_log.c.id, audit_log.c.seq, audit_log.c.row_hash)
                            .order_by(audit_log.c.id)).all()


def cut_tail(ctx, keep: int) -> None:
    """The attack: the owner lifts the triggers, deletes the rows after the first `keep` and sets
    the head back to the last one left, as if they had never been written."""
    left = rows(ctx)[keep - 1]
    with ctx.engine.begin() as conn, audit_guard_lifted(conn):
        conn.execute(delete(audit_log).where(audit_log.c.seq > left.seq))
        conn.execute(update(audit_head).values(seq=left.seq, row_hash=left.row_hash))


def anchor_file(keyed) -> Path:
    return keyed.vault.files.path.with_name(keyed.vault.files.path.name + ".anchor")


@pytest.fixture
def written(keyed, admin):
    """A chain of real writes through a context whose key is a key file (as in production)."""
    for _ in range(3):
        enrolled(keyed, admin)
    write(keyed, admin)
    return keyed


def test_verify_prints_the_head_as_an_anchor_and_keeps_it_beside_the_key_file(written, db_url):
    done = cli("audit", "verify", "--db", db_url)
    assert done.exit_code == 0, done.output
    last = rows(written)[-1]
    assert ANCHOR_LINE.search(done.output)[1] == f"{last.seq}:{last.row_hash}"
    path = anchor_file(written)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["chains"] == {database_name(written.engine): f"{last.seq}:{last.row_hash}"}
    assert str(path) in done.output


def test_a_cut_tail_with_the_head_rewound_is_caught_by_the_anchor_file(written, db_url):
    assert cli("audit", "verify", "--db", db_url).exit_code == 0  # records the anchor
    before = rows(written)
    cut_tail(written, keep=len(before) - 2)
    assert audit_trail.verify(written, AUDITOR) is None  # the chain alone cannot tell
    caught = cli("audit", "verify", "--db", db_url)
    assert caught.exit_code == 1, caught.output
    assert f"控え {before[-1].seq}:{before[-1].row_hash[:16]}" in caught.output
    assert f"末尾の連番 {before[-2].seq} 以降が削除されています" in caught.output
    assert json.loads(anchor_file(written).read_text())["chains"][database_name(written.engine)] \
        == f"{before[-1].seq}:{before[-1].row_hash}"  # a failed walk never moves the anchor


def test_a_cut_tail_is_caught_by_an_anchor_the_auditor_kept(written, db_url):
    off = {"SHIKAKU_AUDIT_ANCHOR": "off"}
    done = cli("audit", "verify", "--db", db_url, env=off)
    assert done.exit_code == 0 and "控えファイルはありません" in done.output, done.output
    kept = ANCHOR_LINE.search(done.output)[1]
    assert not anchor_file(written).exists()
    assert cli("audit", "verify", "--db", db_url, "--anchor", kept, env=off).exit_code == 0
    cut_tail(written, keep=len(rows(written)) - 1)
    assert cli("audit", "verify", "--db", db_url, env=off).exit_code == 0  # without it, unseen
    caught = cli("audit", "verify", "--db", db_url, "--anchor", kept[:20], env=off)  # a prefix will do
    assert caught.exit_code == 1 and "削除" in caught.output, caught.output
    refused = cli("audit", "verify", "--db", db_url, "--anchor", "12:zz", env=off)
    assert refused.exit_code == 2 and "invalid_anchor" in refused.output


def test_new_rows_past_the_anchor_after_a_cut_are_caught_and_the_server_keeps_the_anchor(written, admin, db_url):
    assert cli("audit", "verify", "--db", db_url).exit_code == 0
    anchored = rows(written)[-1]
    cut_tail(written, keep=len(rows(written)) - 3)
    write(written, admin, 5)  # the server goes on: new genuine rows take the cut seqs and more
    publisher = audit_chain._publisher(written.engine, written.vault)
    publisher.publish()  # as its thread would: the anchored link is gone, so it must not move on
    recorded = AnchorFile(anchor_file(written)).get(database_name(written.engine))
    assert recorded == Anchor(anchored.seq, anchored.row_hash)
    caught = cli("audit", "verify", "--db", db_url)
    assert caught.exit_code == 1 and "控えとの不一致" in caught.output
    assert f"連番 {anchored.seq} の行が控え" in caught.output


def test_an_untouched_chain_passes_and_its_anchor_only_moves_forward(written, admin, db_url):
    assert cli("audit", "verify", "--db", db_url).exit_code == 0
    file, name = AnchorFile(anchor_file(written)), database_name(written.engine)
    first = file.get(name)
    write(written, admin)
    again = cli("audit", "verify", "--db", db_url)
    assert again.exit_code == 0 and f"連番 {first.seq} の行があること" in again.output, again.output
    second = file.get(name)
    assert second.seq == first.seq + 3
    assert file.advance(name, first) == (second, False)  # never back
    assert file.advance("sqlite:/elsewhere.db", first) == (first, True)  # another database: its own
    assert file.get(name) == second


def test_the_server_moves_the_anchor_after_its_appends(written, admin):
    write(written, admin)  # each append pokes the publisher; its thread reads the committed head
    file, name, last = AnchorFile(anchor_file(written)), database_name(written.engine), rows(written)[-1]
    eventually(lambda: file.get(name) == Anchor(last.seq, last.row_hash), "the server to move the anchor")
    assert file.get(name) == Anchor(last.seq, last.row_hash)


def _advance_many(path: str, worker: int, count: int) -> None:
    file = AnchorFile(Path(path))
    for i in range(count):
        seq = 1 + i * 4 + worker
        file.advance("sqlite:/shared.db", Anchor(seq, f"{seq:064x}"))


def test_several_processes_never_move_the_anchor_back(tmp_path):
    path = tmp_path / "secret.key.anchor"
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_advance_many, args=(str(path), w, 60)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert AnchorFile(path).get("sqlite:/shared.db") == Anchor(240, f"{240:064x}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.key.anchor", "secret.key.anchor.lock"]


def test_a_restore_to_an_earlier_state_sets_the_anchor_back_and_says_so(keyed, db_url, tmp_path):
    with fresh_database(db_url) as url:
        assert cli("init", "--db", url, "--insurer-number", "06139992", "--insurer-name", "試験").exit_code == 0
        ctx, admin = build_context(url), Actor(Role.ADMIN, "anchor-test")
        write(ctx, admin)
        assert cli("backup", str(tmp_path / "early.backup"), "--db", url).exit_code == 0
        write(ctx, admin)
        assert cli("audit", "verify", "--db", url).exit_code == 0
        ahead = AnchorFile(anchor_file(keyed)).get(database_name(ctx.engine))
        ctx.engine.dispose()
        restored = cli("restore", str(tmp_path / "early.backup"), "--db", url, "--replace")
        assert restored.exit_code == 0, restored.output
        assert f"控え {ahead.seq}:{ahead.row_hash[:16]}… の行がありません" in restored.output
        ctx = build_context(url)
        with ctx.engine.connect() as conn:
            reset = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "audit.anchor.reset")).scalar_one()
        assert reset["previous"] == str(ahead)
        assert AnchorFile(anchor_file(keyed)).get(database_name(ctx.engine)).seq < ahead.seq
        assert cli("audit", "verify", "--db", url).exit_code == 0
        ctx.engine.dispose()
