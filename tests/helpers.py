"""Test data builders shared by the integration tests."""
from __future__ import annotations

import itertools
import os
import random
import re
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from stdnum.jp import in_

from shikaku.adapters.db.audit_chain import install_guard
from shikaku.service_layer import accounts
from shikaku.service_layer.auth import Actor, Role

# `make test LONG=1`: the fault runs with more rounds and bigger cohorts, and the 10-minute soaks.
LONG_TESTS = os.environ.get("SHIKAKU_LONG_TESTS") == "1"
_rng = random.Random(7)
_symbols = itertools.count(7001)
STAFF_PASSWORD = "web-test-password"


def my_number() -> str:
    """A fresh valid 個人番号 (R-NUM-2)."""
    first11 = str(_rng.randint(10**10, 10**11 - 1))
    return first11 + in_.calc_check_digit(first11)


def symbol() -> str:
    return str(next(_symbols))


def insured_body(**fields) -> dict:
    body = {"relationship": "insured", "symbol": symbol(), "name": "試験 太郎",
            "name_kana": "シケン タロウ", "birth_date": "1980-05-10", "sex": "male",
            "qualified_on": "2020-04-01", "registered_on": "2020-04-02",
            "standard_monthly_remuneration": 300000, "my_number": my_number()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def dependent_body(insured_id: str, **fields) -> dict:
    body = {"relationship": "dependent", "insured_id": insured_id, "name": "試験 花子",
            "name_kana": "シケン ハナコ", "birth_date": "1985-07-07", "sex": "female",
            "qualified_on": "2020-04-01", "registered_on": "2020-04-02", "my_number": my_number()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


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


def wait_for(client, page: str) -> str:
    """Polls a page's progress block as htmx does until the work stops moving (status 286)."""
    for _ in range(200):
        block = client.get(f"{page}/progress")
        if block.status_code == 286:
            return block.text
        assert block.status_code == 200
        time.sleep(0.05)
    raise AssertionError("the work did not finish")


class Clock:
    """A monotonic clock that moves only when a test moves it (`clock.now += seconds`)."""

    now = 100.0

    def __call__(self) -> float:
        return self.now
