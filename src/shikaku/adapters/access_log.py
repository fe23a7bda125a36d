"""照会履歴: an append-only log of every online verification, written in batches so that logging
never holds up a verification. Entries wait at most `interval` seconds in memory; a clean
shutdown flushes them."""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timezone

from sqlalchemy import Engine, insert

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
        """Writes everything recorded so far (called before the log is read and at shutdown)."""
        with self._flushing:
            with self._lock:
                entries, self._pending = self._pending, []
            if not entries:
                return
            try:
                with self.engine.connect() as conn:
                    conn = conn.execution_options(write=True)
                    with conn.begin():
                        conn.execute(insert(access_log), entries)
            except Exception:
                with self._lock:  # keep them for the next attempt
                    self._pending[:0] = entries
                raise

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
