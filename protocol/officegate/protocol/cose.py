"""COSE_Sign1 (RFC 9052 section 4.2, 4.4) for one signer: encode, decode, sign, verify.

Written to the RFC rather than to our own round trip: the signature covers the
Sig_structure ["Signature1", body_protected, external_aad, payload] with an empty
external_aad; ES256 signatures are the raw 64-byte r||s, not DER (RFC 9053 section 2.1).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from officegate.protocol.errors import MalformedPass
from officegate.protocol.keys import SigningKey, TrustedKey

COSE_SIGN1_TAG = 18
HDR_ALG = 1
HDR_KID = 4
ALG_IDS: dict[str, int] = {"EdDSA": -8, "ES256": -7}
ALG_NAMES: dict[int, str] = {v: k for k, v in ALG_IDS.items()}


@dataclass(frozen=True, slots=True)
class Sign1:
    """A decoded COSE_Sign1. ``protected`` keeps the exact bytes the signature covers."""

    protected: bytes
    protected_header: Mapping[Any, Any]
    unprotected_header: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> str | None:
        """The algorithm name from the protected header, or None if absent/unsupported."""
        return ALG_NAMES.get(self.protected_header.get(HDR_ALG))  # type: ignore[arg-type]

    @property
    def kid(self) -> bytes | None:
        """The key id, from the protected header or else the unprotected one (RFC 9052 3.1)."""
        for header in (self.protected_header, self.unprotected_header):
            kid = header.get(HDR_KID)
            if isinstance(kid, bytes):
                return kid
        return None

    def to_be_signed(self, external_aad: bytes = b"") -> bytes:
        """The Sig_structure bytes (RFC 9052 section 4.4)."""
        return sig_structure(self.protected, self.payload, external_aad)


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """CBOR of ["Signature1", protected, external_aad, payload]."""
    return cbor2.dumps(["Signature1", protected, external_aad, payload])


def sign1(payload: bytes, key: SigningKey) -> bytes:
    """A tagged COSE_Sign1 with protected header {1: alg, 4: kid} and empty unprotected."""
    protected = cbor2.dumps({HDR_ALG: ALG_IDS[key.alg], HDR_KID: key.kid})
    signature = key.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def _decoder(fp: io.BytesIO) -> cbor2.CBORDecoder:
    # cbor2 >= 5.8 reads ahead in chunks; read_size=1 keeps fp.tell() exact so trailing
    # bytes are detected. Older 5.x has no such option and reads exactly anyway.
    try:
        return cbor2.CBORDecoder(fp, read_size=1)
    except TypeError:
        return cbor2.CBORDecoder(fp)


def loads_exact(data: bytes, part: str = "cbor") -> Any:
    """Decode exactly one CBOR item; trailing bytes or any decoder error -> MalformedPass.

    ``part`` names what is decoded (``cose``, ``protected``, ``claims``) in the error's code:
    ``{part}.cbor`` for undecodable bytes, ``{part}.trailing`` for bytes after the item.
    """
    fp = io.BytesIO(data)
    try:
        item = _decoder(fp).decode()
    except Exception as exc:  # cbor2 raises several types for hostile input
        raise MalformedPass(f"not valid CBOR: {type(exc).__name__}", f"{part}.cbor") from None
    if fp.tell() != len(data):
        raise MalformedPass("trailing bytes after the CBOR item", f"{part}.trailing")
    return item


def decode_sign1(data: bytes) -> Sign1:
    """Parse a COSE_Sign1 (tag 18 or untagged); raise MalformedPass if it is not one."""
    item = loads_exact(data, "cose")
    if isinstance(item, cbor2.CBORTag):
        if item.tag != COSE_SIGN1_TAG:
            raise MalformedPass(f"CBOR tag {item.tag} is not COSE_Sign1 (18)", "cose.tag")
        item = item.value
    # cbor2 6 decodes arrays as tuples and maps may come back as other Mappings.
    if not isinstance(item, list | tuple) or len(item) != 4:
        raise MalformedPass("COSE_Sign1 must be an array of 4 items", "cose.array")
    protected, unprotected, payload, signature = item
    if not isinstance(protected, bytes):
        raise MalformedPass("COSE protected header must be a byte string", "cose.protected")
    if not isinstance(unprotected, Mapping):
        raise MalformedPass("COSE unprotected header must be a map", "cose.unprotected")
    if not isinstance(payload, bytes):
        raise MalformedPass("COSE payload must be an attached byte string", "cose.payload")
    if not isinstance(signature, bytes):
        raise MalformedPass("COSE signature must be a byte string", "cose.signature")
    # RFC 9052 3: a zero-length protected bucket stands for the empty map.
    protected_header = loads_exact(protected, "protected") if protected else {}
    if not isinstance(protected_header, Mapping):
        raise MalformedPass("COSE protected header must encode a map", "protected.map")
    return Sign1(protected, protected_header, unprotected, payload, signature)


def verify_sign1(message: Sign1, key: TrustedKey, external_aad: bytes = b"") -> bool:
    """True when the protected alg matches the key's alg and the signature is good."""
    if message.alg != key.alg:
        return False
    return key.verify_signature(message.signature, message.to_be_signed(external_aad))
