"""The server's VAPID key pair for Web Push (RFC 8292): kept sealed in the database (every
server shares it; see bootstrap.prepare) and written to a 0600 file for pywebpush."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def new_key_pem() -> bytes:
    """A new P-256 private key, PEM (PKCS#8)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_if_changed(path: Path, pem: bytes) -> None:
    """Make ``path`` hold ``pem`` (0600, replaced atomically when it differs)."""
    if path.is_file() and path.read_bytes() == pem:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.replace(tmp, path)


def ensure_key(path: Path) -> Path:
    """The P-256 private key file (PEM, 0600), created once when absent; returns its path."""
    if not path.exists():
        write_if_changed(path, new_key_pem())
    return path


def application_server_key(path: Path) -> str:
    """The public key as the browser's ``applicationServerKey`` (base64url, uncompressed)."""
    key = serialization.load_pem_private_key(ensure_key(path).read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    raw = key.public_key().public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
