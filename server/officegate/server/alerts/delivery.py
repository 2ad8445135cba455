"""Alarms reach people: e-mail through the server's SMTP settings, Web Push and the staff
members' own apprise targets, and the site's apprise targets.

Any server may run the dispatcher: an alarm level is claimed by one conditional UPDATE
(``notified_level`` from the old value to ``level``), so with several servers on one
database each level is delivered once. The claim is committed before anything is sent.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.alerts import policy as policies
from officegate.server.alerts.models import Alert
from officegate.server.alerts.service import changed, label
from officegate.server.auth.models import User
from officegate.server.channels.email import Mailer
from officegate.server.console.lang import translator
from officegate.server.db import session_scope, utcnow
from officegate.server.localtime import format_local
from officegate.server.notify.models import NotifyTarget
from officegate.server.notify.sender import Notifier, Outgoing

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlarmText:
    """An alarm as one reader reads it."""

    subject: str
    body: str


def compose(alert: Alert, *, lang: str, level: int, time_zone: str, base_url: str) -> AlarmText:
    """The alarm's subject and body in ``lang``; escalations say so first."""
    _ = translator(lang)
    en, _ja = label(alert.kind)
    prefix = _("[Escalation %(level)s] ", level=level) if level > 0 else ""
    subject = prefix + _("%(severity)s alarm at %(device)s: %(kind)s",
        severity=_(alert.severity), device=alert.device or alert.site, kind=_(en))
    lines = [_("%(kind)s at %(device)s", kind=_(en), device=alert.device or alert.site),
             _("When: %(when)s", when=format_local(alert.at, time_zone, "seconds"))]
    if alert.detail:
        lines.append(_("Detail: %(detail)s", detail=alert.detail))
    if level > 0:
        lines.append(_("Nobody has acknowledged this alarm yet."))
    lines.append(_("Acknowledge it here: %(url)s",
        url=f"{base_url.rstrip('/')}/staff/alarms/{alert.id}"))
    return AlarmText(subject, "\n".join(lines))


def push_payload(alert: Alert, *, level: int, time_zone: str, base_url: str) -> dict[str, Any]:
    """What the live feed and a Web Push message carry (the service worker picks the
    reader's language)."""
    ja = compose(alert, lang="ja", level=level, time_zone=time_zone, base_url=base_url)
    en = compose(alert, lang="en", level=level, time_zone=time_zone, base_url=base_url)
    return {"type": "alarm", "id": alert.id, "kind": alert.kind, "severity": alert.severity,
            "device": alert.device, "level": level, "at": alert.at.isoformat(),
            "title_ja": ja.subject, "title_en": en.subject, "body_ja": ja.body,
            "body_en": en.body, "url": f"/staff/alarms/{alert.id}",
            "acknowledged": alert.acknowledged_at is not None}


class AlarmDispatcher:
    """Claims alarm levels not yet delivered and sends them; ``deliver_pending()`` is called
    by the console's watcher, ``close()`` waits for the mail in flight."""

    def __init__(self, *, sessions: sessionmaker[Session], site: str, base_url: str,
                 notifier: Notifier, mailer: Mailer | None, default_lang: str = "ja") -> None:
        self._sessions = sessions
        self.site, self.base_url, self.default_lang = site, base_url, default_lang
        self.notifier = notifier
        self.mailer = mailer
        self._mail = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alarm-mail")
        self.stats: Counter[str] = Counter()

    def close(self) -> None:
        """Send the mail already queued, then stop."""
        self._mail.shutdown(wait=True)

    def deliver_pending(self, time_zone: str) -> list[int]:
        """Claim and send every alarm level not delivered yet; returns the alarm ids."""
        self.stats["polls"] += 1
        with session_scope(self._sessions) as db:
            pending = list(db.scalars(select(Alert).where(
                Alert.site == self.site, Alert.notified_level < Alert.level)
                .order_by(Alert.id).limit(50)))
            claimed: list[tuple[Alert, list[User], dict[int, list[NotifyTarget]], Any]] = []
            for alert in pending:
                done = changed(db.execute(update(Alert).where(
                    Alert.id == alert.id, Alert.notified_level == alert.notified_level)
                    .values(notified_level=alert.level, notified_at=utcnow())))
                if not done or alert.acknowledged_at is not None:
                    continue  # another server took it, or a person already has it
                people = policies.recipients(db=db, level=alert.level)
                targets = {u.id: list(db.scalars(select(NotifyTarget).where(
                    NotifyTarget.user_id == u.id))) for u in people}
                claimed.append((alert, people, targets, policies.get_policy(db=db,
                                                                            site=self.site)))
        for alert, people, targets, policy in claimed:
            self._send(alert, people, targets, policy, time_zone)
        return [alert.id for alert, *_rest in claimed]

    def _send(self, alert: Alert, people: list[User], targets: dict[int, list[NotifyTarget]],
              policy: Any, time_zone: str) -> None:
        payload = push_payload(alert, level=alert.level, time_zone=time_zone,
                               base_url=self.base_url)
        for person in people:
            lang = person.lang or self.default_lang  # the person's own page language
            text = compose(alert, lang=lang, level=alert.level, time_zone=time_zone,
                           base_url=self.base_url)
            own = targets.get(person.id, [])
            pushes = tuple(t.address for t in own if t.kind == "webpush")
            urls = tuple(t.address for t in own if t.kind == "apprise")
            if pushes or urls:
                self.notifier.send(Outgoing(
                    notice_id=alert.id, user_id=person.id, kind="alarm", title=text.subject,
                    body=text.body, payload=payload, apprise_urls=urls,
                    push_subscriptions=pushes, feed=False))
            if self.mailer is not None and policy.email:
                self._mail.submit(self._email, person.email, text)
        site_urls = tuple(policies.apprise_urls(policy))
        if site_urls:
            text = compose(alert, lang=self.default_lang, level=alert.level,
                           time_zone=time_zone, base_url=self.base_url)
            self.notifier.send(Outgoing(
                notice_id=alert.id, user_id=0, kind="alarm", title=text.subject, body=text.body,
                payload=payload, apprise_urls=site_urls, feed=False))
        self.stats["delivered"] += 1

    def _email(self, to: str, text: AlarmText) -> None:
        assert self.mailer is not None
        try:
            self.mailer.send(to=to, subject=text.subject, text=text.body)
            self.stats["mail_sent"] += 1
        except Exception as exc:  # a mail server hiccup must not stop the others
            self.stats["mail_failed"] += 1
            log.warning("alarm e-mail failed: %s", type(exc).__name__)
