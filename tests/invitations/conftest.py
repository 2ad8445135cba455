"""An office for the invitation paths: a lobby gate whose zone is given only at check-in, a
meeting room behind it, a deny-listed visitor, and a real SMTP server for the invitations."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import base45
import pytest
from aiosmtpd.controller import Controller
from arrival.conftest import Office, configure, office, settings  # noqa: F401 (fixtures)
from fastapi.testclient import TestClient
from support.office import (  # noqa: F401 (cheap_argon2: an autouse fixture)
    VISITOR_PHONE,
    as_visitor_phone,
    bearer,
    cheap_argon2,
)
from support.polling import poll

from officegate.mqtt import BrokerAddress
from officegate.protocol import DoorPolicy, Reason, rotating_code, rotating_text, verify
from officegate.server.app import create_app
from officegate.server.bootstrap import database_session
from officegate.server.broker import free_port
from officegate.server.checkin.service import checkin_of
from officegate.server.devices.service import create_device
from officegate.server.keys import service as keys
from officegate.server.messaging.config import MessagingConfig
from officegate.server.settings import Settings
from officegate.server.sites import service as sites
from officegate.server.visits import service as visits

DENIED = "mallory@example.org"


class Inbox:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content,  # type: ignore[arg-type]
                                                 policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages sent to ``address``."""
        return [m for m in self.messages if address in str(m["To"])]

    def link_for(self, address: str) -> str:
        """The pass link token of the invitation sent to ``address`` (waits for it)."""
        found = poll(lambda: self.to(address))
        assert found, f"no invitation e-mail to {address}"
        body = found[0].get_body(("plain",))
        text = body.get_content() if body is not None else ""
        assert "/p/" in text, text
        return str(text.split("/p/", 1)[1].split()[0])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@dataclass
class Rooms:
    """The office with its meeting room."""

    office: Office
    room: str
    door: str


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress,  # noqa: F811
           inbox: Inbox) -> Iterator[TestClient]:
    messaging = MessagingConfig(smtp_host="127.0.0.1", smtp_port=inbox.port,
                                mail_from="office@example.com", quiet_start_hour=0,
                                quiet_end_hour=0)
    app = create_app(settings.model_copy(update={"messaging": messaging}), broker=mqtt_broker)
    with TestClient(app) as c:
        as_visitor_phone(c)
        yield c


@pytest.fixture
def rooms(client: TestClient, settings: Settings, office: Office) -> Rooms:  # noqa: F811
    """Check-in gives the lobby zone; room 'sakura' behind the gate; Mallory deny-listed."""
    configure(client, office)
    door = f"door-{secrets.token_hex(3)}"
    with database_session(settings) as db:
        create_device(db=db, name=door, kind="door", zone="floor3", site=office.site)
    staff = bearer(client, office.staff)
    r = client.post("/api/rooms", headers=staff, json={
        "name": "sakura", "label": "3F Sakura", "door": door, "via_zones": ["lobby"]})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/sites/{office.site}/watchlist", headers=staff,
                    json={"list": "deny", "email": DENIED, "reason": "Badge misuse"})
    assert r.status_code == 201, r.text
    return Rooms(office=office, room="sakura", door=door)


def open_pass(client: TestClient, token: str) -> dict[str, Any]:
    """The visitor's phone opens the link."""
    r = client.post(f"/api/p/{token}/open", json={"device_id": VISITOR_PHONE})
    assert r.status_code == 200, r.text
    return dict(r.json())


def lobby_gate(config: Settings, where: Office, opened: dict[str, Any]) -> Reason:
    """What the lobby gate decides offline for this pass, with its current code."""
    with database_session(config) as db:
        site = sites.get_site(db=db, code=config.site)
        keyset = keys.build_keyset(db=db, site=site, keyring=config.keyring)
        revoked = visits.build_revocations(db=db, site=site).pass_id_bytes()
    import base64

    code = rotating_code(base64.b64decode(str(opened["code_secret"])), time.time())
    text = rotating_text(base45.b45decode(str(opened["cose_b45"])), code)
    return verify(text, keys=keyset, revoked=revoked,
                  door=DoorPolicy(device=where.gate, zone="lobby"), now=time.time()).reason


def held(config: Settings, visit_id: int) -> bool:
    """True when the visit waits for approval at its invitation."""
    with database_session(config) as db:
        record = checkin_of(db=db, visit_id=visit_id)
        return record is not None and record.status == "held" \
            and record.held_stage == "invitation"


def visit_of(config: Settings, email: str) -> int:
    """The id of the newest visit of the visitor with ``email``."""
    from sqlalchemy import select

    from officegate.server.visits.models import Visit, Visitor

    with database_session(config) as db:
        visit_id = db.scalar(select(Visit.id).join(Visitor, Visitor.id == Visit.visitor_id)
                             .where(Visitor.email == email).order_by(Visit.id.desc()))
        assert visit_id is not None, email
        return int(visit_id)
