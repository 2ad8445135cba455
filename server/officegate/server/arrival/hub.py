"""Where arrival, check-in, notifications and on-site meet: journey reactions and the sweep.

Built once per app by the server runtime (runtime.py). Journey handlers run in the
publisher's thread, use their own short sessions, commit, and only then send or publish,
so a subscriber never hears of something the database could still lose.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from officegate.server.arrival import phone_broker, waiting
from officegate.server.arrival import service as arrival
from officegate.server.arrival.encryption import SecretSeal
from officegate.server.arrival.phone_broker import PhoneBroker
from officegate.server.bootstrap import session_secret
from officegate.server.checkin import service as checkin
from officegate.server.checkin.models import CheckIn
from officegate.server.db import session_scope, utcnow
from officegate.server.deps import ServerState
from officegate.server.journey import JourneyEvent, Kind
from officegate.server.notify import service as notify
from officegate.server.notify.feed import LiveFeed
from officegate.server.notify.sender import Notifier, Outgoing
from officegate.server.notify.vapid import ensure_key
from officegate.server.visits.models import Visit

log = logging.getLogger(__name__)


class ArrivalHub:
    """The arrival domains' shared runtime: notifier, live feed, journey reactions, sweep."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        settings = state.settings
        self.vapid_key = ensure_key(settings.data_dir / "vapid_private.pem")
        host = settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        self.notifier = Notifier(feed=LiveFeed(), vapid_key=self.vapid_key,
                                 vapid_subject=f"mailto:officegate@{_mail_host(host)}",
                                 outbound=settings.outbound_policy)
        self.notifier.on_gone = self._subscription_gone
        # OwnTracks encryption keys are stored sealed with a key from the server's secret.
        self.secret_seal = SecretSeal(session_secret(settings))
        self.owntracks: Any = None  # the OwnTracks MQTT listener, set by the runtime
        self.phones = PhoneBroker(settings.owntracks)  # phones' logins in MQTT mode

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Start the notifier. Its journey reactions (``notify_host``, ``gate_passed``) are
        subscribed by ``officegate.server.reactions``; its ``sweep`` is a job of the runtime's
        job runner (one server runs it). The check-in zones are held back where a pass is
        issued (``invitations.service.invite``), not on the ``invited`` event: a link re-sent
        after check-in must not take the gate away again."""
        self.notifier.start()

    def stop(self) -> None:
        """Deliver what is queued and stop the notifier."""
        self.notifier.stop()

    # -- after a request commits ---------------------------------------------------------
    def publish(self, kind: str, *, visit_id: int, site: str, data: dict[str, Any],
                key: str | None = None, at: datetime | None = None) -> None:
        """Publish one journey step of ours (after the commit)."""
        self.state.journey.publish(JourneyEvent(
            kind=Kind(kind), key=key or f"{kind}:{visit_id}", at=at or utcnow(), visit_id=visit_id,
            site=site, data=data))

    def revocations_changed(self) -> None:
        """Tell the edges (retained MQTT) that a pass was revoked."""
        if self.state.bridge is not None:
            try:
                self.state.bridge.publish_revocations()
            except Exception:
                log.exception("could not publish revocations")

    def send(self, items: list[Outgoing]) -> None:
        """Hand committed notices to the notifier."""
        for item in items:
            self.notifier.send(item)

    def _subscription_gone(self, address: str) -> None:
        with session_scope(self.state.sessions) as db:
            notify.forget_subscription(db=db, address=address)

    # -- journey reactions --------------------------------------------------------------
    def notify_host(self, event: JourneyEvent) -> None:
        if event.visit_id is None:
            return
        with session_scope(self.state.sessions) as db:
            item = notify.notice_for_visit(db=db, key=event.key, kind=event.kind,
                                           visit_id=event.visit_id, data=event.data)
            staff = []
            if event.kind == "held_for_approval" and event.data.get("list") == "deny":
                # Only staff may decide on a deny-list match: they must hear of it.
                staff = notify.notices_for_staff(db=db, key=event.key, kind=event.kind,
                                                 visit_id=event.visit_id, data=event.data)
        for outgoing in ([item] if item is not None else []) + staff:
            self.notifier.send(outgoing)

    def gate_passed(self, event: JourneyEvent) -> None:
        if event.visit_id is None:
            return
        device = str(event.data.get("device") or "")
        out = None
        with session_scope(self.state.sessions) as db:
            visit = db.get(Visit, event.visit_id)
            record = checkin.checkin_of(db=db, visit_id=event.visit_id)
            if visit is None or record is None:
                return
            if record.gate_passed_at is None:
                record.gate_passed_at = event.at
            config = arrival.site_config(db=db, site_id=visit.site_id)
            if config is not None and device in config.exit_devices:
                out = checkin.check_out(db=db, visit_id=visit.id, how="exit_gate", now=event.at)
        if out is not None:
            self.revocations_changed()
            self.publish("checked_out", visit_id=event.visit_id, site=event.site or "",
                         data={"how": "exit_gate", "device": device})

    # -- the sweep ------------------------------------------------------------------------
    def sweep(self, now: datetime) -> None:
        """Escalate unanswered notices, tell and remind hosts of visitors waiting unmet,
        check out at day end."""
        with session_scope(self.state.sessions) as db:
            escalations = notify.due_escalations(db=db, now=now)
        self.send(escalations)
        with session_scope(self.state.sessions) as db:
            reminders = waiting.due_notices(db=db, now=now)
        self.send(reminders)
        ended: list[tuple[int, str]] = []
        with session_scope(self.state.sessions) as db:
            rows = db.execute(select(CheckIn, Visit).join(Visit, Visit.id == CheckIn.visit_id)
                              .where(CheckIn.status == "checked_in")).all()
            for _record, visit in rows:
                config = arrival.site_config(db=db, site_id=visit.site_id)
                if arrival.local_day(config, now) > arrival.local_day(config, visit.ends_at):
                    if checkin.check_out(db=db, visit_id=visit.id, how="end_of_day", now=now):
                        ended.append((visit.id, self.state.settings.site))
        if ended:
            self.revocations_changed()
        with session_scope(self.state.sessions) as db:
            if phone_broker.revoke_ended(db=db, now=now):  # a visit over: its phone's login
                self.phones.sync(db=db, now=now)
        for visit_id, site in ended:
            self.publish("checked_out", visit_id=visit_id, site=site,
                         data={"how": "end_of_day"})


def _mail_host(host: str) -> str:
    """A domain push services accept in the VAPID ``sub`` (a dotted name, or localhost)."""
    return host if "." in host and not host.replace(".", "").isdigit() else "localhost"
