"""個人番号 vault: AES-GCM encryption at rest and a keyed hash (HMAC-SHA256) for look-ups.

The secret comes from `SHIKAKU_SECRET_KEY` or from a key file (created by `shikaku init` with
0600 permissions). Independent keys are derived from it with HKDF: one encrypts, one hashes (so
the look-up hash reveals nothing about the ciphertext key), one keys the audit chain. The clear
number is never logged.

A `Keyring` is the vault as the application uses it: the current key and, while `shikaku keys
rotate` runs, the next one (`<key file>.new`), plus retired keys kept beside the key file
(`<key file>.retired-<key id>`). It re-reads the files when they change, so a running server
follows a rotation without a restart (D-38).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ENV = "SHIKAKU_SECRET_KEY"
KEY_FILE_ENV = "SHIKAKU_KEY_FILE"
_LEGACY = b"\x01"  # ciphertext layout 1: 1 byte, 12-byte nonce, AES-256-GCM output
_FORMAT = b"\x02"  # layout 2: 1 byte, 4-byte key id, 12-byte nonce, AES-256-GCM output
_AAD = b"shikaku/my_number"


class VaultKeyError(Exception):
    """The vault key is missing, malformed or belongs to another database."""


def default_key_file() -> Path:
    home = os.environ.get("SHIKAKU_HOME") or Path.home() / ".local" / "share" / "shikaku"
    return Path(os.environ.get(KEY_FILE_ENV) or Path(home) / "secret.key")


def new_secret() -> bytes:
    return base64.urlsafe_b64encode(secrets.token_bytes(32))


def write_private(path: Path, content: bytes, replace: bool = False) -> None:
    """Creates `path` with 0600 permissions, whole or not at all (a reader never sees it half
    written), never over an existing file unless `replace`, and makes it durable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")  # matches no key file glob
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(part, path)
        else:
            os.link(part, path)  # fails if `path` exists
    finally:
        part.unlink(missing_ok=True)
    _sync_dir(path.parent)


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_key_file(path: Path | None = None) -> Path:
    """Creates the key file with 0600 permissions unless a key is already configured."""
    path = path or default_key_file()
    if not os.environ.get(KEY_ENV) and not path.exists():
        write_private(path, new_secret() + b"\n")
    return path


def load_secret(path: Path | None = None) -> bytes:
    secret = os.environ.get(KEY_ENV)
    if secret:
        return secret.encode()
    path = path or default_key_file()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        raise VaultKeyError(f"no vault key: set {KEY_ENV} or run `shikaku init` (key file {path})")


class Vault:
    """One key: encrypts, decrypts and hashes 個人番号, and keys the audit chain. Holds no clear
    number itself."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise VaultKeyError("the vault secret must be at least 16 bytes")
        self.secret = secret
        self._aead = AESGCM(_derive(secret, b"shikaku my_number encryption"))
        self._mac_key = _derive(secret, b"shikaku my_number lookup")
        self._audit_key = _derive(secret, b"shikaku audit chain")
        self.key_id = self.key_check()[:8]  # names the key beside what it sealed; not secret
        self.marker = _FORMAT + bytes.fromhex(self.key_id)  # first bytes of its ciphertexts

    def seal(self, my_number: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return self.marker + nonce + self._aead.encrypt(nonce, my_number.encode(), _AAD + self.marker)

    def open(self, sealed: bytes) -> str:
        """The clear number. Callers audit every use (`service_layer.members.reveal_my_number`)."""
        if sealed[:1] == _LEGACY:
            return self._aead.decrypt(sealed[1:13], sealed[13:], _AAD).decode()
        if sealed[:5] != self.marker:
            raise VaultKeyError("sealed under another key")
        return self._aead.decrypt(sealed[5:17], sealed[17:], _AAD + self.marker).decode()

    def lookup_hash(self, my_number: str) -> str:
        return hmac.new(self._mac_key, my_number.encode(), hashlib.sha256).hexdigest()

    def key_check(self) -> str:
        """A value stored with the society so that a wrong key is refused at start-up."""
        return hmac.new(self._mac_key, b"key check", hashlib.sha256).hexdigest()

    def audit_mac(self, data: bytes) -> str:
        """The keyed hash of one audit row (D-36)."""
        return hmac.new(self._audit_key, data, hashlib.sha256).hexdigest()


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shikaku-vault-v1", info=info).derive(secret)


def sealed_key_id(sealed: bytes) -> str | None:
    """The id of the key a ciphertext was sealed with (None for layout 1, which names none)."""
    return sealed[1:5].hex() if sealed[:1] == _FORMAT else None


class KeyFiles:
    """The key file and its companions: `<name>.new` during a rotation, `<name>.retired-<id>`
    for each key a rotation replaced (kept to open old backups and verify old audit rows)."""

    def __init__(self, path: Path):
        self.path = path
        self.next_path = path.with_name(path.name + ".new")

    def retired_path(self, key_id: str) -> Path:
        return self.path.with_name(f"{self.path.name}.retired-{key_id}")

    def read(self) -> tuple[Vault, Vault | None, list[Vault]]:
        current = Vault(load_secret(self.path))
        following = Vault(self.next_path.read_bytes().strip()) if self.next_path.exists() else None
        retired = [Vault(p.read_bytes().strip())
                   for p in sorted(self.path.parent.glob(f"{self.path.name}.retired-*"))]
        return current, following, retired

    def stamp(self) -> tuple:
        return tuple(_stat(p) for p in (self.path, self.next_path))

    def create_next(self) -> Vault:
        """The next key, written to `<name>.new` (0600, synced) unless a rotation left one."""
        if not self.next_path.exists():
            write_private(self.next_path, new_secret() + b"\n")
        return Vault(self.next_path.read_bytes().strip())

    def promote_next(self, retiring: Vault) -> None:
        """Keeps the current key as `<name>.retired-<id>` and makes the next key current."""
        backup = self.retired_path(retiring.key_id)
        if not backup.exists():
            write_private(backup, self.path.read_bytes())
        os.replace(self.next_path, self.path)
        _sync_dir(self.path.parent)


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class _Keys(NamedTuple):
    current: Vault
    next: Vault | None
    by_id: dict[str, Vault]
    stamp: tuple | None


class Keyring:
    """The keys in play. New values are sealed and hashed under the next key while a rotation
    runs (the rotation re-keys the others), else under the current one; ciphertexts open under
    whichever key their id names."""

    def __init__(self, current: Vault, following: Vault | None = None, retired: list[Vault] = (),
                 files: KeyFiles | None = None):
        self.files = files
        self._lock = threading.Lock()
        self._keys = self._index(current, following, retired, files.stamp() if files else None)

    @classmethod
    def load(cls, path: Path | None = None) -> Keyring:
        """From `SHIKAKU_SECRET_KEY` (one fixed key) or from the key file and its companions."""
        if os.environ.get(KEY_ENV):
            return cls(Vault(load_secret()))
        files = KeyFiles(path or default_key_file())
        return cls(*files.read(), files=files)

    @staticmethod
    def _index(current, following, retired, stamp) -> _Keys:
        by_id = {v.key_id: v for v in [*retired, current] + ([following] if following else [])}
        return _Keys(current, following, by_id, stamp)

    def _now(self) -> _Keys:
        """The keys, re-read first if a key file changed (a stat per call: cheap)."""
        keys = self._keys
        if self.files is not None and self.files.stamp() != keys.stamp:
            with self._lock:
                stamp = self.files.stamp()
                if stamp != self._keys.stamp:
                    current, following, retired = self.files.read()
                    # keys seen before stay known (a retired key of this process's past)
                    retired = [*self._keys.by_id.values(), *retired]
                    self._keys = self._index(current, following, retired, stamp)
                keys = self._keys
        return keys

    @property
    def current(self) -> Vault:
        return self._now().current

    @property
    def next(self) -> Vault | None:
        return self._now().next

    @property
    def key_id(self) -> str:
        return self.current.key_id

    @property
    def storing(self) -> Vault:
        """The key new values are sealed and hashed under."""
        keys = self._now()
        return keys.next or keys.current

    def seal(self, my_number: str) -> bytes:
        return self.storing.seal(my_number)

    def lookup_hash(self, my_number: str) -> str:
        """The hash new rows store."""
        return self.storing.lookup_hash(my_number)

    def lookup_hashes(self, my_number: str) -> list[str]:
        """Every hash a stored row of this number may carry (two while a rotation runs)."""
        keys = self._now()
        return list(dict.fromkeys(v.lookup_hash(my_number) for v in (keys.next, keys.current) if v))

    def open(self, sealed: bytes) -> str:
        keys = self._now()
        key_id = sealed_key_id(sealed)
        if key_id is not None:
            return self.key(key_id).open(sealed)
        for vault in (keys.current, *keys.by_id.values()):  # layout 1: try each key
            try:
                return vault.open(sealed)
            except InvalidTag:
                continue
        raise VaultKeyError("no key opens this value")

    def key(self, key_id: str) -> Vault:
        try:
            return self._now().by_id[key_id]
        except KeyError:
            raise VaultKeyError(f"key {key_id} is not available (key file or its .retired-{key_id})")

    def known(self) -> set[str]:
        return set(self._now().by_id)

    def vaults(self) -> list[Vault]:
        return list(self._now().by_id.values())

    def key_check(self) -> str:
        return self.current.key_check()

    def accepts(self, key_check: str) -> bool:
        """Whether a database's check value names the current key (or the next, mid-rotation)."""
        keys = self._now()
        return any(hmac.compare_digest(key_check, v.key_check()) for v in (keys.current, keys.next) if v)
