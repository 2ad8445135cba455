"""The same hostile bodies to every operation of the OpenAPI document and to each webhook,
correctly signed where the route checks a signature: never a 5xx, always a reason."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from messaging.conftest import LINE_SECRET, MAIL_TOKEN, WA_SECRET, Office, bearer, invite

from officegate.server.channels import line, whatsapp
from officegate.server.http.body import MAX_BODY

DEVICE = "phone-" + "ab" * 12
DEEP = b"[" * 50_000
HOSTILE: dict[str, bytes] = {
    "deep array": DEEP,
    "deep object": b'{"a":' * 50_000,
    "deep inside a valid prefix": b'{"text": "hi", "x": ' + DEEP,
    "oversize": b'{"text": "' + b"x" * (MAX_BODY + 10) + b'"}',
    "invalid utf-8": b'{"text": "\xff\xfe\xc3\x28", "device_id": "\xed\xa0\x80"}',
    "utf-16": '{"text": "hello"}'.encode("utf-16"),
    "wrong types": b'{"email": 1, "password": [], "text": {"a": 1}, "lat": "north", '
                   b'"device_id": null, "rating": 1e999, "_type": 5}',
    "top-level array": b"[1, 2, 3]",
    "top-level string": b'"just a string"',
    "not json": b"<xml>&</xml>",
    "nan and huge numbers": b'{"lat": NaN, "lon": Infinity, "acc": 1' + b"0" * 5000 + b"}",
    "empty": b"",
    "nul bytes": b'{"text": "a\\u0000b\x00"}',
}
STREAMS = re.compile(r"/stream$|/feed$")  # server-sent events never end by themselves


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, ops in doc["paths"].items():
        for method in ops:
            if not STREAMS.search(path):
                yield method.upper(), path


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def _chunks(body: bytes) -> Iterator[bytes]:
    for i in range(0, len(body), 16 * 1024):
        yield body[i:i + 16 * 1024]


def _signed(path: str, body: bytes) -> dict[str, str]:
    """The headers that get ``body`` past a webhook's signature check."""
    if path == "/webhooks/line":
        return {"x-line-signature": line.signature(LINE_SECRET, body)}
    if path == "/webhooks/whatsapp":
        return {"x-hub-signature-256": whatsapp.signature(WA_SECRET, body)}
    if path == "/webhooks/email":
        return {"authorization": f"Bearer {MAIL_TOKEN}"}
    return {}


@pytest.fixture
def world(client: TestClient, office: Office) -> dict[str, Any]:
    """A visit whose pass is open on :data:`DEVICE`, OwnTracks credentials for it, and the
    values that fill the document's path parameters."""
    staff = bearer(client, office.staff)
    visit = invite(client, office)
    token = visit["token"]
    client.headers["X-Pass-Device"] = DEVICE
    assert client.post(f"/api/p/{token}/open", json={"device_id": DEVICE}).status_code == 200
    noon = 12 - datetime.now(UTC).hour
    zone = "Etc/GMT" + (f"+{-noon}" if noon < 0 else f"-{noon}")
    r = client.put(f"/api/sites/{office.site}/arrival", headers=staff, json={
        "lat": 35.681236, "lon": 139.767125, "radius_m": 80, "approach_m": 1000,
        "checkin_zones": ["lobby"], "timezone": zone})
    assert r.status_code == 200, r.text
    assert client.post(f"/api/p/{token}/arrival/consent").status_code == 200
    setup = client.post(f"/api/p/{token}/owntracks").json()
    login = base64.b64encode(f"{setup['username']}:{setup['password']}".encode()).decode()
    return {"staff": staff, "owntracks": {"authorization": f"Basic {login}"}, "values": {
        "token": token, "pass_id": visit["pass_id"], "visit_id": str(visit["visit_id"]),
        "site": office.site, "name": office.gate, "room": "3F Sakura", "day": "2026-01-05",
        "topic": "wifi"}}


@pytest.mark.surface
def test_every_route_answers_hostile_bodies_with_a_4xx(client: TestClient,
                                                       world: dict[str, Any]) -> None:
    client.app.state.throttle.reset()  # type: ignore[attr-defined]
    doc = client.get("/openapi.json", headers=world["staff"]).json()
    operations = list(_operations(doc))
    assert len(operations) > 80  # the whole document, not a sample
    failures: list[str] = []
    seen: dict[int, int] = {}
    for method, template in operations:
        path = _fill(template, world["values"])
        for who in ("staff", "anonymous"):
            for name, body in HOSTILE.items():
                headers = {"content-type": "application/json", **_signed(template, body)}
                if who == "staff":
                    headers.update(world["staff"])
                if template == "/owntracks":
                    headers.update(world["owntracks"])
                r = client.request(method, path, content=body, headers=headers)
                seen[r.status_code] = seen.get(r.status_code, 0) + 1
                if r.status_code >= 500:
                    failures.append(f"{method} {template} ({who}, {name}): {r.status_code}")
                elif r.status_code >= 400 and "json" in r.headers.get("content-type", ""):
                    detail = r.json().get("detail")
                    if not detail:
                        failures.append(f"{method} {template} ({who}, {name}): no reason")
        client.app.state.throttle.reset()  # type: ignore[attr-defined]
    assert not failures, "\n".join(failures)
    assert seen.get(413, 0) >= len(operations)  # the oversize body, on every route


@pytest.mark.parametrize("path", ["/webhooks/line", "/webhooks/whatsapp", "/webhooks/email",
                                  "/owntracks", "/api/chat/{token}/messages", "/api/visits"])
def test_a_chunked_body_over_the_limit_is_refused_on_the_stream(
        client: TestClient, world: dict[str, Any], path: str) -> None:
    body = b'{"text": "' + b"x" * (400 * 1024) + b'"}'
    headers = {"content-type": "application/json", **_signed(path, body),
               **(world["owntracks"] if path == "/owntracks" else world["staff"])}
    r = client.post(_fill(path, world["values"]), content=_chunks(body), headers=headers)
    assert r.status_code == 413, r.text
    assert r.json()["detail"]["code"] == "too_large"


def test_signed_deep_json_is_a_400_not_a_recursion_error(client: TestClient,
                                                         world: dict[str, Any]) -> None:
    for path in ("/webhooks/line", "/webhooks/whatsapp", "/owntracks"):
        headers = {"content-type": "application/json", **_signed(path, DEEP)}
        if path == "/owntracks":
            headers.update(world["owntracks"])
        r = client.post(path, content=DEEP, headers=headers)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["detail"]["code"] == "too_deep"


def test_owntracks_refuses_a_wrong_password_before_reading_the_body(
        client: TestClient, world: dict[str, Any]) -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for chunk in _chunks(b'{"_type": "location"}' + b" " * 200_000):
            sent.append(len(chunk))
            yield chunk

    wrong = base64.b64encode(b"nobody:wrong").decode()
    r = client.post("/owntracks", content=body(), headers={
        "authorization": f"Basic {wrong}", "content-type": "application/json"})
    assert r.status_code == 401
    assert sum(sent) < 200_000  # the server answered without consuming the body


def test_deep_json_inside_an_encrypted_owntracks_payload_is_refused() -> None:
    from nacl.secret import SecretBox

    from officegate.server.arrival import encryption, owntracks
    from officegate.server.arrival.owntracks import BadLocation

    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    box = SecretBox(encryption.payload_key(secret)).encrypt(DEEP)
    data = base64.b64encode(bytes(box)).decode()
    inner = encryption.open_payload(data, secret)  # the body guard never sees this
    with pytest.raises(BadLocation, match="not JSON"):
        owntracks.parse(inner, now=datetime.now(UTC).timestamp())
