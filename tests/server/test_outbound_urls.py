"""Outbound URLs users configure (notification targets, push endpoints, calendar feeds) cannot
reach inside the network: refused when saved (422 with the reason) and again when used."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.meetings.feeds import fetch
from officegate.server.notify.feed import LiveFeed
from officegate.server.notify.sender import Notifier, Outgoing
from officegate.server.notify.vapid import ensure_key
from officegate.server.outbound import OutboundPolicy
from officegate.server.settings import Settings

from .conftest import Office, bearer

ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n")
STRICT = OutboundPolicy()
LOCAL = OutboundPolicy.parse("127.0.0.1")


@dataclass
class Listener:
    """A local HTTP server that records what reached it (a webhook, a push service, a
    calendar); ``redirect_to`` makes every GET a 302 there."""

    host: str
    port: int = 0
    hits: list[str] = field(default_factory=list)
    redirect_to: str | None = None

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


def _serve(host: str) -> Iterator[Listener]:
    listener = Listener(host=host)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes = b"", location: str | None = None) -> None:
            listener.hits.append(f"{self.command} {self.path}")
            self.send_response(status)
            if location:
                self.send_header("location", location)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if listener.redirect_to:
                self._answer(302, location=listener.redirect_to)
            else:
                self._answer(200, ICS)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self._answer(201)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    listener.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield listener
    server.shutdown()
    server.server_close()


@pytest.fixture
def local() -> Iterator[Listener]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def other_loopback() -> Iterator[Listener]:
    """On 127.0.0.2: inside the network, and not the allowed 127.0.0.1."""
    yield from _serve("127.0.0.2")


@pytest.fixture
def strict_client(settings: Settings, office: Office,
                  broker: BrokerAddress) -> Iterator[TestClient]:
    """A server as shipped: no inside address allowed."""
    app = create_app(settings.model_copy(update={"outbound_allow": ""}), broker=broker)
    with TestClient(app) as client:
        yield client


# -- the rule itself ----------------------------------------------------------------------------
@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("10.1.2.3", "private"),
    ("172.16.0.9", "private"), ("192.168.1.1", "private"), ("fd00::5", "private"),
    ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "not public"),
])
def test_inside_addresses_are_refused_unless_allowed(address: str, kind: str) -> None:
    reason = STRICT.refusal("target.example", address)
    assert reason is not None and kind in reason
    if address == "169.254.169.254":
        assert "cloud metadata" in reason
    allowed = OutboundPolicy.parse(f"{address}, 10.0.0.0/8")
    assert allowed.refusal("target.example", address) is None
    assert OutboundPolicy.parse("target.example").refusal("target.example", address) is None


def test_public_addresses_pass() -> None:
    for address in ("93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"):
        assert STRICT.refusal("example.com", address) is None


def test_a_bad_allow_list_stops_the_server_from_starting() -> None:
    with pytest.raises(ValueError, match="no address"):
        Settings(outbound_allow="127.0.0.1, not a host!")


# -- when a URL is saved ------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "words"), [
    ("json://127.0.0.1:9/hook", "loopback"),
    ("json://localhost:9/hook", "loopback"),  # a name is judged by what it resolves to
    ("jsons://169.254.169.254/latest/meta-data", "cloud metadata"),
    ("form://10.0.0.7/hook", "private"),
    ("mailtos://user:pw@mail.example.com?smtp=192.168.0.25", "private"),  # the mail server
    ("rsyslog://10.0.0.9", "scheme"),  # apprise knows it; we do not send there
])
def test_notification_urls_pointing_inside_are_refused_when_saved(
        strict_client: TestClient, office: Office, url: str, words: str) -> None:
    r = strict_client.post("/api/notify/targets", headers=bearer(strict_client, office.host),
                           json={"kind": "apprise", "url": url})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "outbound_url_refused" and words in detail["message_en"]
    assert detail["message_ja"]
    assert strict_client.get("/api/notify/targets",
                             headers=bearer(strict_client, office.host)).json() == []


def test_public_notification_urls_are_saved(strict_client: TestClient, office: Office) -> None:
    host = bearer(strict_client, office.host)
    for url in ("json://93.184.216.34/hook", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
                "mailtos://user:pw@mail.example.com"):
        r = strict_client.post("/api/notify/targets", headers=host,
                               json={"kind": "apprise", "url": url})
        assert r.status_code == 201, (url, r.text)


def test_fallback_contact_and_push_endpoint_are_checked(strict_client: TestClient,
                                                        office: Office) -> None:
    host = bearer(strict_client, office.host)
    r = strict_client.put("/api/notify/prefs", headers=host,
                          json={"fallback_url": "json://192.168.1.10/x", "ack_minutes": 5})
    assert r.status_code == 422 and "private" in r.json()["detail"]["message_en"]
    keys = {"p256dh": "BEl6", "auth": "c2VjcmV0"}
    for endpoint in ("https://10.1.2.3/push/abc", "https://[::1]/push", "http://169.254.169.254/"):
        r = strict_client.post("/api/notify/targets", headers=host, json={
            "kind": "webpush", "subscription": {"endpoint": endpoint, "keys": keys}})
        assert r.status_code == 422, (endpoint, r.text)
        assert r.json()["detail"]["code"] == "outbound_url_refused"


def test_calendar_feeds_pointing_inside_are_refused_when_saved(
        strict_client: TestClient, office: Office) -> None:
    staff = bearer(strict_client, office.staff)
    strict_client.post("/api/rooms", headers=staff, json={"name": "sakura", "door": office.door})
    for url in ("http://169.254.169.254/latest/meta-data/", "webcal://[::ffff:127.0.0.1]/a.ics",
                "https://localhost/cal.ics"):
        r = strict_client.post("/api/calendar-feeds", headers=staff,
                               json={"url": url, "room": "sakura"})
        assert r.status_code == 422, (url, r.text)
        assert r.json()["detail"]["code"] == "outbound_url_refused"


def test_the_admin_allow_list_lets_exactly_those_addresses_through(
        client: TestClient, office: Office) -> None:
    # The test config allows 127.0.0.1 (tests/conftest.py); 127.0.0.2 is still inside.
    host = bearer(client, office.host)
    ok = client.post("/api/notify/targets", headers=host,
                     json={"kind": "apprise", "url": "json://127.0.0.1:9/hook"})
    assert ok.status_code == 201, ok.text
    refused = client.post("/api/notify/targets", headers=host,
                          json={"kind": "apprise", "url": "json://127.0.0.2:9/hook"})
    assert refused.status_code == 422


# -- when a URL is used -------------------------------------------------------------------------
def _notifier(tmp_path: Path, policy: OutboundPolicy) -> tuple[Notifier, list[tuple[str, bool]]]:
    sent: list[tuple[str, bool]] = []
    notifier = Notifier(feed=LiveFeed(), vapid_key=ensure_key(tmp_path / "vapid.pem"),
                        vapid_subject="mailto:officegate@example.com", outbound=policy,
                        on_sent=lambda _item, channel, ok: sent.append((channel, ok)))
    notifier.start()
    return notifier, sent


def _push_subscription(endpoint: str) -> str:
    import json

    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.public_key().public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    b64 = base64.urlsafe_b64encode
    return json.dumps({"endpoint": endpoint, "keys": {
        "p256dh": b64(raw).decode().rstrip("="), "auth": b64(os.urandom(16)).decode().rstrip("=")}})


@pytest.mark.parametrize(("policy", "delivered"), [(STRICT, False), (LOCAL, True)])
def test_notices_are_checked_again_when_sent(tmp_path: Path, local: Listener,
                                             policy: OutboundPolicy, delivered: bool) -> None:
    """A target saved while allowed (or a name that now resolves inside) is refused at send
    time; the same notice reaches it where the admin allows the address."""
    notifier, sent = _notifier(tmp_path, policy)
    try:
        notifier.send(Outgoing(
            notice_id=1, user_id=1, kind="arrived", title="来訪 / Arrived", body="Aiko",
            payload={"id": 1}, feed=False,
            apprise_urls=(f"json://127.0.0.1:{local.port}/hook",),
            push_subscriptions=(_push_subscription(local.url("/push/one")),)))
        assert notifier.drain(timeout=30)
    finally:
        notifier.stop()
    assert sorted(sent) == [("apprise", delivered), ("webpush", delivered)]
    assert sorted(local.hits) == (["POST /hook", "POST /push/one"] if delivered else [])


def test_a_feed_is_checked_again_when_read(local: Listener) -> None:
    assert fetch(local.url("/cal.ics"), outbound=LOCAL) == ICS
    local.hits.clear()
    with pytest.raises(ValueError, match="loopback"):
        fetch(local.url("/cal.ics"), outbound=STRICT)
    with pytest.raises(ValueError, match="loopback"):  # a name resolving inside now
        fetch(f"http://localhost:{local.port}/cal.ics", outbound=STRICT)
    assert local.hits == []


def test_a_redirect_inside_is_refused(local: Listener, other_loopback: Listener) -> None:
    local.redirect_to = other_loopback.url("/secret")
    with pytest.raises(ValueError, match=r"127\.0\.0\.2"):
        fetch(local.url("/cal.ics"), outbound=LOCAL)
    assert local.hits == ["GET /cal.ics"] and other_loopback.hits == []
