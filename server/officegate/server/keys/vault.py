"""The key-encryption key (KEK) that seals private key material kept in the database.

Signing keys, their code keys and the server's secrets (session secret, VAPID key) live in
the database, sealed with AES-256-GCM under a KEK that never enters the database, so every
server of a site shares them and a database backup reveals none of them. The KEK comes from
``OFFICEGATE_KEY_ENCRYPTION_KEY`` (base64 of 32 bytes), or the file
``OFFICEGATE_KEY_ENCRYPTION_KEY_FILE`` names, else a 0600 file made once in the data
directory (one server, zero set-up). Several servers must be given the same KEK; one that
has another gets a clear start-up error, not a silently different key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEK_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"  # first byte of every sealed value


class KeyringError(RuntimeError):
    """The KEK is missing, malformed, or not the one the database's keys were sealed with."""


def make_kek() -> str:
    """A new KEK as the environment variable wants it (base64 of 32 random bytes)."""
    return base64.b64encode(secrets.token_bytes(KEK_BYTES)).decode("ascii")


class Keyring:
    """Seals and opens secrets under one KEK. ``fingerprint`` names the KEK (not secret)."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != KEK_BYTES:
            raise KeyringError(f"the key-encryption key must be {KEK_BYTES} bytes "
                               f"(base64 of 32 random bytes), not {len(kek)}")
        self._aead = AESGCM(kek)
        self.fingerprint = hashlib.sha256(b"officegate-kek" + kek).hexdigest()[:16]

    def __repr__(self) -> str:  # never print the KEK
        return f"Keyring(fingerprint={self.fingerprint})"

    def seal(self, secret: bytes, *, purpose: str) -> bytes:
        """``secret`` encrypted and authenticated; ``purpose`` binds it to one use."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, secret, purpose.encode())

    def open(self, sealed: bytes, *, purpose: str) -> bytes:
        """The secret ``seal`` sealed for ``purpose``; KeyringError under another KEK."""
        if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
            raise KeyringError(f"{purpose}: not a sealed value")
        nonce, body = sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, purpose.encode())
        except InvalidTag:
            raise KeyringError(
                f"{purpose} was sealed with another key-encryption key than this server's "
                f"(fingerprint {self.fingerprint}): give every server of the site the same "
                "OFFICEGATE_KEY_ENCRYPTION_KEY (or _FILE)") from None

    @classmethod
    def from_text(cls, text: str, *, source: str) -> Keyring:
        """A keyring from base64 text; KeyringError naming ``source`` when malformed."""
        try:
            kek = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyringError(f"{source}: the key-encryption key is not base64") from None
        try:
            return cls(kek)
        except KeyringError as exc:
            raise KeyringError(f"{source}: {exc}") from None

    @classmethod
    def resolve(cls, *, value: str | None, file: Path | None, data_dir: Path) -> Keyring:
        """The KEK from ``value``, else ``file``, else ``data_dir/key-encryption.key``
        (created 0600 on first use)."""
        if value:
            return cls.from_text(value, source="OFFICEGATE_KEY_ENCRYPTION_KEY")
        if file is not None:
            if not file.is_file():
                raise KeyringError(f"OFFICEGATE_KEY_ENCRYPTION_KEY_FILE: no such file {file}")
            return cls.from_text(file.read_text(encoding="ascii"), source=str(file))
        path = data_dir / "key-encryption.key"
        if not path.exists():
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it a moment ago
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    f.write(make_kek() + "\n")
        return cls.from_text(path.read_text(encoding="ascii"), source=str(path))
