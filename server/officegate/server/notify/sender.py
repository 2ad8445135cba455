"""Sending notices out: apprise URLs, Web Push (VAPID) and the live feed, off the caller's
thread so a slow mail server never delays a check-in."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from officegate.server.channels.email import Mailer
from officegate.server.notify.feed import LiveFeed
from officegate.server.outbound import OutboundPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One notice to deliver to one user's targets."""

    notice_id: int
    user_id: int
    kind: str
    title: str
    body: str
    payload: dict[str, Any]  # what the page and the push show (both languages)
    apprise_urls: tuple[str, ...] = ()
    push_subscriptions: tuple[str, ...] = ()  # JSON of PushSubscription
    feed: bool = True
    # (to, subject, text) in the user's language: the default channel, the server's SMTP.
    email: tuple[str, str, str] | None = None
    created: float = field(default_factory=time.monotonic)


def _safe(url: str) -> str:
    """A URL for logs without credentials or tokens: scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


class Notifier:
    """A worker thread that delivers ``Outgoing`` notices; ``start()`` / ``stop()``."""

    def __init__(self, *, feed: LiveFeed, vapid_key: Path, vapid_subject: str,
                 on_sent: Callable[[Outgoing, str, bool], None] | None = None,
                 outbound: OutboundPolicy | None = None) -> None:
        self.feed = feed
        # Checked again at sending time: a host name may point inside the network by now.
        self.outbound = outbound or OutboundPolicy()
        self._vapid_key = vapid_key
        self._subject = vapid_subject
        self._queue: queue.Queue[Outgoing | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.on_sent = on_sent  # (notice, channel, ok): for tests, the demo and benchmarks
        self.on_gone: Callable[[str], None] | None = None  # a push subscription the browser dropped
        self.mailer: Mailer | None = None  # the server's SMTP (notify.mail.host_mailer)
        self.idle = threading.Event()
        self.idle.set()

    def start(self) -> None:
        """Start the worker."""
        self._thread = threading.Thread(target=self._run, name="notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Deliver what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def send(self, item: Outgoing) -> None:
        """Queue a notice; the live feed gets it at once (it never blocks)."""
        if item.feed:
            self.feed.publish(item.user_id, item.payload)
            self._report(item, "feed", True)
        if item.apprise_urls or item.push_subscriptions or (item.email and self.mailer):
            self.idle.clear()
            self._queue.put(item)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued was attempted (tests and the demo)."""
        return self.idle.wait(timeout)

    def _report(self, item: Outgoing, channel: str, ok: bool) -> None:
        if self.on_sent is not None:
            try:
                self.on_sent(item, channel, ok)
            except Exception:
                log.exception("on_sent hook failed")

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._deliver(item)
            except Exception:  # the worker must outlive any single bad target
                log.exception("delivering notice %s failed", item.notice_id)
            if self._queue.empty():
                self.idle.set()

    def _deliver(self, item: Outgoing) -> None:
        for url in item.apprise_urls:
            self._report(item, "apprise", self._apprise(url, item))
        for sub in item.push_subscriptions:
            self._report(item, "webpush", self._webpush(sub, item))
        if item.email is not None and self.mailer is not None:
            self._report(item, "email", self._mail(item.email))

    def _mail(self, email: tuple[str, str, str]) -> bool:
        to, subject, text = email
        assert self.mailer is not None
        try:
            self.mailer.send(to=to, subject=subject, text=text)
        except Exception:  # an SMTP server down: logged without the address
            log.exception("e-mail notice to %s failed", self.mailer.host)
            return False
        return True

    def _apprise(self, url: str, item: Outgoing) -> bool:
        import apprise

        sender = apprise.Apprise()
        if not sender.add(url):
            log.warning("apprise URL not understood: %s", _safe(url))
            return False
        try:
            with self.outbound.guarded():  # only the sending: hooks may reach the database
                ok = bool(sender.notify(title=item.title, body=item.body))
        except Exception:
            log.exception("apprise delivery to %s failed", _safe(url))
            return False
        if not ok:
            log.warning("apprise delivery to %s failed", _safe(url))
        return ok

    def _webpush(self, subscription: str, item: Outgoing) -> bool:
        from pywebpush import WebPushException, webpush

        info: Any = {}
        try:
            info = json.loads(subscription)
            with self.outbound.guarded():
                webpush(subscription_info=info,
                        data=json.dumps(item.payload, ensure_ascii=False),
                        vapid_private_key=str(self._vapid_key),
                        vapid_claims={"sub": self._subject}, ttl=3600, timeout=10)
            return True
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410) and self.on_gone is not None:
                self.on_gone(subscription)  # the browser unsubscribed: stop sending there
            log.warning("web push to %s refused: HTTP %s", _safe(str(info.get("endpoint", ""))),
                        status)
            return False
        except Exception as exc:  # VapidException, network: never fatal
            log.warning("web push to %s failed: %s", _safe(str(info.get("endpoint", ""))
                                                           if isinstance(info, dict) else ""),
                        type(exc).__name__)
            return False
