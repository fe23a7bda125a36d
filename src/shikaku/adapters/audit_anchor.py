"""The audit chain's anchor file (D-93): the newest known link of each database's chain, kept
outside the database beside the vault's key file (`<key file>.anchor`, or `SHIKAKU_AUDIT_ANCHOR`).

Someone who can write to the database but not read the key file can cut rows off the end of the
audit log and rewind `audit_head` with them: what remains is a whole chain. The anchor file
remembers a link the chain held before, so `shikaku audit verify` finds the cut.

The file is JSON, one anchor per database (`{"format": 1, "chains": {database: "seq:hash"}}`),
so that a restore drill into another database with the same key never touches the production
database's anchor. It is replaced whole (a new 0600 file, synced, renamed over the old one) under
an exclusive lock on `<file>.lock`, so that server processes and the CLI may all move it, and an
anchor never moves back to a lower seq except by `reset` (after a restore, audited)."""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Engine

from ..domain.audit_chain import Anchor, parse_anchor
from .vault import Keyring, write_private

ANCHOR_ENV = "SHIKAKU_AUDIT_ANCHOR"  # a path, or "off"
FORMAT = 1


class AnchorFileError(Exception):
    """The anchor file exists but cannot be read as one."""


def anchor_path(keys: Keyring) -> Path | None:
    """Where the anchor file lives: `SHIKAKU_AUDIT_ANCHOR` when set ("off": nowhere), else beside
    the key file. A key given by `SHIKAKU_SECRET_KEY` names no directory the server is known to
    keep private and durable, so then there is no anchor file unless one is configured."""
    configured = os.environ.get(ANCHOR_ENV, "").strip()
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    if keys.files is None:  # the key came from SHIKAKU_SECRET_KEY
        return None
    return keys.files.path.with_name(keys.files.path.name + ".anchor")


def database_name(engine: Engine) -> str:
    """The database an anchor belongs to, as the host's configuration names it (never what the
    database says about itself, which its writer controls): an SQLite file by its absolute path,
    a PostgreSQL database by host, port and name; never a password."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        where = url.database or ":memory:"
        return "sqlite:" + (where if where == ":memory:" else str(Path(where).resolve()))
    return f"{url.get_backend_name()}://{url.username or ''}@{url.host or ''}:{url.port or ''}/{url.database or ''}"


class AnchorFile:
    def __init__(self, path: Path):
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def read(self) -> dict[str, Anchor]:
        """Every database's anchor; {} when there is no file yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            content = json.loads(raw)
            if content.get("format") != FORMAT:
                raise ValueError(content.get("format"))
            return {name: parse_anchor(text) for name, text in content["chains"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AnchorFileError(f"{self.path}: {exc!r}") from exc

    def get(self, database: str) -> Anchor | None:
        return self.read().get(database)

    def advance(self, database: str, head: Anchor,
                still_holds: Callable[[Anchor], bool] | None = None) -> tuple[Anchor, bool]:
        """Moves the database's anchor to `head` if that is further along (and, when given,
        `still_holds(old)` says the chain still has the old link); returns (the anchor now
        recorded, whether it moved). Never moves it back."""
        with self._locked():
            chains = self.read()
            old = chains.get(database)
            if old is not None and (head.seq <= old.seq or (still_holds and not still_holds(old))):
                return old, False
            chains[database] = head
            self._write(chains)
            return head, True

    def reset(self, database: str, head: Anchor) -> Anchor | None:
        """Sets the database's anchor to `head` whatever it was (after a restore to an earlier
        state); returns the previous one."""
        with self._locked():
            chains = self.read()
            old = chains.get(database)
            chains[database] = head
            self._write(chains)
            return old

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _write(self, chains: dict[str, Anchor]) -> None:
        body = json.dumps({"format": FORMAT, "chains": {name: str(a) for name, a in sorted(chains.items())}},
                          indent=1).encode() + b"\n"
        write_private(self.path, body, replace=True)
