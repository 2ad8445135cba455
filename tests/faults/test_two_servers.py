"""Two ``officegate server`` processes behind nginx, as the README's "Scaling out" says:
one PostgreSQL database, one Mosquitto, the same OFFICEGATE_KEY_ENCRYPTION_KEY and
OFFICEGATE_MQTT_SHARE_GROUP, and deploy/nginx/officegate.conf in front. A visitor's story
runs through the proxy while gates send events; the server that leads the sweeps and holds
the host's live page is killed with SIGKILL mid-story. Then: every event is stored exactly
once, the host's page reconnects with Last-Event-ID through the proxy to the other server
and gets what it missed and what follows, and the sweeps run on the survivor.
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import base45
import httpx
import pytest
from support.polling import wait_for

from officegate.protocol import rotating_code, rotating_text
from officegate.server.auth.service import create_user
from officegate.server.bootstrap import database_session
from officegate.server.checkin.poster import poster_url
from officegate.server.devices.service import create_device
from officegate.server.keys.vault import make_kek
from officegate.server.settings import Settings

from .cluster import Feed, gate_agent, job_leader, noon_zone, rows
from .conftest import EdgeRun, ServerProcess, stored_ids
from .mosquitto import Mosquitto
from .proxy import Nginx, need_nginx
from .test_share_failover import needs_postgres

PASSWORD = "correct horse battery"
HOST, STAFF = "host@example.com", "staff@example.com"
SWEEP = "offline-doors"  # a job every 5 s; its effect (an offline alert) is easy to see
OFFICE = (35.681236, 139.767125)


def _phone_text(opened: dict[str, object]) -> str:
    """What the visitor's pass page shows now: the signed pass with the live code."""
    secret = base64.b64decode(str(opened["code_secret"]))
    cose = base45.b45decode(str(opened["cose_b45"]))
    return rotating_text(cose, rotating_code(secret, time.time()))


def _poster(settings: Settings) -> dict[str, str]:
    day = datetime.now(ZoneInfo(noon_zone())).date().isoformat()
    query = parse_qs(urlsplit(poster_url(base_url="http://x", secret=settings.secret_key or "",
                                         site=settings.site, day=day)).query)
    return {"site": settings.site, "day": query["d"][0], "poster_code": query["k"][0]}


def _invite_and_open(api: httpx.Client, name: str) -> tuple[str, dict[str, object]]:
    start = datetime.now(UTC) + timedelta(minutes=5)
    r = api.post("/api/visits", json={
        "visitor_name": name, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "zones": ["lobby"], "doors": [],
        "room": "3F Sakura"}, headers=_bearer(api, HOST))
    assert r.status_code == 201, r.text
    token = r.json()["pass_url"].rsplit("/p/", 1)[1]
    opened = api.post(f"/api/p/{token}/open", json={"device_id": f"phone-{token[:16]}"})
    assert opened.status_code == 200, opened.text
    return token, opened.json()


def _check_in(api: httpx.Client, settings: Settings, token: str,
              opened: dict[str, object]) -> dict[str, object]:
    """Scan the lobby poster; returns the pass as reopened after check-in."""
    secret = base64.b64decode(str(opened["code_secret"]))
    r = api.post("/api/checkin", json={**_poster(settings), "token": token,
                                       "code": rotating_code(secret, time.time())})
    assert r.status_code == 200 and r.json()["status"] == "checked_in", r.text
    again = api.post(f"/api/p/{token}/open", json={"device_id": f"phone-{token[:16]}"})
    assert again.status_code == 200, again.text
    return dict(again.json())


def _bearer(api: httpx.Client, email: str) -> dict[str, str]:
    r = api.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.timeout(300)
def test_two_servers_behind_nginx_one_killed_mid_story(
        tmp_path: Path, database_url: str, broker: Mosquitto, site: str) -> None:
    needs_postgres(database_url)
    need_nginx()
    kek = make_kek()
    gate, exit_gate, bulk = f"gate-{site}", f"exit-{site}", f"bulk-{site}"
    servers = {name: ServerProcess(
        data_dir=tmp_path / name, database_url=f"{database_url}?application_name=og-{name}",
        mqtt_url=broker.url, site=site) for name in ("a", "b")}
    proxy = Nginx(tmp_path / "nginx", [s.port for s in servers.values()])
    env = {"OFFICEGATE_KEY_ENCRYPTION_KEY": kek, "OFFICEGATE_MQTT_SHARE_GROUP": "og",
           "OFFICEGATE_BASE_URL": proxy.url, "OFFICEGATE_OFFLINE_ALERT_SECONDS": "1",
           "OFFICEGATE_TIMEZONE": noon_zone()}
    for server in servers.values():
        server.env.update(env)
    a, b = servers["a"], servers["b"]
    settings = Settings(data_dir=tmp_path / "setup", database_url=database_url, site=site,
                        key_encryption_key=kek)  # type: ignore[arg-type]
    key = a.prepare()
    with database_session(settings) as db:  # resolves the shared session secret too
        for email, role in ((HOST, "host"), (STAFF, "staff")):
            create_user(db=db, email=email, password=PASSWORD, role=role, name=role.title())
        for device in (gate, exit_gate, bulk):
            create_device(db=db, name=device, kind="gate", zone="lobby", site=site)
    agents, feeds, edge = [], [], None
    try:
        a.start()  # a first: it takes the lead of every sweep before b exists
        wait_for(f"server a to lead {SWEEP}", lambda: job_leader(database_url, SWEEP) == "og-a")
        b.start()
        proxy.start()
        agents = [gate_agent(device=d, site=site, mqtt_url=broker.url, data_dir=tmp_path / d)
                  for d in (gate, exit_gate)]
        for agent in agents:
            wait_for("the gates' keys and config", lambda agent=agent: bool(
                agent.verifier.keys.keys) and agent.verifier.config is not None)
        api = httpx.Client(base_url=proxy.url, timeout=20)
        r = api.put(f"/api/sites/{site}/arrival", headers=_bearer(api, STAFF), json={
            "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 80, "approach_m": 1000,
            "checkin_zones": ["lobby"], "exit_devices": [exit_gate], "timezone": noon_zone()})
        assert r.status_code == 200, r.text

        # The host signs in (a cookie one server signs, the other reads) and opens the page;
        # nginx deals requests round robin: open until the page is on server a.
        page = httpx.Client(base_url=proxy.url, timeout=20)
        assert page.post("/login", data={"email": HOST, "password": PASSWORD,
                                         "next": "/host"}).status_code == 303
        for _ in range(6):
            feed = Feed(proxy.url, page.cookies)
            feeds.append(feed)
            assert feed.opened.wait(20) and feed.status == 200, feed.status
            if feed.upstream == f"127.0.0.1:{a.port}":
                break
            feed.close()
        assert feed.upstream == f"127.0.0.1:{a.port}", "nginx never chose server a"

        # Aiko is invited, opens her pass, checks in at the poster: the host sees it live.
        token, opened = _invite_and_open(api, "Aiko Tanaka")
        opened = _check_in(api, settings, token, opened)
        wait_for("the check-in on the host's page", lambda: "checked_in" in feed.kinds())
        seen_id = feed.ids[feed.kinds().index("checked_in")]
        assert agents[0].present([_phone_text(opened)])[0].accepted  # the lobby gate opens

        # Gates keep sending; server a (sweeps, the host's page) dies mid-stream.
        edge = EdgeRun(data_dir=tmp_path / "bulk", device=bulk, site=site, mqtt_url=broker.url,
                       key=key, scans=300, pause=0.01).start()
        edge.wait_for(100)
        a.kill()
        assert feed.closed.wait(20), "the page's stream outlived its server"
        # Aiko leaves through the exit gate while the host's page is reconnecting.
        assert agents[1].present([_phone_text(opened)])[0].accepted

        # The page reconnects as EventSource does, with Last-Event-ID, through the proxy.
        again = Feed(proxy.url, page.cookies, last_event_id=seen_id)
        feeds.append(again)
        assert again.opened.wait(20) and again.status == 200, again.status
        assert again.upstream.endswith(f"127.0.0.1:{b.port}"), again.upstream
        wait_for("the missed check-out", lambda: "checked_out" in again.kinds())
        # ... and is live: Ken checks in now, and the host sees it once, after the missed one.
        token2, opened2 = _invite_and_open(api, "Ken Sato")
        _check_in(api, settings, token2, opened2)
        wait_for("Ken's check-in live", lambda: again.kinds().count("checked_in") == 1)
        assert again.kinds() == ["checked_out", "checked_in"], again.kinds()
        assert int(again.ids[0]) > int(seen_id)

        # Nothing lost: every event the gates sent is stored exactly once.
        print(edge.finish())
        committed = edge.committed()
        stored = wait_for("every bulk event stored", lambda: (
            lambda ids: ids if set(committed) <= set(ids) else None)(
                stored_ids(database_url, bulk)), timeout=30)
        story = stored_ids(database_url, gate) + stored_ids(database_url, exit_gate)
        print(f"\n[two servers] bulk committed={len(committed)} stored={len(stored)} "
              f"duplicates={sum(n > 1 for n in Counter(stored).values())} story={len(story)}")
        assert len(committed) == 300 and sorted(stored) == sorted(committed)
        assert len(story) == 2 == len(set(story))
        # ... including what the broker had dealt to a's sessions: b took them over.
        assert "took over the share of" in (b.data_dir / "server.log").read_text()

        # Sweeps still run: b took the lead and raises the alert for a gate gone offline.
        wait_for(f"server b to take over {SWEEP}",
                 lambda: job_leader(database_url, SWEEP) == "og-b", timeout=30)
        agents.pop().close()  # the exit gate goes offline
        wait_for("the offline alert", lambda: rows(
            database_url, "SELECT id FROM alerts WHERE device = :d AND kind = 'device_offline'",
            d=exit_gate), timeout=30)
    finally:
        for feed in feeds:
            feed.close()
        for agent in agents:
            agent.close()
        if edge is not None and edge.process is not None and edge.process.poll() is None:
            edge.kill()
        proxy.stop()
        for server in servers.values():
            server.kill()
