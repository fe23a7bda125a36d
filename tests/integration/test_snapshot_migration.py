"""Migration 0009 (issue 13) re-encodes the family snapshots of a database made by the previous
release: a registry written by that release's own code (taken from git) answers the same after
`migrate`, and every snapshot is version 2 and equals the one rebuilt from the source tables."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from datetime import date
from io import BytesIO
from pathlib import Path

import orjson
import pytest
from alembic import command
from sqlalchemy import select

from shikaku.adapters.db.engine import make_engine, migrate
from shikaku.adapters.db.families import refresh_snapshot
from shikaku.adapters.db.schema import family_snapshots
from shikaku.adapters.db.snapshots import decode_snapshot
from shikaku.entrypoints.bootstrap import build_context
from shikaku.service_layer import members
from shikaku.service_layer.auth import Actor, Role
from tests.helpers import fresh_database, migrations_on

PREVIOUS_RELEASE = "223f5a5b1dc6d890f98df3f0ac302ad2a0974cd2"  # main before issue 13 (snapshots v1)
ROOT = Path(__file__).resolve().parents[2]
AS_OF = (date(2025, 3, 31), date(2025, 6, 1), date(2026, 6, 1))
# Fields of the member view added since that release, with what they answer for its data.
ADDED_SINCE = {"employer_name": None}  # issue 14; the old society kept no 事業所

# Runs in the previous release: a family with a dependent, a later 個人番号, an amendment, a
# loss and a certification; prints the member views it answers on each day of AS_OF.
WRITER = r'''
import json, sys
from datetime import date
from shikaku.entrypoints.cli import initialise
from shikaku.service_layer import commands, documents, members
from shikaku.service_layer.auth import Actor, Role
from shikaku.domain.registry import Relationship, LossReason
ctx = initialise(sys.argv[1], "06139992", "移行試験健康保険組合")
ctx.today = lambda: date(2025, 6, 1)
admin = Actor(Role.ADMIN, "migration-test")
head = members.enrol(ctx, admin, commands.Enrolment(
    relationship=Relationship.INSURED, symbol="7001", name="移行 一郎", name_kana="イコウ イチロウ",
    birth_date=date(1970, 4, 1), sex="male", qualified_on=date(2025, 4, 1), registered_on=date(2025, 4, 1),
    standard_monthly_remuneration=500000, my_number="123456789018", certificate_requested=True))
child = members.enrol(ctx, admin, commands.Enrolment(
    relationship=Relationship.DEPENDENT, insured_id=head.id, name="移行 花", name_kana="イコウ ハナ",
    birth_date=date(2020, 5, 5), sex="female", qualified_on=date(2025, 4, 1), registered_on=date(2025, 4, 2),
    kinship="child"))
members.register_my_number(ctx, admin, child.id, commands.MyNumberRegistration(
    my_number="621498320257", registered_on=date(2025, 4, 10)))
members.amend(ctx, admin, head.id, commands.Amendment(
    effective_on=date(2025, 5, 1), standard_monthly_remuneration=560000, registered_on=date(2025, 5, 2)))
documents.certify_limit(ctx, admin, head.id, commands.LimitApplication(kind="limit", applied_on=date(2025, 5, 7)))
members.disqualify(ctx, admin, child.id, commands.Disqualification(
    disqualified_on=date(2025, 9, 1), reason=LossReason.DEPENDENT_INELIGIBLE, registered_on=date(2025, 9, 2)))
views = {m.id: [members.get_member(ctx, admin, m.id, as_of=date.fromisoformat(day)).__dict__
               for day in {as_of!r}] for m in (head, child)}
print(json.dumps(views, default=str))
'''.replace("{as_of!r}", repr([d.isoformat() for d in AS_OF]))


def _previous_release(tmp_path: Path) -> Path:
    """The previous release's package, from git (a fresh clone has the history)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE, "src/shikaku"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    return tmp_path / "src"


@pytest.fixture
def old_database(db_url, tmp_path):
    try:
        source = _previous_release(tmp_path)
    except subprocess.CalledProcessError:
        pytest.fail(f"the previous release {PREVIOUS_RELEASE[:7]} is not in this clone's history")
    with fresh_database(db_url) as url:
        env = dict(os.environ, PYTHONPATH=str(source))  # the test key of conftest (SHIKAKU_SECRET_KEY)
        written = subprocess.run([sys.executable, "-c", WRITER, url], env=env, capture_output=True, text=True)
        assert written.returncode == 0, written.stderr[-3000:]
        yield url, json.loads(written.stdout.splitlines()[-1])


def _payloads(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(family_snapshots.c.family_id, family_snapshots.c.payload)).all())


def test_snapshots_of_the_previous_release_are_re_encoded(old_database):
    url, answered_before = old_database
    ctx = build_context(url)
    before = _payloads(ctx.engine)
    assert before and all("v" not in orjson.loads(p) for p in before.values())  # made by v1
    migrate(ctx.engine, ctx.vault)
    after = _payloads(ctx.engine)
    assert after.keys() == before.keys()
    assert all(orjson.loads(p)["v"] == 2 for p in after.values())
    with ctx.engine.begin() as conn:
        for family_id in after:
            refresh_snapshot(conn, family_id)
    rebuilt = _payloads(ctx.engine)
    for family_id in after:
        migrated, fresh = decode_snapshot(after[family_id]), decode_snapshot(rebuilt[family_id])
        assert migrated.identities == fresh.identities
        for old, new in zip(migrated.registrations, fresh.registrations, strict=True):
            assert old == new, (old.data, new.data)
    admin = Actor(Role.ADMIN, "migration-test")
    answered = {member_id: [json.loads(json.dumps(members.get_member(ctx, admin, member_id, as_of=day).__dict__,
                                                  default=str)) for day in AS_OF]
                for member_id in answered_before}
    assert answered == {member_id: [view | ADDED_SINCE for view in views]
                        for member_id, views in answered_before.items()}
    ctx.engine.dispose()


def test_the_migration_goes_back_down(old_database):
    url, _ = old_database
    engine = make_engine(url)
    before = _payloads(engine)
    with engine.begin() as conn:
        config = migrations_on(conn)
        command.upgrade(config, "0009")
        command.downgrade(config, "0008")
    assert {k: orjson.loads(v) for k, v in _payloads(engine).items()} == \
        {k: orjson.loads(v) for k, v in before.items()}
    engine.dispose()
