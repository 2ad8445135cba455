"""Issuing a pass: claims -> CBOR -> COSE_Sign1 signed by the site key."""

from __future__ import annotations

import cbor2

from officegate.protocol.claims import PassClaims
from officegate.protocol.cose import sign1
from officegate.protocol.keys import SigningKey


def issue_pass(claims: PassClaims, key: SigningKey) -> bytes:
    """The COSE_Sign1 bytes of a pass (tag 18, protected {1: alg, 4: kid})."""
    return sign1(cbor2.dumps(claims.to_cbor_map()), key)
