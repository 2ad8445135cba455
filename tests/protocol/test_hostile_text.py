"""Hostile and broken QR text: verify() always answers with a Decision, never an exception."""

from __future__ import annotations

import random

import base45
import cbor2
import pytest

from officegate.protocol import (
    DoorPolicy,
    KeySet,
    MalformedPass,
    Reason,
    SigningKey,
    issue_pass,
    parse_text,
    static_text,
    verify,
)

from .helpers import NOW, phone_text, visitor_claims

KEY = SigningKey.generate("EdDSA")
KEYS = KeySet("hq", [KEY.trusted()], version=1)
GATE = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)
GOOD = phone_text(visitor_claims(), KEY)


def b45(data: bytes, prefix: str = "OG1S") -> str:
    return prefix + base45.b45encode(data).decode()


def signed_payload(payload: object) -> str:
    """A correctly signed COSE_Sign1 around an arbitrary CBOR payload."""
    from officegate.protocol.cose import sign1

    return static_text(sign1(cbor2.dumps(payload), KEY))


def claims_map(changes: dict | None = None, **named: object) -> dict:
    m = visitor_claims(static=True).to_cbor_map()
    m.update(changes or {})
    m.update(named)
    return m


MALFORMED = {
    "empty": "",
    "prefix only": "OG1S",
    "rotating prefix, no code": "OG1R",
    "code with letters": "OG1R1234ABCD" + GOOD[12:],
    "lower-case base45": GOOD.lower(),
    "truncated base45": GOOD[:-1],
    "truncated cose": GOOD[:100],
    "other app's QR": "https://example.com/?q=1",
    "EU DCC": "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N",
    "emoji": "OG1S😀😀😀",
    "NUL bytes": "OG1S\x00\x00\x00",
    "too long": "OG1S" + "A" * 5000,
    "base45 of non-CBOR": b45(b"\xff\xfe\xfd"),
    "base45 of text": b45(b"hello world"),
    "CBOR int": b45(cbor2.dumps(7)),
    "wrong tag": b45(cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""]))),
    "3-item array": b45(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b""]))),
    "detached payload": b45(cbor2.dumps(cbor2.CBORTag(18, [b"\xa0", {}, None, b"x"]))),
    "protected not a map": b45(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(5), {}, b"", b""]))),
    "unprotected not a map": b45(cbor2.dumps(cbor2.CBORTag(18, [b"", [], b"", b""]))),
    "trailing bytes": b45(issue_pass(visitor_claims(), KEY) + b"\x00"),
    "huge bytestring length": b45(b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff"),
    "deep nesting": b45(b"\x81" * 2000),
    "payload not a map": signed_payload([1, 2, 3]),
    "huge exp": signed_payload(claims_map({4: 2**200})),
    "negative nbf": signed_payload(claims_map({5: -1})),
    "exp as float": signed_payload(claims_map({4: 1.5e9})),
    "exp as bool": signed_payload(claims_map({4: True})),
    "sub as bytes": signed_payload(claims_map({2: b"erikw"})),
    "cti wrong size": signed_payload(claims_map({7: b"\x01\x02"})),
    "zones not array": signed_payload(claims_map(z="lobby")),
    "doors with ints": signed_payload(claims_map(d=[1, 2])),
    "unknown kind": signed_payload(claims_map(k="x")),
    "visitor without visit": signed_payload({k: v for k, v in claims_map().items() if k != "v"}),
    "static false": signed_payload(claims_map(s=False)),
    "missing iss": signed_payload({k: v for k, v in claims_map().items() if k != 1}),
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_text_is_denied_with_a_reason(text):
    d = verify(text, keys=KEYS, revoked=(), door=GATE, now=NOW)
    assert d.reason is Reason.MALFORMED
    assert d.detail  # says what is wrong
    assert d.claims is None


def test_parse_text_raises_malformed_pass_with_a_clear_message():
    with pytest.raises(MalformedPass, match="expected prefix OG1S or OG1R"):
        parse_text("QR-CODE")
    with pytest.raises(MalformedPass, match="Base45"):
        parse_text(GOOD[:-1])


def test_trailing_newline_from_a_scanner_is_forgiven():
    assert verify(GOOD + "\r\n", keys=KEYS, revoked=(), door=GATE, now=NOW).accepted


def mutations(rng: random.Random) -> str:
    """Random garbage, and near-misses of a real pass (the interesting part of the space)."""
    choice = rng.randrange(5)
    if choice == 0:
        return "".join(chr(rng.randrange(0x20, 0x2FF)) for _ in range(rng.randrange(0, 400)))
    if choice == 1:
        return b45(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))),
                   rng.choice(["OG1S", "OG1R12345678"]))
    chars = list(GOOD)
    for _ in range(rng.randrange(1, 6)):
        i = rng.randrange(len(chars))
        if choice == 2:
            chars[i] = rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        elif choice == 3:
            del chars[i]
        else:
            chars.insert(i, rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"))
    return "".join(chars)


def test_thousands_of_random_inputs_never_raise():
    rng = random.Random(20261123)
    seen: set[Reason] = set()
    for _ in range(3000):
        text = mutations(rng)
        d = verify(text, keys=KEYS, revoked=(), door=GATE, now=NOW)
        assert isinstance(d.reason, Reason)
        assert not d.accepted or text.rstrip("\r\n") == GOOD
        seen.add(d.reason)
    # Near-misses reach past the parser: the signature check must catch them.
    assert {Reason.MALFORMED, Reason.BAD_SIGNATURE} <= seen
