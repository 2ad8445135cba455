"""Limits on guessing: sign-in, pass links, check-in and checkout codes, OwnTracks, webhooks.

Only *failures* count (a wrong password, an unknown pass link, a bad signature), per
account (a pass link, an OwnTracks user), per account *from one address* (an e-mail), and
per client address, in the ``limits`` library's fixed windows. Each kind has several
windows, so the wait grows with the guessing: a few tries a minute, more refused for an
hour, then for a day. Sign-in counts an e-mail per address, not per account: someone
guessing elsewhere cannot lock the owner out of their own address; failures on one
account from everywhere only raise an alert. A refused try is ``429`` with
``Retry-After``; the first burst of an address (or on an account) in an hour raises a
staff alert. Counters live in the ``limits`` storage the settings name (in-process memory
by default; ``redis://`` or this project's database table for several servers).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse, parse_many
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from officegate.server.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rule:
    """How many failures one account, one address and one account from one address
    (``per_pair``) may have before a wait, in ``limits`` notation (empty: not counted that
    way); ``watch_account``: failures on one account from all addresses that alert staff
    but refuse no one."""

    per_account: str
    per_address: str
    per_pair: str = ""
    watch_account: str = ""


#: Failures allowed before a wait; the longer windows make the wait progressive.
RULES: dict[str, Rule] = {
    "signin": Rule("", "20/minute;100/hour;300/day", per_pair="5/minute;20/hour;50/day",
                   watch_account="50/hour"),
    "pass_link": Rule("", "20/minute;100/hour;300/day"),
    "checkin_code": Rule("10/minute;30/hour;100/day", "20/minute;100/hour;300/day"),
    "owntracks": Rule("10/minute;60/hour;200/day", "30/minute;200/hour;600/day"),
    "webhook": Rule("30/minute;300/hour;1000/day", "30/minute;300/hour;1000/day"),
    "api_token": Rule("20/minute;100/hour;300/day", "20/minute;100/hour;300/day"),
    # Not guessing: chats opened from a QR or link, each a new contact (messaging/entry.py).
    "chat_start": Rule("", "10/minute;60/hour;300/day"),
}
ALERT_ONCE = parse("1/hour")  # one staff alert per address and kind an hour


def _key(value: str) -> str:
    # Counters never hold an e-mail address, a pass link or a client's address in clear.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Throttle:
    """Failure counters per kind, account and address; see the module docstring."""

    def __init__(self, storage: Storage, *, rules: dict[str, Rule] | None = None,
                 on_burst: Callable[[str, str], None] | None = None) -> None:
        from limits.storage import MemoryStorage

        self.storage = storage
        self.in_memory = isinstance(storage, MemoryStorage)  # else a network call each time
        self.limiter = FixedWindowRateLimiter(storage)
        self.rules = dict(rules or RULES)
        self.on_burst = on_burst

    def _items(self, kind: str, account: str | None,
               address: str | None) -> list[tuple[RateLimitItem, str, str]]:
        rule = self.rules[kind]
        out = []
        if account and rule.per_account:
            out += [(item, "account", _key(account)) for item in parse_many(rule.per_account)]
        if address:
            out += [(item, "address", _key(address)) for item in parse_many(rule.per_address)]
        if account and address and rule.per_pair:
            pair = _key(f"{account}\n{address}")
            out += [(item, "pair", pair) for item in parse_many(rule.per_pair)]
        return out

    def retry_after(self, kind: str, *, account: str | None = None,
                    address: str | None = None) -> int | None:
        """Seconds to wait when ``account`` or ``address`` has used up its failures, else
        None (the try may go ahead)."""
        wait = 0.0
        for item, scope, key in self._items(kind, account, address):
            if not self.limiter.test(item, kind, scope, key):
                reset = self.limiter.get_window_stats(item, kind, scope, key).reset_time
                wait = max(wait, reset - time.time())
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, kind: str, *, account: str | None = None,
               address: str | None = None) -> None:
        """Count one failed try; the first one over a limit in an hour tells staff."""
        over = False
        for item, scope, key in self._items(kind, account, address):
            over = not self.limiter.hit(item, kind, scope, key) or over
            over = over or self.limiter.get_window_stats(item, kind, scope, key).remaining == 0
        if over:
            self._alert(kind, "address", address or account or "")
        watch = self.rules[kind].watch_account
        if account and watch and not all(  # many addresses guessing one account
                self.limiter.hit(item, kind, "watch", _key(account))
                for item in parse_many(watch)):
            self._alert(kind, "account", account)

    def _alert(self, kind: str, scope: str, who: str) -> None:
        """Tell staff once an hour per source: by hash, never an e-mail or address."""
        if self.limiter.hit(ALERT_ONCE, "alert", kind, scope, _key(who)):
            log.warning("guessing: %s failures over the limit (%s %s)", kind, scope,
                        _key(who)[:8])
            if self.on_burst is not None:
                self.on_burst(kind, f"{scope} {_key(who)[:8]}")

    def succeeded(self, kind: str, *, account: str, address: str | None = None) -> None:
        """A right answer clears the account's failures, and the account's from this
        address (not the address's own: it may be guessing other accounts)."""
        for item, scope, key in self._items(kind, account, address):
            if scope != "address":
                self.limiter.clear(item, kind, scope, key)

    def reset(self) -> None:
        """Forget every counter (tests, and staff lifting a lockout)."""
        self.storage.reset()


def make_throttle(settings: Settings, *, engine: Engine,
                  sessions: sessionmaker[Session]) -> Throttle:
    """The server's throttle: storage as the settings say, bursts raised as staff alerts."""
    from limits.storage import MemoryStorage, storage_from_string

    if settings.rate_limit_storage:
        found = storage_from_string(settings.rate_limit_storage)
        if not isinstance(found, Storage):
            raise ValueError("OFFICEGATE_RATE_LIMIT_STORAGE needs a synchronous storage")
        storage: Storage = found
    elif engine.dialect.name == "postgresql":
        from officegate.server.http.counters import DatabaseStorage

        storage = DatabaseStorage(engine)
    else:
        storage = MemoryStorage()

    def burst(kind: str, who: str) -> None:
        from officegate.server.alerts.service import raise_alert
        from officegate.server.db import session_scope

        with session_scope(sessions) as db:
            raise_alert(db=db, site=settings.site, kind="guessing_burst",
                        detail=f"{kind}: failures over the limit ({who})")

    return Throttle(storage, on_burst=burst)
