"""Copy protection for printed cards (R-CERT-10): each card carries a QR code with a payload
signed with Ed25519, so a desk can check that a card is genuine and unaltered. The signing key
is derived from the society's secret (the vault key file); the public key can be handed out."""
from __future__ import annotations

import base64
import binascii
import re
from typing import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "SK1"
_ALPHANUMERIC = re.compile(r"[0-9A-Z\-:]+")


def _seed(secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shikaku-cards-v1",
                info=b"shikaku card signing").derive(secret)


def _verifies(key: Ed25519PublicKey, signature: bytes, body: bytes) -> bool:
    try:
        key.verify(signature, body)
        return True
    except InvalidSignature:
        return False


class ForgedCard(Exception):
    """The payload is malformed or its signature does not match."""


class CardSigner:
    def __init__(self, secret: bytes, also_verify: Iterable[bytes] = ()):
        """Signs with the key derived from `secret`; verifies with it and with the keys of
        `also_verify` (retired vault secrets: cards printed before a key rotation stay genuine)."""
        self.seed = _seed(secret)
        self._private = Ed25519PrivateKey.from_private_bytes(self.seed)
        self.public_key: Ed25519PublicKey = self._private.public_key()
        self._verifying = [self.public_key] + [Ed25519PrivateKey.from_private_bytes(_seed(s)).public_key()
                                               for s in also_verify if s != secret]

    @classmethod
    def from_seed(cls, seed: bytes) -> "CardSigner":
        """The same signer in another process (print workers)."""
        signer = cls.__new__(cls)
        signer.seed = seed
        signer._private = Ed25519PrivateKey.from_private_bytes(seed)
        signer.public_key = signer._private.public_key()
        signer._verifying = [signer.public_key]
        return signer

    def sign(self, fields: dict) -> str:
        """`SK1:<K><VALUE>:…:<Ed25519 signature, base32>` in the QR alphanumeric alphabet (digits,
        capitals, '-'), which keeps the code small so it prints small and reads fast. Keys are
        single letters; values digits, codes and ISO dates."""
        body = ":".join(f"{key.upper()}{str(fields[key]).upper()}" for key in sorted(fields))
        if any(len(key) != 1 for key in fields) or not _ALPHANUMERIC.fullmatch(body):
            raise ValueError("card fields: one-letter keys, values of digits, letters and '-'")
        signature = base64.b32encode(self._private.sign(body.encode())).decode().rstrip("=")
        return f"{PREFIX}:{body}:{signature}"

    def verify(self, payload: str) -> dict:
        """The signed fields (keys lower case, values as printed in the code), or `ForgedCard`."""
        try:
            prefix, rest = payload.strip().split(":", 1)
            body, signature = rest.rsplit(":", 1)
            if prefix != PREFIX:
                raise ValueError(prefix)
            raw = base64.b32decode(signature + "=" * (-len(signature) % 8))
            if not any(_verifies(key, raw, body.encode()) for key in self._verifying):
                raise InvalidSignature()
            return {item[0].lower(): item[1:] for item in body.split(":")}
        except (ValueError, InvalidSignature, binascii.Error) as exc:
            raise ForgedCard() from exc

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
