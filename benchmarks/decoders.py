"""Decoder comparison: read rate and ms per frame of zxing-cpp, pyzbar and OpenCV on hard
simulated camera frames of real rotating passes.

    python benchmarks/decoders.py            # 300 hard frames
    python benchmarks/decoders.py --quick    # 60 hard frames

How it is measured: N frames are rendered up front by firmware_sim's SimulatedCamera with the
``hard=True`` preset (seeded: distance 120-300 px QR, perspective tilt, any rotation, focus
and motion blur, glare in 40% of frames, screen brightness 45-100%, sensor noise, dark mode
in half) showing the rotating QR of 30 distinct real visitor passes. Each decoder then
decodes every frame (BGR as the camera gives it; each decoder converts to gray itself);
time is ``perf_counter`` around ``decode()`` only. A read counts when the exact pass text
comes back; any other text is a misread. Single thread, one decoder at a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NOW, machine, make_site, save, stats_ms, visitors  # noqa: E402

from officegate.edge.decoders import DECODER_NAMES, DecoderUnavailable, make_decoder  # noqa: E402
from officegate.firmware_sim.camera import EASY, HARD, Variation, render_frame  # noqa: E402

PRESETS = {"hard": HARD, "easy": EASY}


def render(count: int, seed: int, variation: Variation = HARD) -> tuple[list[np.ndarray],
                                                                         list[str]]:
    """``count`` frames (``variation`` preset) and the pass text each one shows."""
    key, _keys = make_site()
    people = visitors(key, 30, lambda: NOW, dark_every=2)
    rng = np.random.default_rng(seed)
    frames, texts = [], []
    for n in range(count):
        person = people[n % len(people)]
        frames.append(render_frame(person.screen(), rng, variation))
        texts.append(person.text())
    return frames, texts


def measure(name: str, frames: list[np.ndarray], texts: list[str]) -> dict:
    """Decode every frame with decoder ``name``; read rate, misreads and timings."""
    decoder = make_decoder(name)
    decoder.decode(frames[0])  # warm-up: first call loads tables and allocates
    times, reads, misreads = [], 0, 0
    for frame, text in zip(frames, texts, strict=True):
        start = time.perf_counter()
        found = decoder.decode(frame)
        times.append(time.perf_counter() - start)
        reads += text in found
        misreads += any(t != text for t in found)
    return {"decoder": name, "frames": len(frames), "reads": reads,
            "read_rate": reads / len(frames), "misreads": misreads, "ms": stats_ms(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300, help="hard frames to decode")
    parser.add_argument("--seed", type=int, default=2026, help="camera RNG seed")
    parser.add_argument("--quick", action="store_true", help="60 frames, for a smoke run")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="hard",
                        help="camera variation: hard (default) or easy (steady hand)")
    args = parser.parse_args()
    count = 60 if args.quick else args.frames

    print(f"rendering {count} {args.preset} simulated frames (seed {args.seed}) ...", flush=True)
    frames, texts = render(count, args.seed, PRESETS[args.preset])
    results = []
    for name in DECODER_NAMES:
        try:
            results.append(measure(name, frames, texts))
        except DecoderUnavailable as exc:
            print(f"{name}: skipped ({exc})")
    print(f"\n{'decoder':8} {'read rate':>10} {'misreads':>9} {'mean ms':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7}")
    for r in results:
        ms = r["ms"]
        print(f"{r['decoder']:8} {r['read_rate']:>9.1%} {r['misreads']:>9} {ms['mean']:>8.2f} "
              f"{ms['p50']:>7.2f} {ms['p99']:>7.2f}")
    best = max(results, key=lambda r: (r["read_rate"], -r["ms"]["mean"]))
    print(f"\nbest: {best['decoder']} (most reads, then fastest) - the edge's default decoder")
    print("measured: perf_counter around decode() on pre-rendered 640x480 BGR frames, "
          "single thread; a read = the exact pass text.")
    name = "decoders" if args.preset == "hard" else f"decoders_{args.preset}"
    path = save(name, {"benchmark": "decoders", "frames": count, "seed": args.seed,
                       "preset": args.preset, "machine": machine(), "results": results,
                       "best": best["decoder"]})
    print(f"saved {path}")


if __name__ == "__main__":
    main()
