"""The ``officegate`` command. Each installed part adds its own commands through the
``officegate.commands`` entry point group (server: ``server``, ``user``, ``device``,
``broker-config``; edge: ``edge``, ``scan``; simulator: ``demo``), so an edge install (a Pi,
without FastAPI and SQLAlchemy) has exactly the edge's commands and imports no server code.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer
from rich.console import Console

GROUP = "officegate.commands"
console = Console()  # what a command tells the person at the terminal
err = Console(stderr=True)  # what went wrong


def setup_logging(verbose: bool) -> None:
    """Log to stderr: INFO when ``verbose`` (services), else warnings only."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def build_app() -> typer.Typer:
    """The CLI with the commands of every installed part (by entry point, sorted by name)."""
    app = typer.Typer(
        name="officegate",
        help="OfficeGate: a reception desk that is only a QR code.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        app.add_typer(point.load())
    return app


def main() -> None:
    """Console-script entry: build the CLI and run it."""
    build_app()()
