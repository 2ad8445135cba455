"""``officegate edge`` and ``officegate scan``: what runs on a Pi at a gate, door or vending
machine."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from officegate.cli import console, err, setup_logging

app = typer.Typer()


def _stop_on_signals() -> None:
    """SIGTERM (systemd, docker stop) and SIGINT (Ctrl-C) end the agent through its cleanup
    (outbox closed, pins released), whatever the parent left them as: a background job starts
    with SIGINT ignored, and SIGTERM would otherwise end the process on the spot."""
    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)



@app.command()
def edge(
    config: Annotated[Path, typer.Option("--config", "-c", help="Edge config file (.toml).")],
) -> None:
    """Run an edge agent (gate, door or vending machine) from its config file."""
    setup_logging(True)  # a service: every decision is logged at INFO
    from officegate.edge.agent import EdgeAgent
    from officegate.edge.config import ConfigError, EdgeConfig

    try:
        cfg = EdgeConfig.load(config)
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    url = os.environ.get("OFFICEGATE_EDGE_MQTT_URL")
    if url:  # keeps the broker password out of the config file
        cfg = cfg.model_copy(update={"mqtt_url": url})
    from officegate.edge.camera import CameraUnavailable
    from officegate.edge.decoders import DecoderUnavailable
    from officegate.edge.vending_runner import VendingService

    try:  # a vending machine serves drinks; gates and doors open
        agent: EdgeAgent | VendingService = (
            VendingService(cfg) if cfg.kind == "vending" else EdgeAgent.from_config(cfg))
    except (CameraUnavailable, DecoderUnavailable) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"edge [bold]{cfg.device}[/bold] ({cfg.kind}, zone {cfg.zone}) running")
    _stop_on_signals()
    try:
        agent.run()
    except KeyboardInterrupt:
        pass
    finally:
        agent.close()


@app.command()
def scan(
    images: Annotated[list[Path], typer.Argument(help="Photos or frames to decode.")],
    raw: Annotated[bool, typer.Option(help="Print the QR text only.")] = False,
    decoder: Annotated[str, typer.Option(help="zxing, pyzbar or opencv.")] = "zxing",
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="An edge config: verify with that edge's cached keys."),
    ] = None,
) -> None:
    """Decode QR codes in images and print the text or the gate's decision (for installers)."""
    from officegate.edge.scan import scan_images

    raise typer.Exit(scan_images(images, raw=raw, decoder=decoder, config=config, console=console))
