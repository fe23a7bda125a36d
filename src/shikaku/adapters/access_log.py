"""照会履歴: an append-only log of every online verification, written in batches so that logging
never holds up a verification. Entries wait at most `interval` seconds in memory; a clean
shutdown flushes them."""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timezone

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DBAPIError, OperationalError

from .db.schema import access_log

log = logging.getLogger("shikaku.access_log")


class AccessLogWriter:
    def __init__(self, engine: Engine, interval: float = 0.2, batch: int = 2000):
        self.engine, self.interval, self.batch = engine, interval, batch
        self._pending: list[dict] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, facility_code: str, method: str, identity_check: str | None,
               service_date: date, validity_code: str, member_id: int | None) -> None:
        entry = {"at": datetime.now(timezone.utc), "facility_code": facility_code, "method": method,
                 "identity_check": identity_check, "service_date": service_date,
                 "validity_code": validity_code, "member_id": member_id}
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
        with self._flushing:
            with self._lock:
                entries, self._pending = self._pending, []
            if not entries:
                return
            try:
                self._write(entries)
            except OperationalError:
                with self._lock:
                    self._pending[:0] = entries
                raise
            except DBAPIError:
                for entry in entries:
                    try:
                        self._write([entry])
                    except DBAPIError as exc:
                        log.error("access log entry refused by the database: %s", type(exc.orig).__name__)

    def _write(self, entries: list[dict]) -> None:
        with self.engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                conn.execute(insert(access_log), entries)

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
