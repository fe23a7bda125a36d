"""照会履歴: an append-only log of every online verification, written in batches so that logging
never holds up a verification. Entries wait at most `interval` seconds in memory; a clean
shutdown flushes them. The batch goes straight to the driver's executemany in one transaction.
`AccessHistory` reads it back (a read model of the unit of work)."""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, select

from .db import repository as repo
from .db.schema import access_log, facilities

log = logging.getLogger("shikaku.access_log")

_COLUMNS = "at, facility_code, method, identity_check, service_date, validity_code, member_id, channel"


class AccessLogWriter:
    def __init__(self, engine: Engine, interval: float = 0.2, batch: int = 2000):
        self.engine, self.interval, self.batch = engine, interval, batch
        self._sqlite = engine.dialect.name == "sqlite"
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = f"INSERT INTO access_log ({_COLUMNS}) VALUES ({', '.join([marker] * 8)})"
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, facility_code: str, method: str, identity_check: str | None,
               service_date: date, validity_code: str, member_id: int | None,
               channel: str | None = None) -> None:
        """One query; `channel` is how it came (`service_layer.verification.CHANNELS`)."""
        entry = (datetime.now(timezone.utc), facility_code, method, identity_check, service_date,
                 validity_code, member_id, channel)
        with self._lock:
            self._pending.append(entry)
            full = len(self._pending) >= self.batch
        self._start()
        if full:
            self._wake.set()

    def flush(self) -> None:
        """Writes everything recorded so far (called before the log is read and at shutdown).
        If the database is unreachable the entries wait for the next attempt; an entry the
        database refuses is logged (without its values) and dropped so it cannot block the rest."""
        dbapi = self.engine.dialect.dbapi
        with self._flushing:
            with self._lock:
                entries, self._pending = self._pending, []
            if not entries:
                return
            try:
                self._write(entries)
            except dbapi.OperationalError:
                with self._lock:
                    self._pending[:0] = entries
                raise
            except dbapi.Error:
                for entry in entries:
                    try:
                        self._write([entry])
                    except dbapi.Error as exc:
                        log.error("access log entry refused by the database: %s", type(exc).__name__)

    def _write(self, entries: list[tuple]) -> None:
        if self._sqlite:  # SQLAlchemy's SQLite formats for DATETIME and DATE
            entries = [(e[0].strftime("%Y-%m-%d %H:%M:%S.%f"), *e[1:4], e[4].isoformat(), *e[5:])
                       for e in entries]
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if self._sqlite:  # the connection runs in autocommit: one explicit transaction
                cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.executemany(self._sql, entries)
                if self._sqlite:
                    cursor.execute("COMMIT")
                else:
                    connection.commit()
            except Exception:
                if self._sqlite:
                    cursor.execute("ROLLBACK")
                else:
                    connection.rollback()
                raise
        finally:
            connection.close()

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("access log flush failed; retrying")


class AccessHistory:
    """照会履歴 of one member as the staff and the member read it (flush the writer first)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def page(self, member_id: int, limit: int, offset: int) -> tuple[list[dict], int]:
        """A page of the member's entries, newest first, with the facility's name; and the total."""
        total = repo.count(self.conn, select(access_log).where(access_log.c.member_id == member_id))
        rows = self.conn.execute(select(access_log, facilities.c.name.label("facility_name"))
                                 .outerjoin(facilities, facilities.c.code == access_log.c.facility_code)
                                 .where(access_log.c.member_id == member_id)
                                 .order_by(access_log.c.id.desc()).limit(limit).offset(offset))
        return [{k: v for k, v in row._mapping.items() if k != "id"} for row in rows], total
