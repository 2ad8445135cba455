"""The one place that starts the server's work besides HTTP, in one visible order.

``ServerRuntime.start()`` reads like a table of contents: the broker, the site bridge, the
vending link, the rooms, arrival, messaging, the live relay across servers, the journey's
reactions (:mod:`officegate.server.reactions`), then the scheduled sweeps
(:mod:`officegate.server.jobs`, one server of several runs each); ``stop()`` undoes them in
reverse. The routers start
nothing: they reach what runs here through ``ServerState.runtime``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.concurrency import run_in_threadpool

from officegate.mqtt import BrokerAddress, parse_mqtt_url
from officegate.server.alerts.jobs import ESCALATION_S, run_escalation
from officegate.server.arrival import ingest
from officegate.server.arrival.hub import ArrivalHub
from officegate.server.arrival.mqtt import OwnTracksListener
from officegate.server.bootstrap import session_secret
from officegate.server.bridge.service import SiteBridge
from officegate.server.bridge.sharing import client_id_for
from officegate.server.broker import EmbeddedBroker
from officegate.server.channels.mailroom import MailroomServer
from officegate.server.console.hub import ConsoleHub
from officegate.server.db import utcnow
from officegate.server.deps import ServerState
from officegate.server.jobs import Job, JobRunner, leadership_for
from officegate.server.journey import Unsubscribe
from officegate.server.messaging.runtime import Messaging
from officegate.server.notify.mail import host_mailer
from officegate.server.notify.sender import Outgoing
from officegate.server.occupancy.jobs import (
    publish_revocations,
    publish_rooms,
    refresh_feeds,
    run_sweep,
)
from officegate.server.occupancy.listener import RoomListener
from officegate.server.privacy.jobs import retention_job
from officegate.server.proactive import schedule
from officegate.server.relay import LiveRelay
from officegate.server.vending.link import VendingLink
from officegate.server.vending.visitor_push import DrinkOfferPush

log = logging.getLogger(__name__)
ARRIVAL_SWEEP_S = 15.0  # waiting reminders, unanswered-notice escalation, day-end check-out
OFFLINE_WATCH_S = 5.0  # how often doors are checked for being offline too long


@dataclass
class ServerRuntime:
    """What the server runs besides HTTP. Built by ``create_app``; started by its lifespan
    (again after a stop: a test client may start the same app twice).

    ``given_broker``: connect there; else ``settings.mqtt_url``; else an embedded broker.
    Every part is ``None`` until started (and when it does not run: no broker, no SMTP port).
    """

    state: ServerState
    given_broker: BrokerAddress | None = None
    broker: BrokerAddress | None = None  # where MQTT goes, known once started
    embedded_broker: EmbeddedBroker | None = None
    bridge: SiteBridge | None = None
    vending: VendingLink | None = None
    rooms: RoomListener | None = None
    arrival: ArrivalHub | None = None
    drink_push: DrinkOfferPush | None = None
    owntracks: OwnTracksListener | None = None
    messaging: Messaging | None = None
    mailroom: MailroomServer | None = None
    relay: LiveRelay | None = None
    console: ConsoleHub | None = None
    jobs: JobRunner | None = None
    reactions: list[Unsubscribe] = field(default_factory=list)
    _stops: list[tuple[str, Callable[[], Awaitable[None]]]] = field(default_factory=list)

    # -- the order of things ------------------------------------------------------------
    async def start(self) -> None:
        """Start every part in the order they need each other; undo on failure."""
        try:
            await self.start_broker()
            await self.start_bridge()
            await self.start_vending()
            await self.start_rooms()
            await self.start_arrival()
            await self.start_messaging()
            await self.start_relay()
            await self.start_console()
            self.start_reactions()
            self.start_jobs()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop what started, in reverse; one part failing to stop does not keep the rest."""
        while self._stops:
            name, stop = self._stops.pop()
            try:
                await stop()
            except Exception:
                log.exception("stopping %s failed", name)

    def _on_stop(self, name: str, stop: Callable[[], Any]) -> None:
        async def run() -> None:
            await run_in_threadpool(stop)

        self._stops.append((name, run))

    # -- the parts ----------------------------------------------------------------------
    async def start_broker(self) -> None:
        """1. The MQTT broker: the one given or configured, else an embedded amqtt broker."""
        settings = self.state.settings
        self.broker = self.given_broker
        if self.broker is None and settings.mqtt_url:
            self.broker = parse_mqtt_url(settings.mqtt_url)
        if self.broker is None:
            self.embedded_broker = EmbeddedBroker()
            self.broker = await run_in_threadpool(self.embedded_broker.start)
            self._on_stop("embedded broker", self.embedded_broker.stop)
        self.state.broker = self.broker

    async def start_bridge(self) -> None:
        """2. The site bridge: keys, revocations and door configs out; device events in."""
        assert self.broker is not None  # noqa: S101 -- start_broker ran
        settings = self.state.settings
        self.bridge = SiteBridge(
            broker=self.broker, sessions=self.state.sessions, site=settings.site,
            keyring=settings.keyring, client_id=client_id_for(settings),
            journey=self.state.journey, offline_alert_after=settings.offline_alert_seconds,
            home_assistant=settings.home_assistant_prefix,
            share_group=settings.mqtt_share_group,
            no_show_minutes=settings.meetings.no_show_minutes, watch_offline=False)
        await run_in_threadpool(self.bridge.start)
        self.state.bridge = self.bridge
        self._on_stop("bridge", self._stop_bridge)

    def _stop_bridge(self) -> None:
        self.state.bridge = None
        if self.bridge is not None:
            self.bridge.stop()

    async def start_vending(self) -> None:
        """3. The vending link: drink orders to machines, stock and dispense events back."""
        assert self.broker is not None  # noqa: S101
        settings = self.state.settings
        self.vending = VendingLink(
            broker=self.broker, sessions=self.state.sessions, site=settings.site,
            journey=self.state.journey, client_id=f"{client_id_for(settings)[:55]}-vending",
            share_group=settings.mqtt_share_group)
        await run_in_threadpool(self.vending.start)
        self._on_stop("vending link", self.vending.stop)

    async def start_rooms(self) -> None:
        """4. Meeting rooms: the room-door listener (their sweeps are jobs, see start_jobs)."""
        assert self.broker is not None  # noqa: S101
        state, settings = self.state, self.state.settings
        self.rooms = RoomListener(
            broker=self.broker, sessions=state.sessions, site=settings.site,
            journey=state.journey, client_id=f"{client_id_for(settings)}-rooms",
            share_group=settings.mqtt_share_group,
            on_revocations=lambda: publish_revocations(state),
            on_room_change=lambda room: publish_rooms(state, room))
        await run_in_threadpool(self.rooms.start)
        self._on_stop("room listener", self.rooms.stop)

    async def start_arrival(self) -> None:
        """5. Arrival: the host notifier and live feed, OwnTracks over MQTT."""
        assert self.broker is not None  # noqa: S101
        self.arrival = hub = ArrivalHub(self.state)
        # Hosts hear by e-mail with no set-up: the server's SMTP settings (notify/mail.py).
        hub.notifier.mailer = host_mailer(self.state.settings.messaging)
        hub.start()
        self._on_stop("arrival hub", hub.stop)
        self.drink_push = DrinkOfferPush(sessions=self.state.sessions, notifier=hub.notifier,
                                         default_lang=self.state.settings.messaging.default_lang)

        def feed(user: str, payload: bytes, now: float) -> list[dict[str, Any]]:
            return ingest.owntracks_message(hub, user=user, password=None, payload=payload,
                                            now=now)

        site = self.state.settings.site
        self.owntracks = OwnTracksListener(
            broker=self.broker, ingest=feed,
            client_id=f"officegate-owntracks-{site}-{int(time.time() * 1000)}"[:64])
        await run_in_threadpool(self.owntracks.start)
        hub.owntracks = self.owntracks
        self._on_stop("OwnTracks listener", self.owntracks.stop)

    async def start_messaging(self) -> None:
        """6. Messaging: channel clients and the SMTP receiver."""
        settings = self.state.settings
        config = settings.messaging
        self.messaging = rt = Messaging.build(
            sessions=self.state.sessions, config=config, site=settings.site,
            site_name=settings.site_name, base_url=settings.base_url,
            secret=session_secret(settings))
        self._on_stop("messaging", rt.close)
        # Hand-offs and visitors' words reach the host, replies the visitor's phone, through
        # the one notifier hosts are told everything by (e-mail, Web Push, live feed).
        rt.send_notices = self.send_host_notices
        if config.smtp_listen_port is not None:
            self.mailroom = MailroomServer(rt, host=config.smtp_listen_host,
                                           port=config.smtp_listen_port,
                                           max_bytes=config.inbound_mail_max_bytes)
            await asyncio.to_thread(self.mailroom.start)
            self._on_stop("SMTP receiver", self.mailroom.stop)
            log.info("SMTP receiver for %s on %s:%s", rt.reply_mailbox,
                     config.smtp_listen_host, config.smtp_listen_port)

    async def start_relay(self) -> None:
        """7. Live items across servers: host notices, chat and inbox updates (relay.py)."""
        assert self.broker is not None and self.arrival is not None  # noqa: S101
        assert self.messaging is not None  # noqa: S101
        settings = self.state.settings
        self.relay = relay = LiveRelay(broker=self.broker, site=settings.site,
                                       client_id=f"{client_id_for(settings)}-live")
        feed, hub = self.arrival.notifier.feed, self.messaging.hub
        feed.relay = relay.register("feed", feed.deliver)
        hub.relay = relay.register("hub", hub.deliver)
        await run_in_threadpool(relay.start)

        def stop() -> None:
            feed.relay = hub.relay = None
            relay.stop()

        self._on_stop("live relay", stop)

    async def start_console(self) -> None:
        """7b. The staff console: live feed of its pages, alarm delivery (mail, push)."""
        self.console = console = ConsoleHub(self.state, config=self.state.settings.messaging)
        if self.relay is not None:
            console.forward = self.relay.register("console", console.feed.deliver)
        await run_in_threadpool(console.start)
        self._on_stop("staff console", self._stop_console)

    def _stop_console(self) -> None:
        if self.console is not None:
            self.console.stop()
            self.console = None

    def start_reactions(self) -> None:
        """8. Who reacts to which journey event: the table in reactions.py."""
        from officegate.server.reactions import subscribe_reactions

        self.reactions = subscribe_reactions(self)

        def unsubscribe() -> None:
            for undo in self.reactions:
                undo()
            self.reactions = []

        self._on_stop("journey reactions", unsubscribe)

    def start_jobs(self) -> None:
        """9. The scheduled sweeps, each run by the one server that leads it."""
        self.jobs = JobRunner(self.job_table(), leadership_for(self.state.engine))
        self.jobs.start()
        self._on_stop("jobs", self.jobs.stop)

    def job_table(self) -> list[Job]:
        """Every sweep of the server, with its interval."""
        assert self.bridge is not None and self.arrival is not None  # noqa: S101 -- started
        state, meetings = self.state, self.state.settings.meetings
        bridge, arrival = self.bridge, self.arrival
        return [
            Job("no-show-release", meetings.sweep_seconds,
                lambda: run_sweep(state, meetings)),
            Job("calendar-feeds", meetings.feed_refresh_minutes * 60,
                lambda: refresh_feeds(state, meetings, self.send_host_notices),
                first_after=meetings.sweep_seconds),
            Job("arrival-reminders-and-day-end", ARRIVAL_SWEEP_S,
                lambda: arrival.sweep(utcnow())),
            Job("proactive-notices", schedule.SWEEP_EVERY_S,
                lambda: schedule.sweep(sessions=state.sessions, journey=state.journey)),
            Job("offline-doors", OFFLINE_WATCH_S, bridge.check_offline),
            retention_job(state),  # privacy: erase and trim what retention says (hourly)
            Job("alarm-escalation", ESCALATION_S, lambda: run_escalation(
                sessions=state.sessions, settings=state.settings, now=utcnow())),
        ]

    # -- shared by the parts ------------------------------------------------------------
    def send_host_notices(self, items: list[Outgoing]) -> None:
        """Hand committed host notices to the arrival hub's notifier (when it runs)."""
        if self.arrival is not None and items:
            self.arrival.send(items)
