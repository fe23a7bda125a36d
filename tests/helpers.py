"""Test helpers that build no data (those are in tests/builders.py): the long-run flag, ways
into the audit log and into a fresh database, signing in through the forms, waiting for
background work, and a clock the test moves."""
from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from shikaku.adapters.db.audit_chain import install_guard
from shikaku.service_layer import accounts
from shikaku.service_layer.auth import Actor, Role

# `make test LONG=1`: the fault runs with more rounds and bigger cohorts, and the 10-minute soaks.
LONG_TESTS = os.environ.get("SHIKAKU_LONG_TESTS") == "1"
STAFF_PASSWORD = "web-test-password"


@contextmanager
def audit_guard_lifted(conn):
    """Lifts the append-only triggers of audit_log for the duration, the way a database owner
    could (tests only: the application has no such path)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        yield
        conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
        return
    conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
    conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
    yield
    install_guard(conn)


@contextmanager
def fresh_database(db_url: str):
    """The URL of a new empty database of the same kind as `db_url` (a temporary SQLite file,
    or a database created beside the PostgreSQL test database), removed afterwards."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'fresh.db'}"
        return
    name = f"{url.database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def csrf_token(html: str) -> str:
    """The CSRF token the forms of a page carry."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


def sign_in_staff(client, ctx, role: str) -> str:
    """Creates a staff user of the role, signs in through the form; returns the page's CSRF token."""
    username = f"web-{role}"
    accounts.add_user(ctx, Actor(Role.ADMIN, "test"), username, f"試験 {role}", Role(role), STAFF_PASSWORD)
    client.cookies.clear()
    form = client.get("/staff/sign-in")
    done = client.post("/staff/sign-in", data={"username": username, "password": STAFF_PASSWORD,
                                               "csrf_token": csrf_token(form.text)}, follow_redirects=False)
    assert done.status_code == 303
    return csrf_token(client.get("/staff/").text)


def eventually(probe, what: str, timeout: float = 120, interval: float = 0.05):
    """Polls `probe()` until it answers something true, and returns that; fails naming `what`
    once `timeout` seconds have passed. The deadline is generous on purpose: a slow machine only
    waits longer, and a test goes on to assert the state it waited for, never a duration."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(interval)
    return found


def wait_for(client, page: str) -> str:
    """Polls a page's progress block as htmx does until the work stops moving (status 286)."""
    def stopped():
        block = client.get(f"{page}/progress")
        assert block.status_code in (200, 286), block.status_code
        return block if block.status_code == 286 else None

    return eventually(stopped, "the work did not finish").text


class Clock:
    """A monotonic clock that moves only when a test moves it (`clock.now += seconds`)."""

    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def migrations_on(conn):
    """An Alembic configuration that migrates over `conn` (for tests that step through revisions)."""
    from alembic.config import Config

    from shikaku.adapters.db.engine import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config
