"""A Pi's budget: instructions and time per frame of the gate's decision path, by kind of frame.

    python benchmarks/pi_budget.py                 # both readers, callgrind + wall time
    python benchmarks/pi_budget.py --decoder gate  # one reader

How it is measured: frames of presentations (firmware_sim.presentation, short exposure) are
rendered first, sorted into four kinds - idle lobby (no phone), searching (phone in view and
moving, not yet read), deciding (a new pass held still: decode + EdDSA + TOTP + relay + outbox)
and holding (the same accepted pass still in view) - then put through the real
``EdgeAgent.step``, K frames per kind. Instructions are counted by valgrind's callgrind (exact
and stable on a shared machine): the run dumps its counters at a marker call (``getppid``)
between kinds, so each part holds exactly that kind's K steps. Time is ``perf_counter`` around
each step in a separate run without valgrind. Under valgrind OpenCV's AVX paths are switched
off (valgrind 3.19 cannot decode them), which if anything raises the count. The Raspberry Pi 4
figures are estimates: see the README (Pi budget) for the conversion.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NOW, machine, save  # noqa: E402
from presentation import SHORT_EXPOSURE, Clock, gate_agent, site_key, visitor  # noqa: E402

from officegate.firmware_sim.presentation import draw  # noqa: E402

KINDS = ("idle", "searching", "deciding", "holding")
FRAME_MS = 1000 / 30
#: Raspberry Pi 4: Cortex-A72 at 1.5 GHz; ~1 instruction per cycle on this kind of code, and
#: ~1.5 AArch64 instructions per x86-64 one where SIMD does the work (NEON is half AVX2's width).
PI4_INSTRUCTIONS_PER_S = 1.5e9
ARM_PER_X86 = 1.5
OPENCV_AVX = ("AVX512_SKX,AVX512_ICL,AVX512_CLX,AVX512_CNL,AVX512_COMMON,AVX512_KNL,"
              "AVX512_KNM,AVX2,FMA3,AVX,FP16,F16C")


def frames_by_kind(count: int) -> dict[str, list[tuple[int, np.ndarray]]]:
    """``count`` frames of each kind, with the presentation seed each one shows."""
    out: dict[str, list[tuple[int, np.ndarray]]] = {k: [] for k in KINDS}
    key = site_key()
    seed = 0
    while min(len(v) for v in out.values()) < count:
        seed += 1
        shown = draw(np.random.default_rng(seed))
        person = visitor(key, seed, NOW)
        screen = person.screen()
        for t, frame, in_view in shown.film(lambda _t, s=screen: s, seconds=shown.move_s + 0.6,
                                            camera=SHORT_EXPOSURE, seed=seed):
            kind = ("idle" if not in_view else "searching" if t < shown.move_s - 0.1
                    else "holding" if t > shown.move_s + 0.3 else "deciding")
            if len(out[kind]) < count and (kind != "deciding" or not any(
                    s == seed for s, _ in out[kind])):
                out[kind].append((seed, frame))
    return out


def save_frames(frames: dict[str, list[tuple[int, np.ndarray]]], path: Path) -> None:
    """Keep rendered frames for the run under valgrind (rendering there would take an age)."""
    np.savez(path, **{f"{kind}_{n}_{seed}": frame for kind, items in frames.items()
                      for n, (seed, frame) in enumerate(items)})


def load_frames(path: Path) -> dict[str, list[tuple[int, np.ndarray]]]:
    """Frames saved by :func:`save_frames`, in their order."""
    out: dict[str, list[tuple[int, int, np.ndarray]]] = {k: [] for k in KINDS}
    with np.load(path) as data:
        for name in data.files:
            kind, n, seed = name.rsplit("_", 2)
            out[kind].append((int(n), int(seed), data[name]))
    return {k: [(seed, f) for _n, seed, f in sorted(v, key=lambda x: x[0])]
            for k, v in out.items()}


def inner(decoder: str, frames: dict[str, list[tuple[int, np.ndarray]]]) -> dict[str, Any]:
    """Step every kind's frames, marking the boundaries; returns per-kind ms and reads."""
    cv2.setNumThreads(1)
    clock = Clock()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        agent, board = gate_agent(decoder, tmp, clock)
        # Holding needs its pass accepted first; then enough empty frames that the reader
        # has forgotten where that code was (an idle lobby, not the 0.2 s after a visitor).
        for _seed, frame in frames["holding"][:3]:
            agent.step(frame)
        for n in range(10):
            agent.step(frames["idle"][n % len(frames["idle"])][1])
        for kind in KINDS:
            os.getppid()  # marker: callgrind dumps its counters here (--dump-before=getppid)
            times, decided = [], 0
            for _seed, frame in frames[kind]:
                clock.now = NOW + 1.0
                began = time.perf_counter()
                decided += len(agent.step(frame))
                times.append((time.perf_counter() - began) * 1000)
                agent.actuator.relay.off()
            result[kind] = {"frames": len(times), "decisions": decided,
                            "ms_p50": float(np.percentile(times, 50)),
                            "ms_mean": float(np.mean(times))}
        os.getppid()
        agent.close()
        board.close()
    return result


def callgrind(decoder: str, frames_file: Path) -> dict[str, int]:
    """Instructions per kind (whole K frames) under callgrind."""
    with tempfile.TemporaryDirectory() as out:
        base = f"{out}/cg.out"
        # valgrind 3.19 cannot decode some of OpenCV's AVX code: OpenCV falls back to SSE4
        # (OpenCV's share of a step is small: colour conversion, and resizing in retries).
        env = {**os.environ, "OPENCV_CPU_DISABLE": OPENCV_AVX}
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={base}",
                        "--dump-before=getppid", sys.executable, __file__, "--inner",
                        str(frames_file), "--decoder", decoder],
                       check=True, capture_output=True, env=env)
        totals = {_part(p.name): int(re.search(r"^summary: (\d+)", p.read_text(),  # type: ignore[union-attr]
                                                re.M).group(1))
                  for p in Path(out).glob("cg.out*")}
    # Dump 1 is start-up and loading the frames (up to the first marker); dumps 2..5 are the
    # kinds in order; the one at exit has no number.
    return {kind: totals[2 + n] for n, kind in enumerate(KINDS)}


def _part(name: str) -> int:
    match = re.search(r"\.(\d+)$", name)
    return int(match.group(1)) if match else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decoder", choices=["zxing", "gate", "both"], default="both")
    parser.add_argument("--frames", type=int, default=12, help="frames of each kind")
    parser.add_argument("--inner", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-callgrind", action="store_true", help="time only")
    args = parser.parse_args()
    if args.inner:
        inner(args.decoder, load_frames(args.inner))
        return
    frames = frames_by_kind(args.frames)
    frames_file = Path(tempfile.mkdtemp()) / "frames.npz"
    save_frames(frames, frames_file)
    report: dict[str, Any] = {"benchmark": "pi_budget", "frames": args.frames,
                              "machine": machine(), "pi4_instructions_per_s":
                              PI4_INSTRUCTIONS_PER_S, "arm_per_x86": ARM_PER_X86}
    decoders = ["zxing", "gate"] if args.decoder == "both" else [args.decoder]
    print("| reader | frame | decisions | ms p50 (here) | M instr. (x86-64) | Pi 4 ms (est.) |")
    print("|---|---|---|---|---|---|")
    for decoder in decoders:
        timing = inner(decoder, frames)
        instr = {} if args.no_callgrind else callgrind(decoder, frames_file)
        for kind in KINDS:
            row = timing[kind]
            if kind in instr:
                row["minstr"] = instr[kind] / row["frames"] / 1e6
                row["pi4_ms_est"] = (row["minstr"] * 1e6 * ARM_PER_X86
                                     / PI4_INSTRUCTIONS_PER_S * 1000)
            print(f"| {decoder} | {kind} | {row['decisions']}/{row['frames']} | "
                  f"{row['ms_p50']:.2f} | {row.get('minstr', float('nan')):.1f} | "
                  f"{row.get('pi4_ms_est', float('nan')):.1f} |", flush=True)
        if "idle" in instr:
            idle = timing["idle"]["minstr"] * 1e6 * 30 * ARM_PER_X86 / PI4_INSTRUCTIONS_PER_S
            timing["idle_pi4_core_share"] = idle
            print(f"  {decoder}: idle lobby at 30 fps ~ {idle:.0%} of one Pi 4 core (est.)")
        report[decoder] = timing
    budget_x86 = PI4_INSTRUCTIONS_PER_S * FRAME_MS / 1000 / ARM_PER_X86 / 1e6
    report["budget_minstr_x86_per_decision"] = budget_x86
    print(f"budget: one decision within one frame ({FRAME_MS:.1f} ms) on a Pi 4 = "
          f"{PI4_INSTRUCTIONS_PER_S * FRAME_MS / 1e9:.0f} M AArch64 instructions ~ "
          f"{budget_x86:.0f} M x86-64 instructions as counted here")
    print(f"saved {save(f'pi_budget_{args.decoder}', report)}")


if __name__ == "__main__":
    main()
