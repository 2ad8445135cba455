"""ReplayGuard: one unlock per presentation, and no second use of a rotating code."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

Sighting = Literal["new", "holding", "replayed"]


@dataclass(slots=True)
class _Seen:
    device: str
    counter: int | None
    last_seen: float


class ReplayGuard:
    """Remembers accepted passes for a short while.

    ``check(pass_id, counter, device, now)`` answers:

    - "holding": the same pass is still in front of the same device (last sighting at most
      ``hold_seconds`` ago, same code, or the next code because it rotated while the visitor
      stood there). Already decided: do not unlock or report again.
    - "replayed": a code already used is shown again after a gap, or at a different device,
      or a code older than one already used (phones only count forward) - a screenshot.
    - "new": first sighting; it is recorded.

    A static pass (``counter`` None) is never "replayed": printed passes are meant to be
    reused. Memory is bounded: an entry is forgotten once no code it could conflict with can
    still be valid (``window_seconds`` + ``hold_seconds``), and at most ``max_entries`` are kept.
    """

    def __init__(self, hold_seconds: float = 5.0, *, window_seconds: float = 30.0,
                 max_entries: int = 100_000) -> None:
        self.hold_seconds = hold_seconds
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        # Ordered by last sighting so the oldest entries are dropped first.
        self._seen: OrderedDict[bytes, _Seen] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def check(self, pass_id: bytes, counter: int | None, device: str, now: float) -> Sighting:
        """Classify this sighting and remember it; see the class docstring."""
        self._forget_before(now - self.window_seconds - self.hold_seconds)
        seen = self._seen.get(pass_id)
        answer: Sighting = "new"
        if seen is not None:
            close = seen.device == device and 0 <= now - seen.last_seen <= self.hold_seconds
            if counter is None or seen.counter is None:
                answer = "holding" if close else "new"
            elif counter < seen.counter:
                answer = "replayed"
            elif counter == seen.counter:
                answer = "holding" if close else "replayed"
            elif close:
                answer = "holding"
            if answer == "replayed":
                return answer  # a replay does not extend the real holder's sighting
        self._seen[pass_id] = _Seen(device, counter, now)
        self._seen.move_to_end(pass_id)
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
        return answer

    def _forget_before(self, cutoff: float) -> None:
        while self._seen:
            oldest = next(iter(self._seen.values()))
            if oldest.last_seen >= cutoff:
                break
            self._seen.popitem(last=False)
