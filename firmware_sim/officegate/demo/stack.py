"""Run the whole OfficeGate stack in one process: broker, server, simulated gate.

Used by ``officegate demo`` and by the end-to-end tests. Every part is the real one: the
broker is Mosquitto (``MQTT_URL``) or the embedded amqtt broker, the server is the FastAPI
app over real HTTP on SQLite (or ``DATABASE_URL``), and the gate is the real edge agent
with a simulated camera and gpiozero mock pins.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import base45
import httpx
import uvicorn

from officegate.edge.agent import EdgeAgent
from officegate.edge.config import EdgeConfig
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.mqtt.client import BrokerAddress
from officegate.protocol import Decision
from officegate.protocol.messages import AccessEvent
from officegate.server.app import create_app
from officegate.server.auth import service as auth
from officegate.server.bootstrap import database_session
from officegate.server.broker import EmbeddedBroker, free_port
from officegate.server.devices import service as devices
from officegate.server.settings import Settings

_PASS_PATH = re.compile(r"^/api/(?:p|chat)/([A-Za-z0-9_-]+)")


class StoryError(RuntimeError):
    """A step of the story did not happen as it should."""


@dataclass
class Account:
    email: str
    password: str
    role: str
    name: str


def wait_for(what: str, check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy; raise StoryError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise StoryError(f"timed out waiting for {what}")


@dataclass
class Stack:
    """A broker, a server and (after :meth:`add_gate`) simulated gates, all running."""

    data_dir: Path
    broker: BrokerAddress | None = None
    database_url: str | None = None
    port: int = 0
    site: str = "hq"
    accounts: dict[str, Account] = field(default_factory=dict)
    gates: dict[str, tuple[EdgeAgent, SimBoard, SimulatedCamera]] = field(default_factory=dict)
    edge_events: list[AccessEvent] = field(default_factory=list)
    phones: dict[str, str] = field(default_factory=dict)  # pass link token -> its phone's id
    _embedded: EmbeddedBroker | None = None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    # -- start and stop ---------------------------------------------------------------------
    def start(self, *, accounts: list[Account], gates: list[tuple[str, str]]) -> None:
        """Start broker and server, with ``accounts`` and gate devices ``(name, zone)``."""
        if self.broker is None:
            self._embedded = EmbeddedBroker()
            self.broker = self._embedded.start()
        self.port = self.port or free_port()
        self.settings = Settings(
            data_dir=self.data_dir / "server",
            database_url=self.database_url,
            site=self.site,
            site_name="OfficeGate Demo Tower",
            base_url=f"http://127.0.0.1:{self.port}",
            port=self.port,
            # The demo's host phone (webhook and push receivers) listens on this machine.
            outbound_allow="127.0.0.1",
        )
        # Accounts and devices exist before the server starts, so the bridge publishes the
        # gates' config with everything else on its first connect.
        with database_session(self.settings) as db:
            for account in accounts:
                if auth.get_user_by_email(db=db, email=account.email) is None:
                    auth.create_user(db=db, email=account.email, password=account.password,
                                     role=account.role, name=account.name)
                self.accounts[account.role] = account
            known = {d.name for d in devices.list_devices(db=db)}
            for name, zone in gates:
                if name not in known:
                    devices.create_device(db=db, name=name, kind="gate", zone=zone,
                                          site=self.site)
        app = create_app(self.settings, broker=self.broker)
        self._server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, name="server", daemon=True)
        self._thread.start()
        wait_for("the server to start", lambda: self._server is not None and self._server.started,
                 timeout=90)  # a loaded CI machine can be slow
        self.http = httpx.Client(base_url=self.base_url, timeout=10,
                                 event_hooks={"request": [self._name_phone]})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop gates, server and the embedded broker (in that order)."""
        for agent, board, camera in self.gates.values():
            agent.close()
            camera.close()
            board.close()
        self.gates.clear()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._embedded is not None:
            self._embedded.stop()

    # -- the people -------------------------------------------------------------------------
    def token(self, role: str) -> str:
        """Log in as the account with ``role`` through the API; returns a bearer token."""
        account = self.accounts[role]
        response = self.http.post("/api/auth/token",
                                  json={"email": account.email, "password": account.password})
        response.raise_for_status()
        return str(response.json()["access_token"])

    def invite(self, *, host_token: str, visitor_name: str, zones: list[str],
               doors: list[str] | None = None, room: str | None = None,
               directions: str | None = None) -> dict[str, Any]:
        """The host invites a visitor for a meeting starting in 10 minutes."""
        start = datetime.now(UTC) + timedelta(minutes=10)
        body = {"visitor_name": visitor_name, "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(), "zones": zones,
                "doors": doors or [], "room": room, "directions": directions}
        response = self.http.post("/api/visits", json=body,
                                  headers={"Authorization": f"Bearer {host_token}"})
        if response.status_code != 201:
            raise StoryError(f"invitation refused: {response.status_code} {response.text}")
        return dict(response.json())

    def _name_phone(self, request: httpx.Request) -> None:
        """Each visitor's pass-page calls carry their own phone's id, as the page does (the
        server answers a pass link only on the phone that opened it)."""
        found = _PASS_PATH.match(request.url.path)
        if found and found.group(1) in self.phones:
            request.headers["X-Pass-Device"] = self.phones[found.group(1)]

    def open_pass(self, pass_url: str) -> tuple[SimulatedVisitor, dict[str, Any]]:
        """The visitor's phone opens the link, exactly as the pass page does."""
        token = pass_url.rstrip("/").rsplit("/", 1)[-1]
        device_id = secrets.token_urlsafe(24)
        self.phones[token] = device_id  # named on this visitor's later calls (_name_phone)
        response = self.http.post(f"/api/p/{token}/open", json={"device_id": device_id})
        if response.status_code != 200:
            raise StoryError(f"pass did not open: {response.status_code} {response.text}")
        data = dict(response.json())
        cose = base45.b45decode(data["cose_b45"])
        secret = base64.b64decode(data["code_secret"])
        return SimulatedVisitor(cose, secret, period=int(data["code_period"])), data

    # -- the gates ----------------------------------------------------------------------------
    def add_gate(
        self, name: str, zone: str, *, seed: int = 1
    ) -> tuple[EdgeAgent, SimBoard, SimulatedCamera]:
        """Start the real edge agent for gate ``name`` with a simulated camera and pins."""
        assert self.broker is not None
        config = EdgeConfig(device=name, site=self.site, kind="gate", zone=zone,
                            mqtt_url=self.broker.url(with_password=True),
                            data_dir=self.data_dir / name, camera="sim")
        board = SimBoard(pins=config.pins)
        camera = SimulatedCamera(seed=seed)
        agent = EdgeAgent.from_config(config, frames=camera, pin_factory=board.factory)
        agent.on_decision = lambda _decision, event: self.edge_events.append(event)
        agent.start()
        wait_for(f"{name} to receive its keys and door config",
                 lambda: bool(agent.verifier.keys.keys) and agent.verifier.config is not None,
                 timeout=20)
        self.gates[name] = (agent, board, camera)
        return agent, board, camera

    def show_to_gate(self, name: str, screen: Callable[[], Any], *, frames: int = 30
                     ) -> list[Decision]:
        """Hold a phone screen in front of gate ``name`` for ``frames`` frames."""
        agent, _board, camera = self.gates[name]
        camera.show(screen)
        decisions: list[Decision] = []
        for _ in range(frames):
            frame = camera.read()
            if frame is not None:
                decisions.extend(agent.step(frame))
        camera.show(None)
        return decisions

    def access_events(self, token: str) -> list[dict[str, Any]]:
        response = self.http.get("/api/access-events",
                                 headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return list(response.json())
