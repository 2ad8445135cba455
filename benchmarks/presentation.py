"""Presentations: phone entering the camera's view -> gate open, through the real EdgeAgent.

    python benchmarks/presentation.py                      # 1,000 tuning + 1,000 held-out
    python benchmarks/presentation.py --set tune --count 200 --decoder zxing --camera default

How it is measured: each presentation is drawn from its seed by firmware_sim.presentation
(a visitor's hand coming into view at walking pace, slowing, held; tilt, rotation, screen
brightness, dark mode, glare, moire, defocus; a 30 fps camera with auto-exposure and the motion
blur of the actual motion during each exposure; docs/presentation-model.md). Each visitor has
a distinct real rotating pass (EdDSA). Every frame from the first one with any part of the
phone in view goes through the real ``EdgeAgent.step`` (decoder, offline verifier, SQLite
outbox, gpiozero Actuator on mock pins) with the simulated clock at the frame's time. Time to
open = (frame time - time of the first frame with the phone in view) + the wall time of the
``step`` that energised the relay, as measured here. A presentation not opened within
``--seconds`` of the phone entering the view counts as never opened (its time is infinite in
the percentiles). Seeds 0..count-1 are the tuning set; 1_000_000.. the held-out set, never
looked at while tuning.
Goal: >= 99.9 % opened, median <= 0.2 s, p99 <= 0.4 s.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NOW, machine, save  # noqa: E402

from officegate.edge.actuator import Actuator  # noqa: E402
from officegate.edge.agent import EdgeAgent  # noqa: E402
from officegate.edge.config import EdgeConfig  # noqa: E402
from officegate.edge.decoders import DECODER_NAMES, make_decoder  # noqa: E402
from officegate.firmware_sim.board import SimBoard  # noqa: E402
from officegate.firmware_sim.camera import SimulatedCamera  # noqa: E402
from officegate.firmware_sim.optics import (  # noqa: E402
    DEFAULT_CAMERA,
    SHORT_EXPOSURE,
    CameraSettings,
)
from officegate.firmware_sim.presentation import draw  # noqa: E402
from officegate.firmware_sim.visitor import SimulatedVisitor  # noqa: E402
from officegate.protocol import (  # noqa: E402
    KeySet,
    PassClaims,
    PassKind,
    SigningKey,
    issue_pass,
    pass_secret,
)
from officegate.protocol.messages import DeviceConfig, Revocations  # noqa: E402

CAMERAS = {
    "default": DEFAULT_CAMERA,  # 640x480, auto-exposure up to a whole frame (33 ms)
    "short": SHORT_EXPOSURE,  # 640x480, 4 ms with gain
    "fast": CameraSettings(max_exposure_ms=1.5, max_gain=16.0),  # 640x480, 1.5 ms
    "short-hd": CameraSettings(width=1280, height=960, max_exposure_ms=4.0, max_gain=12.0),
    "fast-hd": CameraSettings(width=1280, height=960, max_exposure_ms=1.5, max_gain=16.0),
}
SETS = {"tune": 0, "holdout": 1_000_000}
GOAL = {"opened": 0.999, "median_s": 0.2, "p99_s": 0.4}


def site_key() -> SigningKey:
    """The same EdDSA site key on every run (reproducible QR codes)."""
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"bench-site").digest())
    return SigningKey(private, hashlib.sha256(b"bench-code").digest())


def visitor(key: SigningKey, seed: int, start: float, qr_error: str = "m") -> SimulatedVisitor:
    """A distinct typical rotating pass for presentation ``seed``."""
    ident = hashlib.sha256(seed.to_bytes(8, "big")).digest()
    claims = PassClaims(
        issuer="hq", subject=ident[:8].hex(), pass_id=ident[8:16],
        issued_at=int(NOW) - 60, not_before=int(NOW) - 60, expires=int(NOW) + 12 * 3600,
        kind=PassKind.VISITOR, visit_id=100_000 + seed % 900_000, zones=("lobby",),
        doors=("gate-1", "room-301"))
    return SimulatedVisitor(issue_pass(claims, key), pass_secret(key.code_key, claims.pass_id),
                            lambda: start, qr_error=qr_error)


class Clock:
    """The simulated wall clock the agent reads."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def gate_agent(decoder: str, data_dir: str, clock: Clock) -> tuple[EdgeAgent, SimBoard]:
    """An offline lobby gate on mock pins that trusts the benchmark's site key."""
    cfg = EdgeConfig(device="gate-1", site="hq", mqtt_url=None, data_dir=Path(data_dir),
                     camera="sim")
    board = SimBoard(cfg.pins)
    agent = EdgeAgent(cfg, frames=SimulatedCamera(), decoder=make_decoder(decoder),
                      actuator=Actuator(cfg.pins, pin_factory=board.factory), clock=clock)
    agent.verifier.update_keys(KeySet("hq", [site_key().trusted()], version=1))
    agent.verifier.update_revocations(Revocations("hq", 1, ()))
    agent.verifier.update_config(DeviceConfig("gate-1", "hq", "gate", "lobby", 1500, False,
                                              10, "normal", 1))
    return agent, board


def run_chunk(job: tuple[list[int], str, str, float, str]) -> list[dict[str, Any]]:
    """Run the presentations ``seeds`` on one agent; one result dict per presentation."""
    seeds, decoder, camera, seconds, qr_error = job
    cv2.setNumThreads(1)
    key = site_key()
    clock = Clock()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        agent, board = gate_agent(decoder, tmp, clock)
        for seed in seeds:
            out.append(present(agent, board, clock, key, seed, camera, seconds, qr_error))
        agent.close()
        board.close()
    return out


def present(agent: EdgeAgent, board: SimBoard, clock: Clock, key: SigningKey, seed: int,
            camera: str, seconds: float, qr_error: str) -> dict[str, Any]:
    """One presentation through ``agent``: when the phone came into view, when it opened."""
    start = NOW + 40.0 * (seed % 10_000)  # codes rotate during some presentations
    person = visitor(key, seed, start, qr_error)
    shown = draw(np.random.default_rng(seed))
    opened_before = len(board.relay_openings())
    first = whole = None
    near = shown.last_mm(200)  # the hand 20 cm before it stops: a camera-independent clock
    frames = 0
    step_ms: list[float] = []
    result: dict[str, Any] = {"seed": seed, "opened_s": None, "dark": shown.dark,
                              "glare": bool(shown.glare_nits), "z_mm": round(shown.hold.z)}
    for t, frame, in_view in shown.film(lambda t: person_screen(person, start + t),
                                        seconds=shown.move_s + seconds + 1, camera=CAMERAS[camera],
                                        seed=seed):
        if first is None:
            if not in_view:
                continue
            first = t
        if t - first > seconds:
            break
        if whole is None and shown.whole_qr_in_view(t, CAMERAS[camera]):
            whole = t
        clock.now = start + t
        began = time.perf_counter()
        decisions = agent.step(frame)
        spent = time.perf_counter() - began
        step_ms.append(spent * 1000)
        frames += 1
        if len(board.relay_openings()) > opened_before:
            assert decisions and decisions[0].accepted, decisions
            result["opened_s"] = t - first + spent
            result["from_whole_qr_s"] = (t - whole + spent) if whole is not None else None
            result["from_last_200mm_s"] = t - near + spent
            break
    agent.actuator.relay.off()
    result.update(frames=frames, step_ms=step_ms)
    return result


def person_screen(person: SimulatedVisitor, at: float) -> np.ndarray:
    """What the visitor's phone shows at ``at`` (redrawn only when the code rotates)."""
    person.clock = lambda: at
    return person.screen()


def summarise(results: list[dict[str, Any]], key: str = "opened_s") -> dict[str, Any]:
    """Shares opened within 0.2/0.5/1 s, never, median and p99 (never = infinite)."""
    times = np.array([r[key] if r.get(key) is not None else math.inf for r in results])
    n = len(times)
    return {"n": n, "within_0.2s": float((times <= 0.2).mean()),
            "within_0.5s": float((times <= 0.5).mean()),
            "within_1s": float((times <= 1.0).mean()),
            "never": float(np.isinf(times).mean()),
            # No interpolation: a never-opened presentation (infinite) must not turn into nan.
            "median_s": float(np.percentile(times, 50, method="inverted_cdf")),
            "p99_s": float(np.percentile(times, 99, method="inverted_cdf"))}


def run_set(name: str, count: int, decoder: str, camera: str, seconds: float,
            workers: int, qr_error: str) -> dict[str, Any]:
    """Run one seed set; returns its summary and the step costs."""
    seeds = [SETS[name] + n for n in range(count)]
    chunks = [(seeds[i::workers], decoder, camera, seconds, qr_error) for i in range(workers)]
    with Pool(workers) as pool:
        results = [r for part in pool.map(run_chunk, chunks) for r in part]
    steps = [ms for r in results for ms in r["step_ms"]]
    summary = summarise(results)
    summary["from_whole_qr"] = summarise(
        [r for r in results if r["opened_s"] is None or r.get("from_whole_qr_s") is not None],
        "from_whole_qr_s")
    summary["from_last_200mm"] = summarise(results, "from_last_200mm_s")
    summary["frames_per_presentation"] = float(np.mean([r["frames"] for r in results]))
    summary["step_ms_p50"] = float(np.percentile(steps, 50))
    summary["step_ms_p99"] = float(np.percentile(steps, 99))
    summary["never_seeds"] = [r["seed"] for r in results if r["opened_s"] is None][:50]
    return summary


def line(label: str, s: dict[str, Any]) -> str:
    """One table row."""
    return (f"| {label} | {s['within_0.2s']:.1%} | {s['within_0.5s']:.1%} | "
            f"{s['within_1s']:.1%} | {s['never']:.1%} | {s['median_s']:.3f} s | "
            f"{s['p99_s']:.3f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="presentations per set")
    parser.add_argument("--set", choices=[*SETS, "both"], default="both")
    parser.add_argument("--decoder", choices=DECODER_NAMES, default="gate")
    parser.add_argument("--camera", choices=sorted(CAMERAS), default="fast")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="how long a visitor holds the phone before giving up")
    parser.add_argument("--workers", type=int, default=2, help="processes (one agent each)")
    parser.add_argument("--qr-error", choices=["l", "m"], default="m",
                        help="error correction level the pass page draws the QR at (M)")
    parser.add_argument("--name", default=None, help="results file name")
    args = parser.parse_args()
    sets = list(SETS) if args.set == "both" else [args.set]
    report: dict[str, Any] = {"benchmark": "presentation", "count": args.count,
                              "decoder": args.decoder, "camera": args.camera,
                              "qr_error": args.qr_error,
                              "seconds": args.seconds, "machine": machine(), "goal": GOAL}
    print(f"{args.count} presentations per set, decoder {args.decoder}, camera {args.camera}, "
          f"QR error correction {args.qr_error.upper()}")
    print("| set | <= 0.2 s | <= 0.5 s | <= 1 s | never | median | p99 |")
    print("|---|---|---|---|---|---|---|")
    for name in sets:
        started = time.time()
        s = run_set(name, args.count, args.decoder, args.camera, args.seconds, args.workers,
                    args.qr_error)
        report[name] = s
        print(line(f"{name}: phone first in view", s))
        print(line(f"{name}: whole QR in the frame", s["from_whole_qr"]))
        print(line(f"{name}: hand 20 cm before it stops", s["from_last_200mm"]))
        print(f"  ({s['frames_per_presentation']:.1f} frames stepped per presentation, step "
              f"p50 {s['step_ms_p50']:.2f} ms p99 {s['step_ms_p99']:.2f} ms; "
              f"{time.time() - started:.0f} s)", flush=True)
        met = (1 - s["never"] >= GOAL["opened"] and s["median_s"] <= GOAL["median_s"]
               and s["p99_s"] <= GOAL["p99_s"])
        print(f"  goal (>= 99.9 % opened, median <= 0.2 s, p99 <= 0.4 s): "
              f"{'met' if met else 'MISSED'}")
    name = args.name or f"presentation_{args.decoder}_{args.camera}_{args.qr_error}"
    print(f"saved {save(name, report)}")


if __name__ == "__main__":
    main()
