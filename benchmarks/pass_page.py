"""How soon the visitor's QR is on screen: the pass page on a slow phone in a basement lobby.

Chromium (Debian's, headless) opens a real invitation's pass link from a real OfficeGate
server with the conditions of issue 18: 400 ms round trips, 400 kbit/s each way and a CPU
four times slower (Chrome DevTools' network and CPU throttling). Measured from navigation
start to the first QR drawn (the page's ``og:qr-drawn`` performance mark):

- **first open**: a fresh browser profile, nothing cached;
- **from the service worker**: the same phone opening the link again (the worker and the
  page's stored pass answer are in place), still on the slow network.

Also reported: requests and bytes on the wire for the first open. Each round uses a new visit
and a new profile; the figure is the median of ``--rounds``.

    python benchmarks/pass_page.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, save  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
RTT_MS = 400
KBIT_S = 400
CPU_SLOWDOWN = 4
MARK = "og:qr-drawn"
VERBOSE = "--verbose" in sys.argv


def _throttle(page: Any) -> Any:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    # DevTools' latency is added to each request's round trip; throughput is bytes/s.
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": RTT_MS, "downloadThroughput": KBIT_S * 1000 / 8,
        "uploadThroughput": KBIT_S * 1000 / 8})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp


def _wait_for_js(page: Any, expression: str, timeout: float = 60.0) -> None:
    """Poll through DevTools (the page's CSP forbids the eval behind wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.02)


def _time_to_qr(page: Any, url: str) -> float:
    """Seconds from navigation start to the page's first QR."""
    page.goto(url, wait_until="commit")
    _wait_for_js(page, f"performance.getEntriesByName('{MARK}').length > 0")
    return float(page.evaluate(f"performance.getEntriesByName('{MARK}')[0].startTime")) / 1000


def one_round(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=3, is_mobile=True, has_touch=True,
                                  locale="ja-JP")
    try:
        page = context.new_page()
        sent: list[int] = []
        wire: dict[str, int] = {}
        cdp = _throttle(page)
        cdp.on("Network.loadingFinished",
               lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        page.on("request", lambda r: sent.append(1))
        if VERBOSE:  # when each request was sent, waited on, and done (ms from navigation)
            page.on("requestfinished", lambda r: print(
                f"  {r.timing['startTime'] - t0ms:7.0f} wait {r.timing['responseStart']:6.0f}"
                f" end {r.timing['responseEnd']:6.0f} {r.method} {r.url[-50:]}"))
        t0ms = time.time() * 1000
        first = _time_to_qr(page, url)
        requests_before_qr = len(sent)
        # Let the page finish its later work and the service worker install and take over.
        _wait_for_js(page, "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
        page.wait_for_load_state("networkidle", timeout=60_000)
        total_bytes = sum(wire.values())
        total_requests = len(sent)
        page.close()
        again = context.new_page()
        _throttle(again)
        repeat = _time_to_qr(again, url)
        return {"first_open_s": round(first, 3), "from_service_worker_s": round(repeat, 3),
                "requests_before_qr": requests_before_qr, "requests": total_requests,
                "bytes_on_wire": total_bytes}
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="print each request")
    args = parser.parse_args()

    import httpx
    import uvicorn
    from playwright.sync_api import sync_playwright

    from officegate.server.app import create_app
    from officegate.server.auth.service import create_user
    from officegate.server.bootstrap import database_session
    from officegate.server.broker import EmbeddedBroker
    from officegate.server.devices.service import create_device
    from officegate.server.settings import Settings

    broker = EmbeddedBroker()
    address = broker.start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        site = f"b{secrets.token_hex(3)}"
        settings = Settings(data_dir=Path(tmp), site=site, site_name="Test Tower",
                            secret_key="bench-" + "x" * 32, base_url=base)
        app = create_app(settings, broker=address)
        with database_session(settings) as db:
            create_user(db=db, email="host@example.com", password="bench password",
                        role="host", name="Hana Host")
            create_device(db=db, name="gate-1", kind="gate", zone="lobby", site=site)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        api = httpx.Client(base_url=base, timeout=30)
        token = api.post("/api/auth/token", json={"email": "host@example.com",
                                                  "password": "bench password"}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM)
            for n in range(args.rounds):
                now = datetime.now(UTC)
                r = api.post("/api/visits", headers=auth, json={
                    "visitor_name": f"佐藤 花子 {n}", "zones": ["lobby"],
                    "starts_at": (now + timedelta(minutes=5)).isoformat(),
                    "ends_at": (now + timedelta(hours=1)).isoformat()})
                assert r.status_code == 201, r.text
                rounds.append(one_round(browser, r.json()["pass_url"]))
                print(json.dumps(rounds[-1]), flush=True)
            browser.close()
        server.should_exit = True
        time.sleep(0.5)
    broker.stop()

    def median(key: str) -> float:
        return float(statistics.median(r[key] for r in rounds))

    result = {
        "conditions": {"rtt_ms": RTT_MS, "kbit_s": KBIT_S, "cpu_slowdown": CPU_SLOWDOWN,
                       "viewport": "390x844 @3x"},
        "rounds": rounds,
        "first_open_s_median": median("first_open_s"),
        "from_service_worker_s_median": median("from_service_worker_s"),
        "goal": {"first_open_s": 1.5, "from_service_worker_s": 0.3},
        "machine": machine(),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=2))
    print("saved", save("pass_page", result))


if __name__ == "__main__":
    main()
