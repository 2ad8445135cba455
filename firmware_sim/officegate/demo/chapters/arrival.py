"""Chapter: arrival. Aiko's phone approaches (the pass page's location, then the OwnTracks
app), the host's notification targets (a JSON webhook and Web Push, both local receivers)
hear about it, and Aiko checks in by scanning the lobby poster: the pass that opens the
lobby gate is issued only now, and the one from before is revoked at the gate."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import base45
import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from nacl.secret import SecretBox

from officegate.demo.chapters.context import GATE, LOBBY, Story
from officegate.demo.stack import StoryError, wait_for
from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.protocol import Reason

OFFICE = (35.681236, 139.767125)  # Marunouchi, Tokyo


class _HostPhone:
    """The host's notification receivers: a JSON webhook (apprise json://) and a push service
    endpoint that decrypts with the browser subscription's own key."""

    def __init__(self) -> None:
        self.notices: list[tuple[str, str, float]] = []  # (channel, title, received at)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        phone = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    if self.path.startswith("/push"):
                        msg = json.loads(http_ece.decrypt(body, private_key=phone.key,
                                                          auth_secret=phone.auth,
                                                          version="aes128gcm"))
                        phone.notices.append(("web push", msg["title_en"], time.monotonic()))
                    else:
                        phone.notices.append(("webhook", json.loads(body)["title"],
                                              time.monotonic()))
                finally:
                    self.send_response(201)
                    self.send_header("content-length", "0")
                    self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscription(self) -> dict[str, Any]:
        raw = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)
        b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")  # noqa: E731
        return {"endpoint": f"http://127.0.0.1:{self.port}/push/host",
                "keys": {"p256dh": b64(raw), "auth": b64(self.auth)}}

    def wait(self, words: str, count: int = 2) -> list[tuple[str, str, float]]:
        """The notices whose title has ``words``, once ``count`` of them (one per channel)."""

        def heard() -> list[tuple[str, str, float]] | None:
            found = [n for n in self.notices if words in n[1]]
            return found if len(found) >= count else None

        return list(wait_for(f"the host to hear '{words}'", heard))


class _OwnTracksApp:
    """Aiko's OwnTracks app with payload encryption on, as the pass page's setup link
    configures it: every message is a libsodium secretbox under ``encryptionKey`` (UTF-8,
    zero-padded to 32 bytes, as the apps do), and the server's replies come back sealed."""

    def __init__(self, encryption_key: str) -> None:
        self.box = SecretBox(encryption_key.encode()[:SecretBox.KEY_SIZE]
                             .ljust(SecretBox.KEY_SIZE, b"\0"))

    def seal(self, message: dict[str, Any]) -> str:
        box = self.box.encrypt(json.dumps(message).encode())  # random nonce, prepended
        return json.dumps({"_type": "encrypted", "data": base64.b64encode(bytes(box)).decode()})

    def open(self, reply: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The server's cmds; a plain one means the server ignored the encryption."""
        opened = []
        for cmd in reply:
            if cmd.get("_type") != "encrypted":
                raise StoryError(f"the server answered an encrypted phone in plain: {cmd}")
            opened.append(json.loads(self.box.decrypt(base64.b64decode(cmd["data"]))))
        return opened


def _north(metres: float) -> tuple[float, float]:
    return OFFICE[0] + metres / 111_195.0, OFFICE[1]


def play(story: Story) -> None:
    stack = story.stack
    http = stack.http
    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    host = {"Authorization": f"Bearer {stack.token('host')}"}
    token = story.invitation["pass_url"].rstrip("/").rsplit("/", 1)[-1]
    r = http.put(f"/api/sites/{stack.site}/arrival", headers=admin, json={
        "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 80, "approach_m": 1500,
        "checkin_zones": [LOBBY], "timezone": "Asia/Tokyo"})
    _ok(r, "geofence")
    story.step("arrival", "staff set the office geofence: 80 m fence, 1.5 km approach ring; "
               f"zone '{LOBBY}' is given only at check-in")

    phone = _HostPhone()
    for body in ({"kind": "apprise", "url": f"json://127.0.0.1:{phone.port}/hook"},
                 {"kind": "webpush", "subscription": phone.subscription()}):
        _ok(http.post("/api/notify/targets", headers=host, json=body), "notify target")
    story.step("host", "Ken's notification targets: a JSON webhook (apprise) and Web Push")

    _ok(http.post(f"/api/p/{token}/arrival/consent"), "consent")
    now = time.time()
    for metres, ago in ((2500, 180), (1200, 90)):
        lat, lon = _north(metres)
        r = http.post(f"/api/p/{token}/location", json={"lat": lat, "lon": lon, "acc": 15,
                                                        "at": now - ago})
        _ok(r, "browser location")
    story.step("pass page", "Aiko agrees to share location until arrival; the browser sends "
               "2.5 km, then 1.2 km (not stored: only the decision is)")
    for channel, title, _at in phone.wait("min away"):
        story.step("host phone", f"{channel}: {title}")

    setup = http.post(f"/api/p/{token}/owntracks").json()
    auth = (setup["username"], setup["password"])
    app = _OwnTracksApp(setup["encryption_key"])
    lat, lon = _north(300)
    r = http.post("/owntracks", auth=auth, content=app.seal(
        {"_type": "location", "lat": lat, "lon": lon, "acc": 20, "tst": int(now - 30),
         "tid": "AT"}))
    _ok(r, "owntracks location")
    cmds = app.open(r.json())
    lat, lon = _north(15)
    enter = {"_type": "transition", "event": "enter", "lat": lat, "lon": lon, "acc": 12,
             "tst": int(now - 2), "wtst": int(now - 600), "t": "c", "tid": "AT",
             "desc": cmds[0]["waypoints"]["waypoints"][0]["desc"] if cmds else None}
    _ok(http.post("/owntracks", auth=auth, content=app.seal(enter)), "owntracks transition")
    plain = http.post("/owntracks", auth=auth, content=json.dumps(
        {"_type": "location", "lat": lat, "lon": lon, "acc": 12, "tst": int(now - 1)}))
    if plain.status_code != 400:
        raise StoryError(f"a plain location in Aiko's name should be refused once her phone "
                         f"encrypts, got {plain.status_code}")
    story.step("OwnTracks", f"the app (HTTP mode, payload encryption on) got "
               f"{cmds[0]['action'] if cmds else 'no cmd'} for the office region (sealed), "
               "then reported 'enter'; a plain location in her name is refused "
               f"({plain.json()['detail']['code']})")
    for channel, title, _at in phone.wait("has arrived"):
        story.step("host phone", f"{channel}: {title}")

    _check_in(story, token, phone)


def _check_in(story: Story, token: str, phone: _HostPhone) -> None:
    stack = story.stack
    account = stack.accounts["admin"]
    _ok(stack.http.post("/login", data={"email": account.email, "password": account.password}),
        "staff login", allowed=(200, 303))
    poster = stack.http.get("/staff/poster")
    match = re.search(r'data-url="([^"]+)"', poster.text)
    if poster.status_code != 200 or match is None:
        raise StoryError(f"no poster: {poster.status_code}")
    url = match.group(1).replace("&amp;", "&")
    story.step("poster", f"staff print today's lobby poster -> {url.split('?')[0]}?d=…&k=…")
    stack.http.post("/logout")

    old, old_id = story.the_visitor(), bytes.fromhex(str(story.opened["pass_id"]))
    site, query = url.split("/c/", 1)[1].split("?", 1)
    params = dict(p.split("=", 1) for p in query.split("&"))
    page = stack.http.get(url.replace(stack.base_url, ""))
    _ok(page, "check-in page")
    r = stack.http.post("/api/checkin", json={
        "site": site, "day": params["d"], "poster_code": params["k"], "token": token,
        "code": old.text()[4:12]})
    _ok(r, "check-in")
    answer = r.json()
    if answer["status"] != "checked_in" or not answer.get("new_pass"):
        raise StoryError(f"check-in did not complete: {answer}")
    new = answer["new_pass"]
    story.visitor = SimulatedVisitor(base45.b45decode(new["cose_b45"]),
                                     base64.b64decode(new["code_secret"]),
                                     period=int(new["code_period"]))
    story.opened = new
    story.step("check-in", f"Aiko scans the poster: checked in; new pass {new['pass_id']} "
               f"with zone '{LOBBY}'; directions: {answer.get('directions') or '-'}")
    for channel, title, _at in phone.wait("checked in"):
        story.step("host phone", f"{channel}: {title}")

    agent = stack.gates[GATE][0]
    wait_for("the gate to learn the revocation", lambda: agent.verifier.revocations is not None
             and old_id in agent.verifier.revocations.pass_id_bytes())
    denied = stack.show_to_gate(GATE, old.screen, frames=5)
    if not denied or denied[0].reason is not Reason.REVOKED:
        raise StoryError(f"the pre-check-in pass should be revoked at the gate, got "
                         f"{[d.reason.value for d in denied]}")
    # Marked "ok" (not DENY): this is the check that the old pass is dead, not a visitor
    # turned away; the gate's own denial line comes in the lobby gate chapter.
    story.step(GATE, "check: the pass from before check-in is refused: revoked (the gate "
               "learnt it over MQTT and decides offline)")


def _ok(response: Any, what: str, allowed: tuple[int, ...] = (200, 201)) -> None:
    if response.status_code not in allowed:
        raise StoryError(f"{what} refused: {response.status_code} {response.text[:300]}")
