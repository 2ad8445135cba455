"""The edge agent: frame -> decode -> verify -> actuate -> outbox -> MQTT, one frame at a time.

Scan-to-unlock latency (frame handed in -> relay energised) is measured for every decision
and travels in its event as ``latency_ms`` (for a denial: frame -> red LED on).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from gpiozero.pins import Factory

from officegate.edge.actuator import Actuator
from officegate.edge.cache import EdgeCache
from officegate.edge.camera import FrameSource
from officegate.edge.config import EdgeConfig
from officegate.edge.decoders import Decoder, make_decoder
from officegate.edge.door import DoorSensors
from officegate.edge.hardware import open_hardware
from officegate.edge.health import EdgeHealth
from officegate.edge.link import EdgeLink
from officegate.edge.outbox import Outbox
from officegate.edge.passback import PassbackLedger
from officegate.edge.verifier import EdgeVerifier
from officegate.mqtt.client import parse_mqtt_url
from officegate.protocol import Decision, Reason
from officegate.protocol.messages import AccessEvent, DoorEvent

log = logging.getLogger(__name__)

LOCKED_DETAIL = "door is locked down: not opened"


def build_verifier(config: EdgeConfig, cache: EdgeCache) -> EdgeVerifier:
    """A verifier for ``config``'s device, primed from the on-disk cache (may be empty)."""
    verifier = EdgeVerifier(
        device=config.device, site=config.site, zone=config.zone,
        relay_pulse_ms=config.relay_pulse_ms, hold_seconds=config.hold_seconds,
    )
    # Cached documents for another site/device (a re-purposed Pi) are ignored, not trusted.
    try:
        if (keys := cache.load_keys()) is not None:
            verifier.update_keys(keys)
        if (revocations := cache.load_revocations()) is not None:
            verifier.update_revocations(revocations)
        if (device_config := cache.load_config()) is not None:
            verifier.update_config(device_config)
    except ValueError as exc:
        log.warning("ignoring cached document: %s", exc)
    verifier.passback = PassbackLedger(cache)
    return verifier


class EdgeAgent:
    """One gate's agent. Feed frames with :meth:`step`, or let :meth:`run` read the camera."""

    def __init__(
        self,
        config: EdgeConfig,
        *,
        frames: FrameSource,
        decoder: Decoder,
        actuator: Actuator,
        link: EdgeLink | None = None,
        clock: Callable[[], float] = time.time,
        verifier: EdgeVerifier | None = None,
        outbox: Outbox | None = None,
        cache: EdgeCache | None = None,
        pin_factory: Factory | None = None,
    ) -> None:
        self.config = config
        self.frames = frames
        self.decoder = decoder
        self.actuator = actuator
        self.clock = clock
        self.cache = cache or EdgeCache(config.data_dir / "cache")
        self.verifier = verifier or (link.verifier if link else build_verifier(config, self.cache))
        self.outbox = outbox or (link.outbox if link else Outbox(config.data_dir / "outbox.db"))
        self.link = link
        self.health = link.health if link else EdgeHealth()
        if self.verifier.passback is None:
            self.verifier.passback = PassbackLedger(self.cache)
        if link is not None:
            link.commands.setdefault("unlock", self._unlock_command)
            link.commands.setdefault("passback", self.verifier.passback.apply)
        self.on_decision: Callable[[Decision, AccessEvent], None] | None = None
        self._stop = threading.Event()
        self.door: DoorSensors | None = None
        if config.pins.door_contact is not None or config.pins.exit_button is not None:
            self.door = DoorSensors(
                device=config.device, site=config.site, actuator=actuator, report=self.report,
                contact_pin=config.pins.door_contact, exit_pin=config.pins.exit_button,
                pin_factory=pin_factory, held_open_seconds=config.held_open_seconds,
                exit_pulse_ms=lambda: self.verifier.relay_pulse_ms, clock=clock)

    @classmethod
    def from_config(
        cls,
        config: EdgeConfig,
        *,
        frames: FrameSource | None = None,
        pin_factory: Factory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> EdgeAgent:
        """Wire an agent from its config: camera, decoder, pins, cache, outbox, MQTT link.

        The camera and pins are chosen by name (:mod:`officegate.edge.hardware`) unless
        ``frames``/``pin_factory`` are given.
        """
        hardware = open_hardware(config, frames=frames, pins=pin_factory)
        frames, pin_factory = hardware.frames, hardware.pins
        cache = EdgeCache(config.data_dir / "cache")
        verifier = build_verifier(config, cache)
        outbox = Outbox(config.data_dir / "outbox.db", max_rows=config.outbox_max_events,
                        max_age_seconds=config.outbox_max_days * 86_400)
        link = None
        if config.mqtt_url:
            link = EdgeLink(device=config.device, site=config.site,
                            broker=parse_mqtt_url(
                                config.mqtt_url,
                                ca_file=str(config.mqtt_ca_file) if config.mqtt_ca_file else None),
                            outbox=outbox,
                            verifier=verifier, cache=cache, keepalive=config.keepalive_seconds,
                            heartbeat_seconds=config.heartbeat_seconds)
        return cls(config, frames=frames, decoder=make_decoder(config.decoder),
                   actuator=Actuator(config.pins, pin_factory=pin_factory,
                                     relay_active_low=config.relay_active_low),
                   link=link, clock=clock, verifier=verifier, outbox=outbox, cache=cache,
                   pin_factory=pin_factory)

    # The pipeline ----------------------------------------------------------------------
    def step(self, frame: np.ndarray) -> list[Decision]:
        """Put one frame through decode -> verify -> actuate -> outbox.

        Returns the new decisions (empty when nothing was read or the pass is "holding").
        """
        started = time.perf_counter()
        self.apply_mode()
        try:
            texts = self.decoder.decode(frame)
        except Exception:  # a decoder bug on one odd frame must not stop the gate
            log.exception("decoder %s failed on a frame", self.decoder.name)
            return []
        finally:
            self.health.frame((time.perf_counter() - started) * 1000)
        return self.present(texts, started=started)

    def present(self, texts: list[str], *, started: float | None = None) -> list[Decision]:
        """Decide on QR texts already read (by the camera pipeline, or a USB scanner).

        ``started`` is the ``perf_counter()`` when the frame arrived (default: now).
        Returns the new decisions, as :meth:`step` does.
        """
        started = time.perf_counter() if started is None else started
        if not texts:
            return []
        now = self.clock()
        decisions = []
        for text in dict.fromkeys(texts):  # one phone may be read twice in a frame
            decision = self.verifier.decide(text, now)
            if decision is None:
                continue
            decisions.append(self._act(decision, now, started))
        return decisions

    def apply_mode(self) -> None:
        """Hold the door unlocked in "unlocked" mode (emergency unlock), else pulses only."""
        unlocked = self.verifier.mode == "unlocked"
        if unlocked != self.actuator.held:
            log.warning("%s: %s", self.config.device,
                        "emergency unlock: door held open" if unlocked else "back to pulses")
            self.actuator.hold(unlocked)

    def report(self, event: AccessEvent | DoorEvent) -> None:
        """Put an event in the outbox (durable) and wake the link to send it."""
        self.outbox.put(event)
        if self.link is not None:
            self.link.wake()

    def _act(self, decision: Decision, now: float, started: float) -> Decision:
        opened = decision.accepted and self.verifier.mode != "locked"
        if opened:
            self.actuator.open(self.verifier.relay_pulse_ms)
            latency_ms = (time.perf_counter() - started) * 1000
            self.actuator.signal(Reason.ACCEPTED)
            self._passed(decision, now)
        else:
            if decision.accepted:  # a valid pass at a locked-down door
                decision = replace(decision, detail=LOCKED_DETAIL)
            # A locked-down door sounds like a revoked pass: "not for you, not now".
            self.actuator.signal(Reason.REVOKED if decision.accepted else decision.reason)
            latency_ms = (time.perf_counter() - started) * 1000
        self.health.decision(latency_ms)
        event = AccessEvent.from_decision(decision, device=self.config.device,
                                          site=self.config.site, at=now,
                                          latency_ms=round(latency_ms, 3))
        self.report(event)  # durable before anyone is told
        log.info("%s: %s %s (%.1f ms)", self.config.device, decision.reason.value,
                 decision.detail, latency_ms)
        if self.on_decision is not None:
            self.on_decision(decision, event)
        return decision

    def _passed(self, decision: Decision, now: float) -> None:
        config, ledger = self.verifier.config, self.verifier.passback
        if config is None or config.side is None or ledger is None or decision.claims is None:
            return
        try:
            ledger.passed(decision.claims.pass_id_hex, config.side, now)
        except OSError:  # a full disk must not stop the gate; the server still reconciles
            log.exception("%s: could not record the anti-passback entry", self.config.device)

    def _unlock_command(self, command: dict[str, Any]) -> None:
        pulse = command.get("pulse_ms", self.verifier.relay_pulse_ms)
        if not isinstance(pulse, int) or not 50 <= pulse <= 30_000:
            raise ValueError("unlock pulse_ms must be an integer from 50 to 30000")
        log.info("%s: remote unlock for %d ms", self.config.device, pulse)
        self.actuator.open(pulse)
        self.actuator.signal(Reason.ACCEPTED)

    # Running ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the MQTT link (in the background; the gate works without it)."""
        config = self.verifier.config
        if config is not None and config.kind != "vending":
            # Power loss is wiring (fail-safe lock: unlocks unpowered; fail-secure: stays
            # locked); network loss is the same for both: keep deciding from the cache.
            log.info("%s: fail-%s door; decides offline from its cache when the network is "
                     "down", self.config.device, config.fail_mode)
        if self.link is not None:
            self.link.start()

    def run(self) -> None:
        """Read frames until :meth:`stop` is called or the frame source ends."""
        self.start()
        while not self._stop.is_set():
            frame = self.frames.read()
            if frame is None:
                log.warning("%s: the camera gave no frame; stopping", self.config.device)
                break
            self.step(frame)

    def stop(self) -> None:
        """Ask :meth:`run` to return after the current frame."""
        self._stop.set()

    def close(self) -> None:
        """Stop everything and release the camera, pins, link and outbox."""
        self.stop()
        if self.link is not None:
            self.link.stop()
        if self.door is not None:
            self.door.close()
        self.actuator.close()
        self.frames.close()
        self.outbox.close()
