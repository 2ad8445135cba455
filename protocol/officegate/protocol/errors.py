"""Errors raised by the pass codec."""

from __future__ import annotations


class MalformedPass(ValueError):
    """The scanned text, the COSE_Sign1 or its claims are not a well-formed OfficeGate pass.

    The message says what is wrong, in words an installer can act on; it never contains
    key material. ``code`` names the check that refused, as a stable dotted word
    (``cose.tag``, ``claim.exp.range``, ...) that tests and tools can rely on; the message may
    be reworded, the code may not.
    """

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code
