"""A real edge agent in its own process, fed a bounded stream of visitors' rotating passes.

    python edge_driver.py --data-dir D --device gate-1 --site S --mqtt-url URL \
        --key KEYFILE --scans N --ids IDS_FILE [--pause 0.005]

Each scan is a fresh pass with a live rotating code, decided by the real verifier and put in
the real outbox; its event id is appended to IDS_FILE after the outbox committed it. Rerun
with the same data dir and IDS_FILE after a SIGKILL: it carries on to N scans in total. It
exits 0 once every event has left the outbox (broker PUBACK), printing the counts.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import time
from pathlib import Path

from officegate.edge.agent import EdgeAgent
from officegate.edge.config import EdgeConfig
from officegate.protocol import (
    PassClaims,
    PassKind,
    SigningKey,
    issue_pass,
    pass_secret,
    rotating_code,
    rotating_text,
)
from officegate.protocol.messages import AccessEvent, DeviceConfig


def main() -> int:
    """Run the stream; 0 when all events were acknowledged by the broker."""
    parser = argparse.ArgumentParser()
    for name in ("data-dir", "device", "site", "mqtt-url", "key", "ids"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--scans", type=int, required=True)
    parser.add_argument("--pause", type=float, default=0.005)
    parser.add_argument("--drain-timeout", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    key = SigningKey.load(args.key)
    config = EdgeConfig(device=args.device, site=args.site, zone="lobby", mqtt_url=args.mqtt_url,
                        data_dir=Path(args.data_dir), camera="sim", keepalive_seconds=5,
                        heartbeat_seconds=5)
    agent = EdgeAgent.from_config(config)
    # The keys and config the server would have delivered earlier (the edge's cache).
    from officegate.protocol import KeySet

    agent.verifier.update_keys(KeySet(args.site, [key.trusted()], version=0))
    agent.verifier.update_config(DeviceConfig(
        device=args.device, site=args.site, kind="gate", zone="lobby", relay_pulse_ms=100,
        allow_static=False, code_period=10, mode="normal", version=1))
    ids = Path(args.ids)
    done = len(ids.read_text().split()) if ids.exists() else 0
    out = ids.open("a")

    def remember(_decision: object, event: AccessEvent) -> None:
        out.write(event.id + "\n")
        out.flush()

    agent.on_decision = remember
    agent.start()
    accepted = 0
    for _ in range(done, args.scans):
        now = time.time()
        claims = PassClaims(
            issuer=args.site, subject="v" + secrets.token_hex(7), pass_id=secrets.token_bytes(8),
            issued_at=int(now) - 60, not_before=int(now) - 60, expires=int(now) + 3600,
            kind=PassKind.EMPLOYEE, visit_id=None, zones=("lobby",), doors=())
        cose = issue_pass(claims, key)
        code = rotating_code(pass_secret(key.code_key, claims.pass_id), now)
        for decision in agent.present([rotating_text(cose, code)]):
            accepted += decision.accepted
        time.sleep(args.pause)
    deadline = time.monotonic() + args.drain_timeout
    while len(agent.outbox) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = len(agent.outbox)
    print(f"scans={args.scans - done} accepted={accepted} left_in_outbox={left}", flush=True)
    agent.close()
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
