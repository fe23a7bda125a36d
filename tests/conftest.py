"""Shared fixtures: a real database (SQLite by default, PostgreSQL when SHIKAKU_TEST_DB_URL is
set) migrated once per session and emptied between tests, and an API client over it."""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import delete, update

os.environ.setdefault("SHIKAKU_SECRET_KEY", "test-secret-key-not-for-production-0123456789")

from shikaku.adapters.db.schema import audit_head, metadata, society  # noqa: E402
from shikaku.adapters.vault import write_private  # noqa: E402
from shikaku.domain.audit_chain import GENESIS  # noqa: E402
from shikaku.entrypoints.bootstrap import build_context  # noqa: E402
from shikaku.entrypoints.cli import initialise  # noqa: E402
from shikaku.service_layer.admission import DenialTrace  # noqa: E402
from shikaku.service_layer.auth import Actor, Role  # noqa: E402
from tests.builders import INSURER_NUMBER  # noqa: E402
from tests.helpers import audit_guard_lifted, fresh_database  # noqa: E402

INSURER_NAME = "テスト健康保険組合"
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory, worker_id):
    """The test database: a SQLite file of this session, or SHIKAKU_TEST_DB_URL — and, for each
    pytest-xdist worker but the first, a PostgreSQL database of its own beside it (the tests
    empty the tables between tests, so two workers cannot share one)."""
    configured = os.environ.get("SHIKAKU_TEST_DB_URL")
    if not configured:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'shikaku.db'}"
    elif worker_id in ("master", "gw0"):
        yield configured
    else:
        with fresh_database(configured) as url:
            yield url


@pytest.fixture(scope="session")
def session_ctx(db_url):
    return initialise(db_url, INSURER_NUMBER, INSURER_NAME)


@pytest.fixture
def ctx(session_ctx):
    """The context over an empty registry (the society row stays) and an empty audit chain."""
    keys = session_ctx.vault
    with session_ctx.engine.begin() as conn, audit_guard_lifted(conn):
        for table in reversed(metadata.sorted_tables):
            if table not in (society, audit_head):
                conn.execute(delete(table))
        conn.execute(update(audit_head).values(seq=0, row_hash=GENESIS, key_id=keys.key_id))
        conn.execute(update(society).values(key_check=keys.key_check()))  # after a key rotation test
    session_ctx.today = lambda: date(2026, 6, 1)
    session_ctx.denial_trace = DenialTrace.from_env()
    yield session_ctx


@pytest.fixture
def keyed(ctx, db_url, tmp_path, monkeypatch):
    """A context over `ctx`'s database whose keyring reads a key file holding the test key, as
    `shikaku keys rotate` needs (the CLI run in-process reads the same file)."""
    key_file = tmp_path / "keys" / "secret.key"
    write_private(key_file, os.environ["SHIKAKU_SECRET_KEY"].encode() + b"\n")
    monkeypatch.delenv("SHIKAKU_SECRET_KEY")
    monkeypatch.setenv("SHIKAKU_KEY_FILE", str(key_file))
    keyed = build_context(db_url)
    keyed.today = ctx.today
    yield keyed
    keyed.access_log.flush()
    keyed.engine.dispose()


@pytest.fixture
def admin() -> Actor:
    return Actor(Role.ADMIN, "test-admin", "127.0.0.1")


@contextmanager
def serving(ctx, monkeypatch):
    """An API client over `ctx`, signed in with the admin token."""
    from fastapi.testclient import TestClient

    from shikaku.entrypoints.api.app import create_server

    monkeypatch.setenv("SHIKAKU_ADMIN_TOKEN", ADMIN_TOKEN)
    with TestClient(create_server(ctx), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        yield c


@pytest.fixture
def client(ctx, monkeypatch):
    with serving(ctx, monkeypatch) as c:
        yield c
