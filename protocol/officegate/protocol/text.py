"""The text a QR holds: a short prefix plus Base45 (RFC 9285) of the COSE_Sign1.

    static (printed) pass:  OG1S<base45(COSE_Sign1)>
    rotating pass (phone):  OG1R<8 digit TOTP code><base45(COSE_Sign1)>

Every character is in the QR alphanumeric set, so encoders pick alphanumeric mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import base45

from officegate.protocol.errors import MalformedPass

STATIC_PREFIX = "OG1S"
ROTATING_PREFIX = "OG1R"
CODE_DIGITS = 8
# The most characters a QR code can hold in alphanumeric mode (version 40-L).
MAX_TEXT_CHARS = 4296


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """What the QR text carries: the COSE bytes and, for a rotating pass, the code."""

    cose: bytes
    code: str | None
    static: bool


def static_text(cose: bytes) -> str:
    """QR text of a printed pass."""
    body: bytes = base45.b45encode(cose)
    return STATIC_PREFIX + body.decode("ascii")


def rotating_text(cose: bytes, code: str) -> str:
    """QR text of a rotating pass showing ``code`` (8 digits)."""
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise ValueError(f"rotating code must be {CODE_DIGITS} digits")
    body: bytes = base45.b45encode(cose)
    return ROTATING_PREFIX + code + body.decode("ascii")


def parse_text(text: str) -> ScannedCode:
    """Split scanned QR text into COSE bytes and code; MalformedPass says what is wrong."""
    if not isinstance(text, str):
        raise MalformedPass("QR text must be a string", "text.type")
    # Some decoders append a line end; spaces are Base45 digits, so they are kept.
    text = text.rstrip("\r\n")
    if len(text) > MAX_TEXT_CHARS:
        raise MalformedPass(f"text longer than any QR code holds ({len(text)} chars)",
                            "text.too_long")
    prefix, rest = text[:4], text[4:]
    code: str | None = None
    if prefix == ROTATING_PREFIX:
        code, rest = rest[:CODE_DIGITS], rest[CODE_DIGITS:]
        if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
            raise MalformedPass(f"rotating pass must carry {CODE_DIGITS} digits after OG1R",
                                "text.code")
    elif prefix != STATIC_PREFIX:
        raise MalformedPass("not an OfficeGate pass (expected prefix OG1S or OG1R)", "text.prefix")
    if not rest:
        raise MalformedPass("pass text has no body after the prefix", "text.empty")
    try:
        cose = base45.b45decode(rest)
    except (ValueError, TypeError):
        raise MalformedPass("pass body is not valid Base45 (truncated or mistyped?)",
                            "text.base45") from None
    return ScannedCode(cose=cose, code=code, static=prefix == STATIC_PREFIX)
