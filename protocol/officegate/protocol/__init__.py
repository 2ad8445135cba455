"""The pass contract shared by server and edge: codec, rotating code, verification.

Depends on neither server nor edge. See docs/contracts.md for the agreed names.
"""

from officegate.protocol.claims import CwtClaims, PassClaims, PassKind
from officegate.protocol.decision import Decision, Reason
from officegate.protocol.errors import MalformedPass
from officegate.protocol.issue import issue_pass
from officegate.protocol.keys import KeySet, SigningKey, TrustedKey
from officegate.protocol.replay import ReplayGuard
from officegate.protocol.rotating import matching_counter, pass_secret, rotating_code
from officegate.protocol.text import ScannedCode, parse_text, rotating_text, static_text
from officegate.protocol.verify import DoorPolicy, verify

__all__ = [
    "CwtClaims",
    "Decision",
    "DoorPolicy",
    "KeySet",
    "MalformedPass",
    "PassClaims",
    "PassKind",
    "Reason",
    "ReplayGuard",
    "ScannedCode",
    "SigningKey",
    "TrustedKey",
    "issue_pass",
    "matching_counter",
    "parse_text",
    "pass_secret",
    "rotating_code",
    "rotating_text",
    "static_text",
    "verify",
]
