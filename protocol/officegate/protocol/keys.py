"""Signing keys (server) and trusted public keys (edges), with their files and JSON forms.

A key's ``kid`` is the first 8 bytes of SHA-256 over its public key's SubjectPublicKeyInfo
DER, so any party can recompute it from the public key alone. Each key also carries a 32-byte
``code_key`` from which the per-pass rotating-code secrets derive (see rotating.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

Alg = Literal["EdDSA", "ES256"]
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

KID_BYTES = 8
CODE_KEY_BYTES = 32
ES256_SIG_BYTES = 64
_CODE_BEGIN = "-----BEGIN OFFICEGATE CODE KEY-----"
_CODE_END = "-----END OFFICEGATE CODE KEY-----"


def kid_for(public_key: PublicKey) -> bytes:
    """The key id: SHA-256 of the SubjectPublicKeyInfo DER, first 8 bytes."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:KID_BYTES]


def alg_of(public_key: object) -> Alg:
    """The COSE algorithm name for a public or private key; ValueError for other key types."""
    if isinstance(public_key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(public_key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if isinstance(public_key.curve, ec.SECP256R1):
            return "ES256"
    raise ValueError("only Ed25519 (EdDSA) and P-256 (ES256) keys are supported")


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A public key an edge trusts for a period, with the code key for its passes."""

    kid: bytes
    alg: Alg
    public_key: PublicKey
    code_key: bytes = field(repr=False)  # a secret: never in logs
    not_before: float | None = None
    not_after: float | None = None

    def __post_init__(self) -> None:
        if alg_of(self.public_key) != self.alg:
            raise ValueError(f"key type does not match alg {self.alg!r}")

    def in_service(self, now: float) -> str | None:
        """None when the key may be used at ``now``, otherwise why not."""
        if self.not_before is not None and now < self.not_before:
            return f"key {self.kid.hex()} is not in service before {self.not_before:.0f}"
        if self.not_after is not None and now > self.not_after:
            return f"key {self.kid.hex()} was retired at {self.not_after:.0f}"
        return None

    def verify_signature(self, signature: bytes, data: bytes) -> bool:
        """Check a COSE signature (Ed25519, or ES256 as raw r||s) over ``data``."""
        try:
            if isinstance(self.public_key, ed25519.Ed25519PublicKey):
                self.public_key.verify(signature, data)
                return True
            if len(signature) != ES256_SIG_BYTES:
                return False
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            der = encode_dss_signature(r, s)
            self.public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            return False

    def to_json(self) -> dict[str, Any]:
        """A JSON object as in the KeySet message (docs/contracts.md)."""
        pem = self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "kid": self.kid.hex(),
            "alg": self.alg,
            "public_key": pem.decode("ascii"),
            "code_key": base64.b64encode(self.code_key).decode("ascii"),
            "not_before": self.not_before,
            "not_after": self.not_after,
        }

    @classmethod
    def from_json(cls, obj: object) -> TrustedKey:
        """Read a key object; ValueError naming the bad field."""
        if not isinstance(obj, dict):
            raise ValueError("a trusted key must be a JSON object")
        try:
            kid = bytes.fromhex(str(obj["kid"]))
            alg = obj["alg"]
            public_key = serialization.load_pem_public_key(str(obj["public_key"]).encode())
            code_key = base64.b64decode(str(obj["code_key"]), validate=True)
        except KeyError as exc:
            raise ValueError(f"trusted key is missing {exc.args[0]!r}") from None
        except ValueError as exc:
            raise ValueError(f"trusted key has a bad field: {exc}") from None
        if alg not in ("EdDSA", "ES256"):
            raise ValueError(f"unsupported alg {str(alg)[:16]!r}")
        if not isinstance(public_key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
            raise ValueError("public_key must be Ed25519 or P-256")
        bounds = [obj.get("not_before"), obj.get("not_after")]
        for b in bounds:
            if b is not None and (isinstance(b, bool) or not isinstance(b, int | float)):
                raise ValueError("not_before/not_after must be numbers or null")
        return cls(kid, alg, public_key, code_key, bounds[0], bounds[1])


@dataclass(frozen=True, slots=True, init=False)
class KeySet:
    """The trusted keys of one site, versioned; delivered retained over MQTT."""

    site: str
    keys: tuple[TrustedKey, ...]
    version: int

    def __init__(self, site: str, keys: list[TrustedKey] | tuple[TrustedKey, ...],
                 version: int) -> None:
        object.__setattr__(self, "site", site)
        object.__setattr__(self, "keys", tuple(keys))
        object.__setattr__(self, "version", version)

    def get(self, kid: bytes) -> TrustedKey | None:
        """The key with this kid, or None."""
        for key in self.keys:
            if key.kid == kid:
                return key
        return None

    def to_json(self) -> bytes:
        """UTF-8 JSON: {"site", "version", "keys": [...]}."""
        doc = {"site": self.site, "version": self.version,
               "keys": [k.to_json() for k in self.keys]}
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> KeySet:
        """Parse a KeySet message; ValueError with the reason when it is not one."""
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"keyset is not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ValueError("keyset must be a JSON object")
        site, version, keys = doc.get("site"), doc.get("version"), doc.get("keys")
        if not isinstance(site, str) or not site:
            raise ValueError("keyset 'site' must be non-empty text")
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValueError("keyset 'version' must be an integer")
        if not isinstance(keys, list):
            raise ValueError("keyset 'keys' must be an array")
        return cls(site, [TrustedKey.from_json(k) for k in keys], version)


class SigningKey:
    """A site's private signing key plus its code key. Lives on the server only."""

    def __init__(self, private_key: PrivateKey, code_key: bytes) -> None:
        self.alg: Alg = alg_of(private_key)
        if len(code_key) != CODE_KEY_BYTES:
            raise ValueError(f"code key must be {CODE_KEY_BYTES} bytes")
        self._private_key = private_key
        self.code_key = code_key
        self.kid = kid_for(private_key.public_key())

    def __repr__(self) -> str:  # never print key material
        return f"SigningKey(alg={self.alg!r}, kid={self.kid.hex()!r})"

    @classmethod
    def generate(cls, alg: str = "EdDSA") -> SigningKey:
        """A fresh key: Ed25519 for "EdDSA", P-256 for "ES256"; ValueError for anything else."""
        private_key: PrivateKey
        if alg == "EdDSA":
            private_key = ed25519.Ed25519PrivateKey.generate()
        elif alg == "ES256":
            private_key = ec.generate_private_key(ec.SECP256R1())
        else:
            raise ValueError(f"unsupported alg {alg!r}; use 'EdDSA' or 'ES256'")
        return cls(private_key, secrets.token_bytes(CODE_KEY_BYTES))

    @property
    def public_key(self) -> PublicKey:
        """The public half, as a cryptography key object."""
        return self._private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        """A COSE signature over ``data``: 64-byte Ed25519, or raw r||s for ES256."""
        if isinstance(self._private_key, ed25519.Ed25519PrivateKey):
            return self._private_key.sign(data)
        der = self._private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def trusted(self, not_before: float | None = None,
                not_after: float | None = None) -> TrustedKey:
        """The public TrustedKey that edges hold for this key."""
        return TrustedKey(self.kid, self.alg, self.public_key, self.code_key,
                          not_before, not_after)

    def to_text(self) -> str:
        """PEM private key + code key block: the secret form that ``from_text`` reads."""
        pem = self._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        code = base64.b64encode(self.code_key).decode("ascii")
        return f"{pem}{_CODE_BEGIN}\n{code}\n{_CODE_END}\n"

    @classmethod
    def from_text(cls, text: str, *, source: str = "key") -> SigningKey:
        """Read what ``to_text`` wrote; ValueError (naming ``source``) when it is not one."""
        pem, sep, rest = text.partition(_CODE_BEGIN)
        if not sep or _CODE_END not in rest:
            raise ValueError(f"{source}: no OfficeGate code key block")
        code_key = base64.b64decode(rest.split(_CODE_END)[0].strip(), validate=True)
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(private_key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"{source}: not an Ed25519 or P-256 private key")
        return cls(private_key, code_key)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write PEM private key + code key atomically, readable by the owner only (0600)."""
        target = Path(path)
        text = self.to_text()
        # mkstemp creates the file 0600 from the start, so the secret is never world-readable,
        # and os.replace makes the new key appear whole or not at all.
        fd, tmp = tempfile.mkstemp(prefix=".key-", dir=target.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SigningKey:
        """Read a key written by save(); ValueError when the file is not one."""
        return cls.from_text(Path(path).read_text(encoding="ascii"), source=str(path))
