"""Helpers for edge tests: a site key, a settable clock, a simulated gate with mock pins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from officegate.edge.agent import EdgeAgent
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.protocol import (
    KeySet,
    PassClaims,
    PassKind,
    SigningKey,
    issue_pass,
    pass_secret,
)
from officegate.protocol.messages import DeviceConfig

# A fixed "now" (November 2026) keeps decisions reproducible.
NOW = 1_795_424_400.0


@dataclass
class Clock:
    """The gate's wall clock, moved by the test."""

    now: float = NOW

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Site:
    """The site's signing key and what the server would publish for a gate."""

    key: SigningKey = field(default_factory=SigningKey.generate)
    site: str = "hq"
    last_claims: PassClaims | None = None

    @property
    def keys(self) -> KeySet:
        return KeySet(self.site, [self.key.trusted()], version=1)

    def claims(self, **changes: Any) -> PassClaims:
        fields: dict[str, Any] = dict(
            issuer=self.site, subject="v7q2k9x4m1p8z3c6", pass_id=_random_id(),
            issued_at=int(NOW) - 60, not_before=int(NOW) - 60, expires=int(NOW) + 12 * 3600,
            kind=PassKind.VISITOR, visit_id=123456, zones=("lobby",),
            doors=("gate-1", "room-301"),
        )
        fields.update(changes)
        return PassClaims(**fields)

    def visitor(self, clock: Callable[[], float], **changes: Any) -> SimulatedVisitor:
        """A visitor with a fresh pass (``changes`` alter its claims), phone on ``clock``."""
        claims = self.last_claims = self.claims(**changes)
        cose = issue_pass(claims, self.key)
        return SimulatedVisitor(cose, pass_secret(self.key.code_key, claims.pass_id), clock)


def _random_id() -> bytes:
    import secrets

    return secrets.token_bytes(8)


def device_config(device: str = "gate-1", site: str = "hq", **changes: Any) -> DeviceConfig:
    fields: dict[str, Any] = dict(device=device, site=site, kind="gate", zone="lobby",
                                  relay_pulse_ms=1500, allow_static=False, code_period=10,
                                  mode="normal", version=1)
    fields.update(changes)
    return DeviceConfig(**fields)


@dataclass
class Gate:
    """A lobby gate: the real agent, a simulated camera and a mock board."""

    agent: EdgeAgent
    camera: SimulatedCamera
    board: SimBoard
    clock: Clock

    def hold(self, screen: Callable[[], Any] | None, frames: int, *, dt: float = 0.1) -> list:
        """Hold ``screen`` up to the camera for ``frames`` frames, ``dt`` seconds apart."""
        self.camera.show(screen)
        decisions = []
        for _ in range(frames):
            frame = self.camera.read()
            assert frame is not None
            decisions.extend(self.agent.step(frame))
            self.clock.advance(dt)
        self.camera.show(None)
        return decisions

    def events(self) -> list[dict[str, Any]]:
        import json

        return [json.loads(e.payload) for e in self.agent.outbox.pending(1000)]

