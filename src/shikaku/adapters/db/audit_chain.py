"""The audit log's hash chain in the database: appending under the head row's lock, the triggers
that refuse UPDATE and DELETE, the streaming walk of `shikaku audit verify`, and the publisher
that keeps the anchor file (D-93) up with the committed head."""
from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from dataclasses import fields
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import Connection, Engine, func, insert, select, update

from ...domain.audit_chain import Anchor, Break, Entry, Head, anchor_of, canonical, check_chain
from ..audit_anchor import AnchorFile, anchor_path, database_name
from ..vault import Keyring, VaultKeyError
from .schema import audit_head, audit_log

HEAD_ID = 1
ANCHOR_INTERVAL = 1.0  # seconds: the anchor trails the committed head by about this much
ANCHOR_LINGER = 30.0  # seconds after the last append the publisher keeps looking (long transactions)
log = logging.getLogger(__name__)

# Refuse any change to written rows, whoever connects (the owner can still drop these: the keyed
# chain is what catches that).
_GUARD = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_log is append-only (監査ログは変更できません)'; END $$""",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
           FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
        """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    ],
}


def install_guard(conn: Connection) -> None:
    """Creates the append-only triggers on audit_log."""
    for statement in _GUARD[conn.dialect.name]:
        conn.exec_driver_sql(statement)


def append(conn: Connection, keys: Keyring, values: dict) -> None:
    """Appends one audit row in the caller's transaction. The head row is locked (PostgreSQL:
    FOR UPDATE; SQLite: the single writer), so concurrent appends take turns and each chains
    onto the one before."""
    head = conn.execute(select(audit_head).where(audit_head.c.id == HEAD_ID).with_for_update()).one()
    row = {**values, "seq": head.seq + 1, "prev_hash": head.row_hash}
    row_hash = keys.key(head.key_id).audit_mac(canonical(row))
    conn.execute(insert(audit_log).values(**row, row_hash=row_hash))
    conn.execute(update(audit_head).where(audit_head.c.id == HEAD_ID).values(seq=row["seq"], row_hash=row_hash))
    publisher = _publisher(conn.engine, keys)
    if publisher is not None:
        publisher.poke()  # a moment after the commit, the anchor file follows


def change_key(conn: Connection, key_id: str) -> None:
    """Rows appended after this (in the same transaction as a `keys.rotate` row) use the key."""
    conn.execute(update(audit_head).where(audit_head.c.id == HEAD_ID).values(key_id=key_id))


def chain_existing(conn: Connection, keys: Keyring, head: Head) -> Head:
    """Chains rows written before the chain existed (migration 0006), in id order."""
    columns = [audit_log.c[name] for name in ("id", "at", "actor", "role", "action", "target", "remote", "detail")]
    rows = conn.execute(select(*columns).order_by(audit_log.c.id)).all()
    vault = keys.key(head.key_id)
    seq, prev = head.seq, head.row_hash
    for row in rows:
        seq += 1
        fields = {**row._mapping, "seq": seq, "prev_hash": prev}
        prev = vault.audit_mac(canonical(fields))
        conn.execute(update(audit_log).where(audit_log.c.id == row.id)
                     .values(seq=seq, prev_hash=fields["prev_hash"], row_hash=prev))
    return Head(seq, prev, head.key_id)


def read_head(conn: Connection) -> Head | None:
    found = conn.execute(select(audit_head).where(audit_head.c.id == HEAD_ID)).first()
    return Head(found.seq, found.row_hash, found.key_id) if found else None


def read_link(conn: Connection, seq: int) -> str | None:
    """The row hash of the row at `seq`, or None when there is none."""
    return conn.execute(select(audit_log.c.row_hash).where(audit_log.c.seq == seq)).scalar()


def verify(engine: Engine, keys: Keyring, progress: Callable[[int, int], None] | None = None,
           every: int = 10_000, anchors: Iterable[Anchor] = ()) -> Break | None:
    """Walks the whole chain in id order, streaming, and returns the first break or None; the
    chain must hold each of `anchors` (links kept outside the database)."""
    with engine.connect() as conn, engine.connect() as side:
        if conn.dialect.name == "postgresql":  # the head and the rows from one snapshot while servers
            conn.execution_options(isolation_level="REPEATABLE READ")  # append (SQLite: one read txn)
        head = read_head(conn)
        if head and head.key_id not in keys.known():
            return Break(None, "unknown_key", f"監査ログの鍵 {head.key_id} がありません（鍵ファイルを確認してください）")
        if head and not keys.accepts(keys.key(head.key_id).key_check()):
            return Break(None, "unknown_key", f"監査ログの鍵 {head.key_id} は現在の鍵ではありません")
        total = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        result = conn.execution_options(stream_results=True, yield_per=every).execute(
            select(*(audit_log.c[f.name] for f in fields(Entry))).order_by(audit_log.c.id))

        def entries():
            for done, row in enumerate(result, 1):
                yield Entry(*row)
                if progress and done % every == 0:
                    progress(done, total)
            if progress:
                progress(total, total)

        def locate(seq: int) -> int | None:
            return side.execute(select(audit_log.c.id).where(audit_log.c.seq == seq)).scalar()

        return check_chain(entries(), lambda key_id, data: _mac(keys, key_id, data), keys.known(),
                           head, locate, anchors)


def _mac(keys: Keyring, key_id: str, data: bytes) -> str | None:
    try:
        return keys.key(key_id).audit_mac(data)
    except VaultKeyError:
        return None


class AnchorPublisher:
    """Moves a database's anchor in the anchor file to the committed head, off the write path:
    an append (inside its transaction, so not yet committed) pokes it; a daemon thread then reads
    the committed head every ANCHOR_INTERVAL while appends come and for ANCHOR_LINGER after the
    last, and advances the anchor when the head moved on and the chain still holds the anchored
    link. A chain that lost it keeps its anchor (the evidence) and is logged."""

    def __init__(self, engine: Engine, file: AnchorFile):
        self._engine = weakref.ref(engine)
        self.file, self.database = file, database_name(engine)
        self._wake = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None
        self.pending = False
        self._reported: object = None

    def poke(self) -> None:
        self.pending = True
        self._wake.set()
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="audit-anchor", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            last_poke = time.monotonic()
            while time.monotonic() - last_poke < ANCHOR_LINGER:
                time.sleep(ANCHOR_INTERVAL)
                if self._wake.is_set():
                    self._wake.clear()
                    last_poke = time.monotonic()
                if not self.publish():
                    return  # the engine is gone

    def publish(self, report: bool = True) -> bool:
        """One round; False when the engine no longer exists. Never raises; `report`: log a lost
        link or a failure (once each)."""
        engine = self._engine()
        if engine is None:
            return False
        self.pending = False
        try:
            with engine.connect() as conn:
                head = read_head(conn)
                if head is None or head.seq == 0:
                    return True
                recorded, moved = self.file.advance(self.database, anchor_of(head),
                                                    lambda old: old.held_by(read_link(conn, old.seq)))
            if report and not moved and recorded != anchor_of(head) and self._reported != (recorded, head.seq):
                self._reported = (recorded, head.seq)
                log.error("audit anchor %s: the chain (head %s) no longer holds the anchored link %s; the "
                          "anchor is kept: run `shikaku audit verify`", self.file.path, head.seq, recorded)
        except Exception as exc:  # a full disk or a lost database must not fail the server
            if report and self._reported != type(exc):
                self._reported = type(exc)
                log.warning("audit anchor %s: not updated (%s)", self.file.path, exc)
        return True


_publishers: weakref.WeakKeyDictionary[Engine, dict[Path, AnchorPublisher]] = weakref.WeakKeyDictionary()
_publishers_lock = threading.Lock()


def _publisher(engine: Engine, keys: Keyring) -> AnchorPublisher | None:
    path = anchor_path(keys)
    if path is None:
        return None
    found = _publishers.get(engine, {}).get(path)
    if found is None:
        with _publishers_lock:
            per_engine = _publishers.setdefault(engine, {})
            found = per_engine.get(path) or per_engine.setdefault(path, AnchorPublisher(engine, AnchorFile(path)))
    return found


@atexit.register
def _publish_pending() -> None:
    """A CLI command that appended exits right after its commit: publish what it left (quietly:
    `audit verify` reports a lost link)."""
    for per_engine in list(_publishers.values()):
        for publisher in list(per_engine.values()):
            if publisher.pending:
                publisher.publish(report=False)
