"""個人番号 vault: AES-GCM encryption at rest and a keyed hash (HMAC-SHA256) for look-ups.

The secret comes from `SHIKAKU_SECRET_KEY` or from a key file (created by `shikaku init` with
0600 permissions). Two independent keys are derived from it with HKDF: one encrypts, one hashes,
so the look-up hash reveals nothing about the ciphertext key. The clear number is never logged.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ENV = "SHIKAKU_SECRET_KEY"
KEY_FILE_ENV = "SHIKAKU_KEY_FILE"
_FORMAT = b"\x01"  # ciphertext layout version: 1 byte, 12-byte nonce, AES-256-GCM output
_AAD = b"shikaku/my_number"


class VaultKeyError(Exception):
    """The vault key is missing, malformed or belongs to another database."""


def default_key_file() -> Path:
    home = os.environ.get("SHIKAKU_HOME") or Path.home() / ".local" / "share" / "shikaku"
    return Path(os.environ.get(KEY_FILE_ENV) or Path(home) / "secret.key")


def ensure_key_file(path: Path | None = None) -> Path:
    """Creates the key file with 0600 permissions unless a key is already configured."""
    path = path or default_key_file()
    if os.environ.get(KEY_ENV) or path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
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
    """Encrypts, decrypts and hashes 個人番号. Holds no clear number itself."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise VaultKeyError("the vault secret must be at least 16 bytes")
        self._aead = AESGCM(_derive(secret, b"shikaku my_number encryption"))
        self._mac_key = _derive(secret, b"shikaku my_number lookup")

    def seal(self, my_number: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return _FORMAT + nonce + self._aead.encrypt(nonce, my_number.encode(), _AAD)

    def open(self, sealed: bytes) -> str:
        """The clear number. Callers audit every use (`service_layer.members.reveal_my_number`)."""
        if sealed[:1] != _FORMAT:
            raise VaultKeyError("unknown ciphertext format")
        return self._aead.decrypt(sealed[1:13], sealed[13:], _AAD).decode()

    def lookup_hash(self, my_number: str) -> str:
        return hmac.new(self._mac_key, my_number.encode(), hashlib.sha256).hexdigest()

    def key_check(self) -> str:
        """A value stored with the society so that a wrong key is refused at start-up."""
        return hmac.new(self._mac_key, b"key check", hashlib.sha256).hexdigest()


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shikaku-vault-v1", info=info).derive(secret)
