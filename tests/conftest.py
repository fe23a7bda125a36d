"""Shared fixtures: a real database (SQLite by default, PostgreSQL when SHIKAKU_TEST_DB_URL is
set) migrated once per session and emptied between tests, and an API client over it."""
from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import delete

os.environ.setdefault("SHIKAKU_SECRET_KEY", "test-secret-key-not-for-production-0123456789")

from shikaku.adapters.db.schema import metadata, society  # noqa: E402
from shikaku.entrypoints.cli import initialise  # noqa: E402
from shikaku.service_layer.auth import Actor, Role  # noqa: E402

INSURER_NUMBER = "06139992"
INSURER_NAME = "テスト健康保険組合"
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    return os.environ.get("SHIKAKU_TEST_DB_URL") or \
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'shikaku.db'}"


@pytest.fixture(scope="session")
def session_ctx(db_url):
    return initialise(db_url, INSURER_NUMBER, INSURER_NAME)


@pytest.fixture
def ctx(session_ctx):
    """The context over an empty registry (the society row stays)."""
    with session_ctx.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table is not society:
                conn.execute(delete(table))
    session_ctx.today = lambda: date(2026, 6, 1)
    yield session_ctx


@pytest.fixture
def admin() -> Actor:
    return Actor(Role.ADMIN, "test-admin", "127.0.0.1")


@pytest.fixture
def client(ctx, monkeypatch):
    from fastapi.testclient import TestClient

    from shikaku.entrypoints.api.app import create_server

    monkeypatch.setenv("SHIKAKU_ADMIN_TOKEN", ADMIN_TOKEN)
    with TestClient(create_server(ctx), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        yield c
