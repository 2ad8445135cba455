"""Scan-to-unlock latency: a camera frame handed to the real edge agent -> lock relay energised.

    python benchmarks/scan_to_unlock.py           # 300 scans of distinct passes
    python benchmarks/scan_to_unlock.py --quick   # 60 scans

How it is measured: the real EdgeAgent (zxing-cpp decoder, offline verifier with an EdDSA
keyset, SQLite outbox, gpiozero Actuator) runs on a gpiozero MockFactory whose pins record a
``perf_counter`` timestamp when they change (firmware_sim.board.RecordingPin). For each of N
distinct valid visitor passes, one simulated 640x480 frame (the steady-hand preset, rendered
beforehand) is handed to ``agent.step()``; latency = relay pin's rising edge - the
``perf_counter`` just before ``step()``. It covers decode + COSE/EdDSA verify + TOTP check +
replay guard + relay on (the event's fsync into the outbox comes after the relay, so it is
reported separately as the whole step). The "holding" path is the same pass still in front of
the camera: frames that must decide nothing, open nothing and log nothing.
Goal on this 2-core machine: p99 <= 20 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NOW, machine, make_site, save, stats_ms, visitors  # noqa: E402

from officegate.edge.actuator import Actuator  # noqa: E402
from officegate.edge.agent import EdgeAgent  # noqa: E402
from officegate.edge.config import EdgeConfig  # noqa: E402
from officegate.edge.decoders import make_decoder  # noqa: E402
from officegate.firmware_sim.board import SimBoard  # noqa: E402
from officegate.firmware_sim.camera import EASY, SimulatedCamera, render_frame  # noqa: E402
from officegate.protocol.messages import DeviceConfig, Revocations  # noqa: E402

GOAL_P99_MS = 20.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=300, help="distinct passes to scan")
    parser.add_argument("--hold-frames", type=int, default=10,
                        help="frames each of the first 30 passes stays in view after opening")
    parser.add_argument("--seed", type=int, default=2026, help="camera RNG seed")
    parser.add_argument("--quick", action="store_true", help="60 scans, for a smoke run")
    args = parser.parse_args()
    count = 60 if args.quick else args.scans

    clock = Clock()
    key, keys = make_site()
    people = visitors(key, count, clock)
    rng = np.random.default_rng(args.seed)
    print(f"rendering frames for {count} distinct passes ...", flush=True)
    # Up to 3 frames per person: a frame the decoder misses is a retry, as at a real gate.
    frames = [[render_frame(p.screen(), rng, EASY) for _ in range(3)] for p in people]
    held = [[render_frame(p.screen(), rng, EASY) for _ in range(args.hold_frames)]
            for p in people[:30]]

    with tempfile.TemporaryDirectory() as tmp:
        cfg = EdgeConfig(device="gate-1", site="hq", mqtt_url=None, data_dir=Path(tmp),
                         camera="sim")
        board = SimBoard(cfg.pins)
        agent = EdgeAgent(cfg, frames=SimulatedCamera(), decoder=make_decoder("zxing"),
                          actuator=Actuator(cfg.pins, pin_factory=board.factory), clock=clock)
        agent.verifier.update_keys(keys)
        agent.verifier.update_revocations(Revocations("hq", 1, ()))
        agent.verifier.update_config(DeviceConfig("gate-1", "hq", "gate", "lobby", 1500, False,
                                                  10, "normal", 1))
        unlock, whole_step, holding, retries, missed = [], [], [], 0, 0
        for n, person_frames in enumerate(frames):
            clock.now = NOW  # frames were rendered with the code shown at NOW
            opened_before = len(board.relay_openings())
            for attempt, frame in enumerate(person_frames):
                start = time.perf_counter()
                decisions = agent.step(frame)
                end = time.perf_counter()
                if decisions:
                    break
                retries += attempt < 2
            openings = board.relay_openings()
            if len(openings) == opened_before or not decisions[0].accepted:
                missed += 1
                continue
            unlock.append(openings[-1] - start)
            whole_step.append(end - start)
            for frame in held[n] if n < len(held) else []:
                clock.now += 0.1
                start = time.perf_counter()
                extra = agent.step(frame)
                holding.append(time.perf_counter() - start)
                assert not extra, f"a held pass must not be decided twice: {extra}"
            assert len(board.relay_openings()) == opened_before + 1, "held pass opened again"
            agent.actuator.relay.off()  # ready for the next visitor's rising edge
        events = agent.outbox.pending(count + 10)
        agent.close()
        board.close()

    result = {
        "benchmark": "scan_to_unlock", "scans": count, "seed": args.seed, "decoder": "zxing",
        "machine": machine(), "frame_to_relay_ms": stats_ms(unlock),
        "whole_step_ms": stats_ms(whole_step), "holding_step_ms": stats_ms(holding),
        "retried_frames": retries, "missed_passes": missed, "events_logged": len(events),
        "goal_p99_ms": GOAL_P99_MS,
    }
    relay = result["frame_to_relay_ms"]
    print(f"\nscan-to-unlock over {relay['n']} distinct valid passes (zxing, EdDSA, mock pins):")
    print(f"  frame -> relay energised: p50 {relay['p50']:.2f} ms, p99 {relay['p99']:.2f} ms, "
          f"mean {relay['mean']:.2f} ms, max {relay['max']:.2f} ms")
    step = result["whole_step_ms"]
    print(f"  whole step incl. durable outbox write: p50 {step['p50']:.2f} ms, "
          f"p99 {step['p99']:.2f} ms")
    hold = result["holding_step_ms"]
    if hold.get("n"):
        print(f"  holding (same pass still in view, {hold['n']} frames, no unlock, no event): "
              f"p50 {hold['p50']:.2f} ms, p99 {hold['p99']:.2f} ms")
    print(f"  frames the decoder missed and retried: {retries}; passes never read: {missed}; "
          f"events logged: {len(events)} (one per pass)")
    verdict = "meets" if relay["p99"] <= GOAL_P99_MS else "MISSES"
    print(f"  goal p99 <= {GOAL_P99_MS:.0f} ms: {verdict}")
    print(f"saved {save('scan_to_unlock', result)}")


if __name__ == "__main__":
    main()
