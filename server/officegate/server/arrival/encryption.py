"""OwnTracks payload encryption, as the apps and the OwnTracks Recorder do it, and each
person's secret kept sealed at rest so that only the server can read it.

The apps encrypt every message with libsodium's secretbox (XSalsa20-Poly1305). The key is the
configured secret (``encryptionKey``) as UTF-8, cut to 32 bytes or padded with zero bytes,
and the app sends ``{"_type": "encrypted", "data": base64(nonce[24] || box)}`` (OwnTracks
booklet, "Payload encryption"; the Recorder's ``decrypt()`` reads it the same way).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from typing import Any

from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.secret import SecretBox

from officegate.server.arrival.owntracks import BadLocation
from officegate.server.http import jsonbody

KEY_BYTES = SecretBox.KEY_SIZE  # 32
MIN_DATA = SecretBox.NONCE_SIZE + SecretBox.MACBYTES


class CannotDecrypt(BadLocation):
    """An ``encrypted`` message we cannot open: wrong key, damaged, or not ours."""

    code = "cannot_decrypt"
    message_ja = "暗号化された位置情報を復号できません（暗号鍵が違うか、データが壊れています）"


class EncryptionRequired(BadLocation):
    """A plain location from a phone that has been sending encrypted ones."""

    code = "encryption_required"
    message_ja = "この端末からは暗号化された位置情報のみ受け付けます"


def new_secret() -> str:
    """A fresh secret for the app: 32 URL-safe characters (192 random bits), so the whole
    secret is the key and nothing is cut off."""
    return secrets.token_urlsafe(24)


def payload_key(secret: str) -> bytes:
    """The secretbox key the apps derive from a secret: UTF-8, cut or zero-padded to 32."""
    return secret.encode()[:KEY_BYTES].ljust(KEY_BYTES, b"\0")


def encrypted_data(payload: bytes) -> str | None:
    """The ``data`` of an ``encrypted`` message, None for any other payload."""
    try:
        message = jsonbody.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None  # the parser says what is wrong with it
    if not isinstance(message, dict) or message.get("_type") != "encrypted":
        return None
    data = message.get("data")
    if not isinstance(data, str):
        raise CannotDecrypt("an encrypted message needs 'data' (base64)")
    return data


def open_payload(data: str, secret: str | None) -> bytes:
    """The JSON inside an ``encrypted`` message; CannotDecrypt when it does not open."""
    if secret is None:
        raise CannotDecrypt("this phone has no encryption key here: set up OwnTracks again "
                            "from the pass page")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CannotDecrypt("'data' is not base64") from exc
    if len(raw) < MIN_DATA:
        raise CannotDecrypt("'data' is too short to be a secretbox")
    try:
        plain = SecretBox(payload_key(secret)).decrypt(raw)
    except CryptoError as exc:
        raise CannotDecrypt("the payload does not decrypt with this phone's key "
                            "(wrong encryptionKey, or damaged)") from exc
    if encrypted_data(plain) is not None:
        raise CannotDecrypt("an encrypted message inside an encrypted message")
    return bytes(plain)


def seal_payload(message: dict[str, Any], secret: str) -> dict[str, Any]:
    """``message`` as the apps expect it when they encrypt: an ``encrypted`` object."""
    raw = json.dumps(message, separators=(",", ":")).encode()
    box = SecretBox(payload_key(secret)).encrypt(raw)  # random nonce, prepended
    return {"_type": "encrypted", "data": base64.b64encode(bytes(box)).decode()}


class SecretSeal:
    """Seals per-person secrets for the database with a key derived from the server's own
    secret: a database dump alone does not give them away."""

    def __init__(self, server_secret: str) -> None:
        key = blake2b(server_secret.encode(), digest_size=KEY_BYTES,
                      person=b"og-owntracks-key", encoder=RawEncoder)
        self._box = SecretBox(key)

    def seal(self, secret: str) -> str:
        """The stored form of ``secret``."""
        return base64.b64encode(bytes(self._box.encrypt(secret.encode()))).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it cannot be read (the server secret changed)."""
        try:
            return self._box.decrypt(base64.b64decode(sealed)).decode()
        except (CryptoError, binascii.Error, ValueError):
            return None
