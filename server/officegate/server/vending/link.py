"""The vending service's MQTT side and its place on the journey bus.

One paho client (its own fixed id and persistent session, beside the site bridge) hears the
machines' stock reports and vend events on their ``events`` topics and sends orders on their
``cmd`` topics. It also listens for ``gate_passed`` on the journey bus to make the offer.
Like the bridge, it acknowledges a message only after it is committed (or judged unusable).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from officegate.mqtt import BrokerAddress
from officegate.protocol import topics
from officegate.protocol.vending import StockReport, parse_machine_report
from officegate.server.bridge.subscriber import DeviceEventsSubscriber
from officegate.server.db import DB_UNAVAILABLE, session_scope
from officegate.server.journey import JourneyBus, JourneyEvent
from officegate.server.vending import drinks, service

log = logging.getLogger(__name__)
MAX_PAYLOAD = 64 * 1024


class VendingLink(DeviceEventsSubscriber):
    """Connects the drink service to the broker and the journey bus. ``start()``/``stop()``."""

    label = "vending"

    def __init__(self, *, broker: BrokerAddress, sessions: sessionmaker[Session], site: str,
                 journey: JourneyBus, client_id: str, share_group: str | None = None) -> None:
        super().__init__(broker=broker, client_id=client_id, share_group=share_group,
                         purpose="vending")
        self.site = site
        self.journey = journey
        self._sessions = sessions

    def start(self, *, wait: float = 10.0) -> None:
        """Connect in the background; wait up to ``wait`` s for the first connection."""
        super().start(wait=wait)

    # -- telling others, after commit ---------------------------------------------------
    def deliver(self, outcome: drinks.Outcome) -> None:
        """Send an outcome's machine commands (QoS 1) and publish its journey events."""
        for machine, payload in outcome.commands:
            if machine:
                self._client.publish(topics.device_cmd(machine), payload, qos=1)
        for event in outcome.journey:
            self.journey.publish(event)

    # -- the journey --------------------------------------------------------------------
    def on_gate_passed(self, event: JourneyEvent) -> None:
        """Make the drink offer when the gate a visit passed has a machine on the way."""
        if event.site is not None and event.site != self.site:
            return
        try:
            with session_scope(self._sessions) as db:
                outcome = drinks.offer_after_gate(db=db, event=event)
        except SQLAlchemyError:
            log.exception("vending: could not decide on a drink offer for %s", event.key)
            return
        self.deliver(outcome)

    # -- incoming -----------------------------------------------------------------------
    def handle(self, topic: str, payload: bytes) -> bool:
        """Apply one machine report; False leaves it unacknowledged (database trouble)."""
        device = topics.device_of(topic)
        if device is None or len(payload) > MAX_PAYLOAD:
            return True
        try:
            report = parse_machine_report(payload)
        except ValueError as exc:
            log.warning("vending: rejected report from %s: %s", device, str(exc)[:300])
            return True
        if report is None:
            return True  # an access event: the bridge's business
        if report.machine != device or report.site != self.site:
            log.warning("vending: report names %s@%s on %s's topic", report.machine[:64],
                        report.site[:64], device)
            return True
        try:
            with session_scope(self._sessions) as db:
                machine = service.find_machine(db=db, name=device)
                if machine is None:
                    log.warning("vending: %s is not a registered vending machine", device)
                    return True
                if isinstance(report, StockReport):
                    service.apply_stock(db=db, machine=machine, report=report)
                    outcome = drinks.Outcome()
                else:
                    outcome = drinks.apply_vend(db=db, machine=machine, event=report)
        except DB_UNAVAILABLE:
            log.exception("vending: database unavailable for a report from %s; will retry",
                          device)
            return False
        except SQLAlchemyError as exc:  # this report can never be stored: drop it, say so
            log.warning("vending: rejected a report from %s: %s", device, str(exc)[:300])
            return True
        self.deliver(outcome)
        return True
