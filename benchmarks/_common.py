"""Shared bits of the benchmarks: distinct real passes, percentiles, where results go."""

from __future__ import annotations

import json
import os
import platform
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.protocol import KeySet, PassClaims, PassKind, SigningKey, issue_pass, pass_secret

RESULTS = Path(__file__).resolve().parent / "results"
NOW = 1_795_424_400.0  # a fixed "now" keeps passes and codes reproducible


def make_site() -> tuple[SigningKey, KeySet]:
    """A fresh EdDSA site key and the keyset an edge would hold."""
    key = SigningKey.generate("EdDSA")
    return key, KeySet("hq", [key.trusted()], version=1)


def visitors(key: SigningKey, count: int, clock: Any, *, dark_every: int = 0) -> list[
        SimulatedVisitor]:
    """``count`` visitors with distinct typical passes (lobby + gate-1 + a room, 12 h)."""
    out = []
    for n in range(count):
        claims = PassClaims(
            issuer="hq", subject=secrets.token_hex(8), pass_id=secrets.token_bytes(8),
            issued_at=int(NOW) - 60, not_before=int(NOW) - 60, expires=int(NOW) + 12 * 3600,
            kind=PassKind.VISITOR, visit_id=100_000 + n, zones=("lobby",),
            doors=("gate-1", "room-301"),
        )
        cose = issue_pass(claims, key)
        dark = bool(dark_every) and n % dark_every == 0
        out.append(SimulatedVisitor(cose, pass_secret(key.code_key, claims.pass_id), clock,
                                    dark=dark))
    return out


def stats_ms(samples_s: list[float]) -> dict[str, float]:
    """mean / p50 / p99 / max in milliseconds of samples in seconds."""
    if not samples_s:
        return {"n": 0}
    arr = np.array(samples_s) * 1000
    return {"n": len(arr), "mean": float(arr.mean()), "p50": float(np.percentile(arr, 50)),
            "p99": float(np.percentile(arr, 99)), "max": float(arr.max())}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "machine": platform.machine(), "processor": platform.processor() or "",
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def save(name: str, result: dict[str, Any]) -> Path:
    """Write ``result`` as benchmarks/results/{name}.json and return the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def fanout_rounds(sent: dict[int, float], arrivals: dict[int, list[float]],
                  edges: int) -> tuple[list[dict[str, Any]], float | None]:
    """Per round (by version): edges reached, last and median edge's latency from the publish
    in ``sent``; and the worst last-edge latency over the rounds every edge got."""
    out = []
    for version, t0 in sent.items():
        times = sorted(arrivals.get(version, []))
        out.append({"round": version, "received": len(times),
                    "last_s": round(times[-1] - t0, 4) if times else None,
                    "p50_s": round(times[len(times) // 2] - t0, 4) if times else None})
    complete = [float(r["last_s"]) for r in out if r["received"] == edges and r["last_s"]]
    return out, max(complete, default=None)


def publish_revocation_rounds(pub: Any, site: str, rounds: int, pause: float,
                              **publish: Any) -> dict[int, float]:
    """Publish ``rounds`` Revocations (1,000 pass ids, versions 1..) on ``pub`` (a connected
    paho client), ``pause`` s apart; returns when each was published (time.time())."""
    from officegate.protocol import topics
    from officegate.protocol.messages import Revocations

    ids = tuple(secrets.token_hex(8) for _ in range(1000))
    sent: dict[int, float] = {}
    for version in range(1, rounds + 1):
        payload = Revocations(site, version, ids).to_json()
        sent[version] = time.time()
        info = pub.publish(topics.site_revocations(site), payload, qos=1, **publish)
        if not publish.get("retain"):
            info.wait_for_publish(10)
        time.sleep(pause)  # let the round finish before the next
    return sent
