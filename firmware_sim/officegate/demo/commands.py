"""``officegate demo``: the visitor's story played end to end on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from officegate.cli import console, setup_logging

app = typer.Typer()



@app.command()
def demo(
    once: Annotated[
        bool, typer.Option(help="Exit after the story (exit code 0 = it worked).")
    ] = False,
    port: Annotated[
        int, typer.Option(help="HTTP port of the demo server (0 = any free one).")
    ] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option(help="Keep the demo's database and keys here (default: temp).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Play the visitor's story end to end: invite, pass, rotating QR, gate, access log."""
    setup_logging(verbose)
    from officegate.demo.story import run_demo

    raise typer.Exit(run_demo(console=console, once=once, port=port, data_dir=data_dir))
