"""Anti-passback at a gate: who is inside, kept on disk so a restart forgets nobody.

A pass accepted on the ``entry`` side is inside until it is accepted on an ``exit`` side;
entering again before that is denied REPLAYED ("anti-passback: already inside"). Leaving
without having entered is allowed (nobody is kept in) and simply clears the record.
The gates of one ``anti_passback_group`` learn each other's entries and exits from the
server (``passback`` commands); each gate still decides alone when the network is down.
Entries older than ``forget_after`` are dropped: a pass that left by a fire door must not
be locked out forever (passes of a day visit expire long before).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from officegate.edge.cache import EdgeCache

log = logging.getLogger(__name__)

ALREADY_INSIDE = "anti-passback: already inside"
_FILE = "passback.json"


class PassbackLedger:
    """Pass ids (hex) inside the area, with when they entered (epoch seconds)."""

    def __init__(self, cache: EdgeCache, *, forget_after: float = 24 * 3600) -> None:
        self._cache = cache
        self.forget_after = forget_after
        self._lock = threading.Lock()
        self.inside: dict[str, float] = {}
        raw = cache.read(_FILE)
        if raw is not None:
            try:
                doc = json.loads(raw)
                self.inside = {str(k): float(v) for k, v in doc["inside"].items()}
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                log.warning("anti-passback file unusable (%s); starting empty", exc)

    def _save(self) -> None:
        self._cache.write(_FILE, json.dumps({"inside": self.inside}).encode())

    def _prune(self, now: float) -> None:
        cutoff = now - self.forget_after
        self.inside = {p: t for p, t in self.inside.items() if t >= cutoff}

    def denial(self, pass_id: str, side: str | None, now: float) -> str | None:
        """Why ``pass_id`` may not pass on ``side`` now (None: it may)."""
        with self._lock:
            entered = self.inside.get(pass_id)
            if side == "entry" and entered is not None and now - entered < self.forget_after:
                return ALREADY_INSIDE
            return None

    def passed(self, pass_id: str, side: str | None, now: float) -> None:
        """Record that ``pass_id`` went through on ``side`` (durably, before the next pass)."""
        if side not in ("entry", "exit"):
            return
        with self._lock:
            self._prune(now)
            if side == "entry":
                self.inside[pass_id] = now
            elif self.inside.pop(pass_id, None) is None:
                return  # left without a recorded entry: nothing to write
            self._save()

    def apply(self, command: dict[str, Any]) -> None:
        """Apply the server's ``passback`` command: ``entered``/``exited`` lists of
        ``[pass_id, at]`` seen at the other gates of the group."""
        entered, exited = command.get("entered", []), command.get("exited", [])
        if not isinstance(entered, list) or not isinstance(exited, list):
            raise ValueError("passback entered/exited must be lists of [pass_id, at]")
        with self._lock:
            for items, inside in ((entered, True), (exited, False)):
                for item in items:
                    if (not isinstance(item, list) or len(item) != 2
                            or not isinstance(item[0], str)
                            or not isinstance(item[1], int | float)):
                        raise ValueError("passback entries must be [pass_id, at]")
                    pass_id, at = item[0].lower(), float(item[1])
                    known = self.inside.get(pass_id)
                    if inside and (known is None or known < at):
                        self.inside[pass_id] = at
                    elif not inside and known is not None and known <= at:
                        del self.inside[pass_id]  # an exit after the entry we know of
            self._save()
