"""``officegate scan IMAGE...``: what a gate would read and decide, for installers.

Decodes each image with the chosen decoder and prints the QR text (``--raw``) or, given an
edge config, the decision that edge would make with its cached keys, revocations and door
config. Without a config it says what the pass claims, marked as not verified.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
from rich.console import Console
from rich.markup import escape

from officegate.edge.cache import EdgeCache
from officegate.edge.config import ConfigError, EdgeConfig
from officegate.edge.decoders import DecoderUnavailable, make_decoder
from officegate.protocol import MalformedPass, PassClaims, parse_text
from officegate.protocol.cose import decode_sign1, loads_exact


def scan_images(images: list[Path], *, raw: bool, decoder: str, config: Path | None,
                console: Console) -> int:
    """Scan ``images``; returns the exit code (0: every image held a readable QR)."""

    def say(message: str, **kwargs: object) -> None:
        # One line per finding, never wrapped, so installers can grep or pipe it.
        console.print(message, soft_wrap=True, **kwargs)  # type: ignore[arg-type]

    try:
        reader = make_decoder(decoder)
    except (DecoderUnavailable, ValueError) as exc:
        say(f"[red]{escape(str(exc))}[/red]")
        return 2
    verifier = None
    if config is not None:
        from officegate.edge.agent import build_verifier

        try:
            cfg = EdgeConfig.load(config)
        except ConfigError as exc:
            say(f"[red]{escape(str(exc))}[/red]")
            return 2
        verifier = build_verifier(cfg, EdgeCache(cfg.data_dir / "cache"))
    status = 0
    for path in images:
        # What an image or a QR says is data, never Rich markup ("[/red]" would crash it).
        name = escape(str(path))
        frame = cv2.imread(str(path))
        if frame is None:
            say(f"{name}: [red]not an image OpenCV can read[/red]")
            status = 1
            continue
        started = time.perf_counter()
        texts = reader.decode(frame)
        ms = (time.perf_counter() - started) * 1000
        if not texts:
            say(f"{name}: [yellow]no QR code found[/yellow] ({reader.name}, {ms:.1f} ms)")
            status = 1
            continue
        for text in texts:
            if raw:
                say(text, markup=False, highlight=False)
            elif verifier is not None:
                decision = verifier.decide(text, time.time())
                if decision is not None:
                    colour = "green" if decision.accepted else "red"
                    say(f"{name}: [{colour}]{decision.reason.value}[/{colour}] "
                        f"{escape(decision.detail)}", highlight=False)
            else:
                say(f"{name}: {escape(describe(text))}", highlight=False)
    return status


def describe(text: str) -> str:
    """A one-line, unverified description of scanned text (never raises)."""
    try:
        scanned = parse_text(text)
        message = decode_sign1(scanned.cose)
        claims = PassClaims.from_cbor_map(loads_exact(message.payload))
    except MalformedPass as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - any undecodable text is just "malformed"
        return f"not an OfficeGate pass ({type(exc).__name__})"
    kind = "printed pass" if scanned.static else f"rotating code {scanned.code}"
    kid = message.kid.hex() if message.kid else "none"
    return (f"OfficeGate pass {claims.pass_id_hex} ({kind}, kid {kid}, site {claims.issuer}, "
            f"zones {list(claims.zones)}, doors {list(claims.doors)}) - signature NOT checked: "
            f"pass --config EDGE.toml to decide as that edge would")
