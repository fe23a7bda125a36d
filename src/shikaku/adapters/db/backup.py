"""Backups: SQLite through its online backup API (a consistent copy while the server keeps
writing), PostgreSQL through `pg_dump -Fc` / `pg_restore`. A backup holds the vault's
ciphertexts and keyed hashes, never a clear 個人番号; it is written with 0600 permissions and
opens only with the key that was current when it was taken (kept as `.retired-<id>` after a
rotation)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from .engine import make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for people (Japanese)."""


def ensure_absent(path: Path) -> None:
    """A backup never overwrites a file."""
    if path.exists():
        raise BackupError(f"出力ファイルがすでにあります: {path}")


def backup(url: str, path: Path) -> None:
    """Writes a consistent copy of the database to `path`, which must not exist yet."""
    parsed = make_url(url)
    ensure_absent(path)
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if _is_sqlite(parsed):
            with _sqlite(parsed.database, readonly=True) as source, _sqlite(str(part)) as copy:
                source.backup(copy)
        else:
            _run(["pg_dump", "--format=custom", f"--file={part}", f"--dbname={_conninfo(parsed)}"], parsed)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def restore(path: Path, url: str, replace: bool = False) -> None:
    """Restores a backup into the database at `url`: an empty one, or any with `replace`.
    Stop the servers first: they would see the database change under them."""
    parsed = make_url(url)
    with path.open("rb") as f:
        magic = f.read(len(SQLITE_MAGIC))
    sqlite = _is_sqlite(parsed)
    if not magic.startswith(SQLITE_MAGIC if sqlite else PG_MAGIC):
        kind = "SQLite" if sqlite else "PostgreSQL (pg_dump -Fc)"
        raise BackupError(f"{path} は {kind} のバックアップではありません")
    if not replace and _has_tables(url):
        raise BackupError("復元先のデータベースは空ではありません（置き換えるときは --replace）")
    if sqlite:
        with _sqlite(str(path), readonly=True) as source, _sqlite(parsed.database) as target:
            source.backup(target)
        return
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
          *(["--clean", "--if-exists"] if replace else []), f"--dbname={_conninfo(parsed)}", str(path)], parsed)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite(database: str, readonly: bool = False) -> closing[sqlite3.Connection]:
    """A plain sqlite3 connection, closed on exit."""
    if readonly:
        return closing(sqlite3.connect(Path(database).resolve().as_uri() + "?mode=ro", uri=True))
    return closing(sqlite3.connect(database))


def _has_tables(url: str) -> bool:
    engine = make_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _conninfo(url: URL) -> str:
    """The libpq URL without the password (which goes in PGPASSWORD, out of the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    env = dict(os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {}))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{command[0]} が失敗しました: {done.stderr.strip()}")
