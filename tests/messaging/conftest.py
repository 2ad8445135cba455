"""Fixtures for the messaging tests: a real server (TestClient with lifespan) on the session's
broker and database, a real SMTP server (aiosmtpd) and local fakes of the LINE and WhatsApp
APIs speaking HTTP."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from support.mqtt import forget_sessions
from support.office import (
    HOST,
    OTHER_HOST,
    PASSWORD,
    STAFF,
    as_visitor_phone,
    bearer,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    server_settings,
)
from support.receivers import QuietHandler, serving

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.broker import free_port
from officegate.server.messaging.config import MessagingConfig
from officegate.server.settings import Settings

__all__ = ["PASSWORD", "bearer"]  # the tests import these from here
LINE_SECRET = "line-channel-secret-for-tests"
WA_SECRET = "whatsapp-app-secret-for-tests"
WA_VERIFY = "verify-me-please"
MAIL_TOKEN = "mail-gateway-token-0123456789"


class _Inbox:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content,  # type: ignore[arg-type]
                                                 policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[_Inbox]:
    """A real SMTP server on a free local port (aiosmtpd in its own thread)."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@dataclass
class FakeApi:
    """A local HTTP server standing in for api.line.me or graph.facebook.com."""

    url: str
    calls: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def fake_platform() -> Iterator[FakeApi]:
    """Records every POST; answers like the LINE and WhatsApp APIs do."""
    api = FakeApi(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            api.calls.append((self.path, dict(self.headers), body))
            if self.headers.get("authorization", "") not in ("Bearer line-token",
                                                             "Bearer wa-token"):
                self.send_response(401)
                self.end_headers()
                return
            answer: dict[str, Any] = {}
            if self.path.endswith("/messages") and "messaging_product" in body:
                answer = {"messaging_product": "whatsapp",
                          "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                          "messages": [{"id": f"wamid.{secrets.token_hex(8)}"}]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serving(Handler) as port:
        api.url = f"http://127.0.0.1:{port}"
        yield api


@pytest.fixture
def settings(tmp_path: Path, database_url: str, topic_prefix: str) -> Settings:
    """Settings of a server with its own site, data directory and MQTT session."""
    return server_settings(tmp_path, database_url, f"m{topic_prefix}",
                           mqtt_client_id=f"og-msg-{topic_prefix}")


@dataclass
class Office:
    """Users of every role and a gate, on one site."""

    site: str
    gate: str
    staff: str = "staff@example.com"
    host: str = "host@example.com"
    other_host: str = "host2@example.com"


@pytest.fixture
def office(settings: Settings) -> Office:
    """Staff, two hosts and a lobby gate."""
    o = Office(site=settings.site, gate=f"gate-{settings.site}")
    build_office(settings, people=[STAFF, HOST, OTHER_HOST],
                 devices=[(o.gate, "gate", "lobby")])
    return o


@pytest.fixture
def messaging_config(smtp_server: _Inbox, fake_platform: FakeApi) -> MessagingConfig:
    """Every channel on: SMTP to the local server, LINE and WhatsApp to the local fake."""
    return MessagingConfig(
        smtp_host="127.0.0.1", smtp_port=smtp_server.port,  # type: ignore[attr-defined]
        mail_from="office@example.com", inbound_mail_token=MAIL_TOKEN,
        line_channel_secret=LINE_SECRET, line_access_token="line-token",
        line_api_base=fake_platform.url, whatsapp_app_secret=WA_SECRET,
        whatsapp_verify_token=WA_VERIFY, whatsapp_access_token="wa-token",
        whatsapp_phone_number_id="106540352242922", whatsapp_api_base=fake_platform.url,
        quiet_start_hour=0, quiet_end_hour=0)  # no quiet hours unless a test asks


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress,
           messaging_config: MessagingConfig) -> Iterator[TestClient]:
    """A running server with messaging on every channel."""
    app = create_app(settings.model_copy(update={"messaging": messaging_config}),
                     broker=mqtt_broker)
    with TestClient(app) as c:
        as_visitor_phone(c)
        yield c
    forget_sessions(mqtt_broker, [settings.mqtt_client_id or ""])  # the bridge's session


def invite(client: TestClient, office: Office, *, name: str = "佐藤 花子",
           email: str = "hanako@example.org", host: str | None = None) -> dict[str, Any]:
    """Invite a visitor as the host; returns the API answer plus the link token."""
    now = datetime.now(UTC)
    r = client.post("/api/visits", headers=bearer(client, host or office.host), json={
        "visitor_name": name, "visitor_email": email,
        "starts_at": (now + timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "doors": [], "room": "3F Sakura",
        "directions": "3階、エレベーターを出て左 / 3F, left of the lift"})
    assert r.status_code == 201, r.text
    out = r.json()
    out["token"] = out["pass_url"].rsplit("/p/", 1)[1]
    return out
