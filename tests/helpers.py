"""Test data builders shared by the integration tests."""
from __future__ import annotations

import itertools
import random
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from stdnum.jp import in_

from shikaku.adapters.db.audit_chain import install_guard

_rng = random.Random(7)
_symbols = itertools.count(7001)


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
