"""Hostile calendar files against a real server: how fast each is refused, and whether the
server keeps answering other requests meanwhile.

    python benchmarks/hostile_calendar.py

How it is measured: the real stack in one process (embedded broker, FastAPI over real HTTP
with uvicorn, SQLite in a temp dir). Each file is POSTed to ``/api/meetings/import`` as a
host; the clock (``perf_counter``) runs from the request to its answer. While the slowest
file is being read, a second thread sends ``GET /api/rooms`` back to back and records each
answer's latency: before issue 12 the import ran on the event loop, so those waited minutes.
Files: the issue's 196-byte ``RRULE:FREQ=SECONDLY`` file; a quarter-hourly rule starting in
1900 (passes the frequency check, expands for ~10 s and ~270 MB: the time budget's case); a
normal 60-series calendar (1,485 occurrences in the 60-day window).
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from _common import machine, save, stats_ms  # noqa: E402

from officegate.demo.stack import Account, Stack  # noqa: E402


def _ics(events: list[tuple[str, str]]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for n, (dtstart, rule) in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:bench-{n}@example.com", f"DTSTART:{dtstart}",
                  "DURATION:PT30M", f"RRULE:{rule}", "SUMMARY:x", "END:VEVENT"]
    return ("\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n").encode()


def files() -> dict[str, bytes]:
    soon = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y%m%dT090000Z")
    normal = [(f"2025{m:02d}01T{9 + n % 8:02d}0000Z",
               ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=WEEKLY", "FREQ=MONTHLY"][n % 4])
              for n, m in ((n, n % 12 + 1) for n in range(60))]
    return {"secondly_196_bytes": _ics([(soon, "FREQ=SECONDLY")]),
            "quarter_hourly_since_1900": _ics([("19000101T090000Z",
                                                "FREQ=HOURLY;BYMINUTE=0,15,30,45")]),
            "normal_60_series": _ics(normal)}


def _probe(base_url: str, headers: dict[str, str], stop: threading.Event,
           latencies: list[float]) -> None:
    """GET /api/rooms back to back on its own connection until ``stop``."""
    with httpx.Client(base_url=base_url, timeout=600) as http:
        while not stop.is_set():
            start = time.perf_counter()
            http.get("/api/rooms", headers=headers).raise_for_status()
            latencies.append(time.perf_counter() - start)


def main() -> None:
    stack = Stack(data_dir=Path(tempfile.mkdtemp(prefix="og-bench-ics-")), site="hq")
    host = Account("host@bench.test", secrets.token_urlsafe(12), "host", "Bench Host")
    admin = Account("admin@bench.test", secrets.token_urlsafe(12), "admin", "Bench Admin")
    stack.start(accounts=[admin, host], gates=[("door-1", "rooms")])
    results: dict[str, object] = {}
    try:
        http = stack.http
        staff = {"Authorization": f"Bearer {stack.token('admin')}"}
        hosting = {"Authorization": f"Bearer {stack.token('host')}",
                   "Content-Type": "text/calendar"}
        http.post("/api/rooms", headers=staff, json={"name": "sakura", "label": "Sakura",
                                                     "door": "door-1"}).raise_for_status()
        for name, data in files().items():
            others: list[float] = []
            stop = threading.Event()
            prober = threading.Thread(target=_probe, args=(stack.base_url, staff, stop, others))
            prober.start()
            start = time.perf_counter()
            r = http.post("/api/meetings/import", params={"room": "sakura"}, content=data,
                          headers=hosting, timeout=60)
            took = time.perf_counter() - start
            stop.set()
            prober.join()
            code = r.json().get("detail", {}).get("code") if r.status_code != 200 else "ok"
            results[name] = {"bytes": len(data), "status": r.status_code, "code": code,
                             "answered_ms": round(took * 1000, 1),
                             "other_requests_meanwhile_ms": stats_ms(others)}
    finally:
        stack.stop()
    path = save("hostile_calendar", {"benchmark": "hostile_calendar", "files": results,
                                     "machine": machine()})
    for name, row in results.items():
        assert isinstance(row, dict)
        other = row["other_requests_meanwhile_ms"]
        print(f"{name:28} {row['bytes']:6d} B -> {row['status']} {row['code']:24} in "
              f"{row['answered_ms']:8.1f} ms; other requests meanwhile p99 {other['p99']:6.1f}"
              f" max {other['max']:6.1f} ms (n={other['n']})")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
