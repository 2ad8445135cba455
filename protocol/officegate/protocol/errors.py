"""Errors raised by the pass codec."""

from __future__ import annotations


class MalformedPass(ValueError):
    """The scanned text, the COSE_Sign1 or its claims are not a well-formed OfficeGate pass.

    The message says what is wrong, in words an installer can act on; it never contains
    key material.
    """
