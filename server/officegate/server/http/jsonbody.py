"""JSON with a nesting limit: ``[`` x 50,000 is a 4xx, never a RecursionError.

Python's ``json`` recurses once per level, so a deep enough document crashes it. Bodies are
measured first with a scan that skips string contents, then parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32  # our deepest real document (a LINE webhook) is under 10 levels
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_OPENERS = frozenset(b"[{")


class JSONTooDeep(json.JSONDecodeError):
    """The document nests deeper than allowed (a JSONDecodeError, so callers that already
    refuse malformed JSON refuse this too)."""


def nesting_depth(raw: bytes | str, *, stop_at: int = MAX_DEPTH) -> int:
    """How deep ``raw`` nests arrays and objects (counting stops once past ``stop_at``).

    Brackets inside strings do not count. Works on any bytes: non-JSON text just has few
    brackets.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if b"[" not in data and b"{" not in data:
        return 0
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group()[0] in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    break
        else:
            depth = max(0, depth - 1)
    return deepest


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``max_depth``.

    Raises :class:`JSONTooDeep` (a ``json.JSONDecodeError``), ``json.JSONDecodeError`` or
    ``UnicodeDecodeError``, like ``json.loads`` does for other malformed input.
    """
    if nesting_depth(raw, stop_at=max_depth) > max_depth:
        text = raw if isinstance(raw, str) else raw[:200].decode("utf-8", "replace")
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels", text[:200], 0)
    return json.loads(raw)
