"""The audit log's hash chain in the database: appending under the head row's lock, the triggers
that refuse UPDATE and DELETE, and the streaming walk of `shikaku audit verify`."""
from __future__ import annotations

from dataclasses import fields
from typing import Callable

from sqlalchemy import Connection, Engine, func, insert, select, update

from ...domain.audit_chain import Break, Entry, Head, canonical, check_chain
from ..vault import Keyring, VaultKeyError
from .schema import audit_head, audit_log

HEAD_ID = 1

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


def verify(engine: Engine, keys: Keyring, progress: Callable[[int, int], None] | None = None,
           every: int = 10_000) -> Break | None:
    """Walks the whole chain in id order, streaming, and returns the first break or None."""
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
                           head, locate)


def _mac(keys: Keyring, key_id: str, data: bytes) -> str | None:
    try:
        return keys.key(key_id).audit_mac(data)
    except VaultKeyError:
        return None
