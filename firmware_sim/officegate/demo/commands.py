"""``officegate demo``: the visitor's story played end to end on this machine."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)

app = typer.Typer()


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


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
    _logging(verbose)
    from officegate.demo.story import run_demo

    raise typer.Exit(run_demo(console=console, once=once, port=port, data_dir=data_dir))
