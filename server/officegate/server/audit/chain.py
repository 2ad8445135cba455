"""The hash chain: how an entry's hash is made, and checking a whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from officegate.server.audit.models import AuditEntry

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """``value`` as canonical JSON text (sorted keys, no blanks, non-ASCII kept)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and every field an auditor reads."""
    fields = [entry.prev_hash, entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
              entry.site, entry.actor_id, entry.actor, entry.role, entry.ip, entry.action,
              entry.target, entry.before, entry.after]
    return hashlib.sha256(canonical(fields).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What verifying a chain found: ``ok``, how many entries were checked, and the first
    broken entry's id with the reason (None when the chain holds)."""

    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(entries: Iterable[AuditEntry], *, anchor: str, last_hash: str,
           last_id: int) -> Verdict:
    """Walk ``entries`` (oldest first) from ``anchor``; the head says where the chain ends."""
    expected, checked, seen_id = anchor, 0, 0
    for entry in entries:
        if entry.prev_hash != expected:
            return Verdict(False, checked, entry.id,
                           "does not chain to the entry before it (an entry was removed, "
                           "inserted or reordered)")
        if entry_hash(entry) != entry.hash:
            return Verdict(False, checked, entry.id, "its content was changed")
        expected, seen_id, checked = entry.hash, entry.id, checked + 1
    if expected != last_hash:
        return Verdict(False, checked, max(last_id, seen_id),
                       f"the chain ends at entry {seen_id} but the head says {last_id} "
                       "(entries were removed from the end)")
    return Verdict(True, checked)
