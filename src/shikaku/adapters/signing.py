"""Copy protection for printed cards (R-CERT-10): each card carries a QR code with a payload
signed with Ed25519, so a desk can check that a card is genuine and unaltered. The signing key
is derived from the society's secret (the vault key file); the public key can be handed out."""
from __future__ import annotations

import base64

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "SK1"


class ForgedCard(Exception):
    """The payload is malformed or its signature does not match."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CardSigner:
    def __init__(self, secret: bytes):
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shikaku-cards-v1",
                    info=b"shikaku card signing").derive(secret)
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key: Ed25519PublicKey = self._private.public_key()

    def sign(self, fields: dict) -> str:
        """`SK1.<fields as JSON, base64url>.<signature, base64url>` — short enough for a QR code."""
        body = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
        return f"{PREFIX}.{_b64(body)}.{_b64(self._private.sign(body))}"

    def verify(self, payload: str) -> dict:
        """The signed fields, or `ForgedCard`."""
        try:
            prefix, body, signature = payload.strip().split(".")
            if prefix != PREFIX:
                raise ValueError(prefix)
            raw = _unb64(body)
            self.public_key.verify(_unb64(signature), raw)
            return orjson.loads(raw)
        except (ValueError, InvalidSignature, orjson.JSONDecodeError) as exc:
            raise ForgedCard() from exc

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
