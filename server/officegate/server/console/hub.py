"""The staff console's runtime: one watcher thread that tells open console pages what
changed (server-sent events) and hands new alarms to the dispatcher.

It reads the database, not in-process callbacks, so a page on any of several servers hears
of an event another server stored, and an alarm raised anywhere (bridge, watchdog, a staff
command) is delivered: every ``POLL_S`` it looks for new alarms and new access log rows,
and once a second, while a Today page is open, whether the dashboard changed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from officegate.server.access.models import AccessEventRecord
from officegate.server.alerts.delivery import AlarmDispatcher, push_payload
from officegate.server.alerts.models import Alert
from officegate.server.alerts.service import label
from officegate.server.channels.email import Mailer
from officegate.server.console import today
from officegate.server.db import session_scope, utcnow
from officegate.server.deps import ServerState
from officegate.server.messaging.config import MessagingConfig
from officegate.server.notify.feed import LiveFeed
from officegate.server.notify.sender import Notifier
from officegate.server.notify.vapid import ensure_key
from officegate.server.sites.clock import page_clock

log = logging.getLogger(__name__)
POLL_S = 0.25
TODAY_S = 1.0
FAILURE_REPORT_S = 60.0  # a watcher that keeps failing says so this often
CHANNEL = 0  # every console page listens on one channel of the feed


def mailer_from(config: MessagingConfig) -> Mailer | None:
    """The server's outgoing mail (the messaging SMTP settings); None when there is none."""
    if not config.smtp_host:
        return None
    password = config.smtp_password.get_secret_value() if config.smtp_password else None
    return Mailer(host=config.smtp_host, port=config.smtp_port, sender=config.mail_from,
                  starttls=config.smtp_starttls, username=config.smtp_username,
                  password=password)


class ConsoleHub:
    """Live feed of the console pages and the alarm dispatcher; ``start()`` / ``stop()``."""

    def __init__(self, state: ServerState, *, config: MessagingConfig) -> None:
        self.state = state
        settings = state.settings
        self.feed = LiveFeed()
        host = settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        self.notifier = Notifier(
            feed=self.feed, vapid_key=ensure_key(settings.data_dir / "vapid_private.pem"),
            vapid_subject=f"mailto:officegate@{host if '.' in host else 'localhost'}",
            outbound=settings.outbound_policy)
        self.dispatcher = AlarmDispatcher(
            sessions=state.sessions, site=settings.site, base_url=settings.base_url,
            notifier=self.notifier, mailer=mailer_from(config), default_lang=config.default_lang)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_alert = 0
        self._newest_access: tuple[Any, str] | None = None
        self._access_known = False  # the newest row was read once (a change is news)
        self._today_hash = ""
        self._failing_since: float | None = None
        self._failures = 0
        self._last_report = 0.0
        # Set by the runtime when servers share the site (relay.py): what only this server
        # knows (an acknowledgement given here) reaches the pages open on the others.
        self.forward: Callable[[str, Any], None] | None = None

    def start(self) -> None:
        """Start the notifier and the watcher thread; the pages get ``alarm_label``."""
        self.state.templates.env.globals["alarm_label"] = lambda kind: label(kind)[0]
        with session_scope(self.state.sessions) as db:
            self._last_alert = db.scalar(select(Alert.id).order_by(Alert.id.desc())
                                         .limit(1)) or 0
        self.notifier.start()
        self._thread = threading.Thread(target=self._run, name="console-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, end the pages' streams (a server shutting down waits for open
        connections), deliver what is queued. After it returns nothing reads the database."""
        self._stop.set()
        self.feed.close()
        if self._thread is not None:
            self._thread.join(timeout=30)
            if self._thread.is_alive():
                log.warning("console watcher still busy after 30 s; it stops after this round")
            self._thread = None
        self.dispatcher.close()
        self.notifier.stop()

    @property
    def running(self) -> bool:
        """Whether the watcher thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def publish(self, item: dict[str, Any]) -> None:
        """Send ``item`` to every open console page of this server."""
        self.feed.publish(CHANNEL, item)

    def announce(self, item: dict[str, Any]) -> None:
        """Send ``item`` to every open console page, on this server and the others."""
        self.publish(item)
        if self.forward is not None:
            self.forward(str(CHANNEL), item)

    @property
    def time_zone(self) -> str:
        """The site's time zone (as the pages render it)."""
        return page_clock(self.state.templates).name

    def _run(self) -> None:
        next_today = time.monotonic()
        while not self._stop.wait(POLL_S):
            try:
                self.watch_alarms()
                if self._stop.is_set():
                    break
                self.watch_access()  # always: a page that opens must not miss the next row
                if self.feed.listeners(CHANNEL) and time.monotonic() >= next_today:
                    next_today = time.monotonic() + TODAY_S
                    self.watch_today()
            except Exception:  # the watcher must outlive a database hiccup
                if self._stop.is_set():
                    break  # shutting down: what failed is being taken away
                self._failed()
            else:
                self._recovered()

    def _failed(self) -> None:
        """Log a failing round: the first with its traceback, then once a minute while the
        database stays away (not four lines a second)."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since, self._failures, self._last_report = now, 1, now
            log.exception("console watcher failed; will retry")
            return
        self._failures += 1
        if now - self._last_report >= FAILURE_REPORT_S:
            self._last_report = now
            log.error("console watcher still failing: %d rounds in %.0f s", self._failures,
                      now - self._failing_since)

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.warning("console watcher works again after %d failed rounds", self._failures)
            self._failing_since = None

    def watch_alarms(self) -> None:
        """Deliver pending alarm levels; tell the pages of alarms stored since last time."""
        self.dispatcher.deliver_pending(self.time_zone)
        with session_scope(self.state.sessions) as db:
            new = list(db.scalars(select(Alert).where(
                Alert.id > self._last_alert, Alert.site == self.state.settings.site)
                .order_by(Alert.id).limit(200)))
        for alert in new:
            self._last_alert = max(self._last_alert, alert.id)
            self.publish(push_payload(alert, level=alert.level, time_zone=self.time_zone,
                                      base_url=self.state.settings.base_url))

    def watch_access(self) -> None:
        """Tell the pages when the newest access log row changed (they fetch their first
        page, newest first, as their search shows it). One read of the time index: no
        index is added to the table the bridge writes thousands of rows a second into."""
        with session_scope(self.state.sessions) as db:
            newest = db.execute(select(AccessEventRecord.at, AccessEventRecord.id)
                                .order_by(AccessEventRecord.at.desc()).limit(1)).first()
        mark = (newest[0], newest[1]) if newest is not None else None
        if self._access_known and mark != self._newest_access:
            self.publish({"type": "access"})
        self._newest_access, self._access_known = mark, True

    def watch_today(self) -> None:
        """Tell the Today pages when the building's state changed."""
        with session_scope(self.state.sessions) as db:
            snap = today.snapshot(db=db, site=self.state.settings.site,
                                  time_zone=self.time_zone, now=utcnow())
        digest = hashlib.sha256(repr(snap.fingerprint()).encode()).hexdigest()[:16]
        if digest != self._today_hash:
            self._today_hash = digest
            self.publish({"type": "today", "version": digest})
