"""What the chapters of the demo share: the running stack, the people, and the printer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from officegate.demo.stack import Stack
from officegate.firmware_sim.visitor import SimulatedVisitor

GATE = "gate-1"
LOBBY = "lobby"


@dataclass
class Story:
    """The state passed from chapter to chapter."""

    stack: Stack
    console: Console
    host_email: str
    invitation: dict[str, Any] = field(default_factory=dict)
    visitor: SimulatedVisitor | None = None
    opened: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def step(self, who: str, what: str, *, ok: bool | None = None) -> None:
        """Print one line of the timeline: OPEN (green), DENY (red) or ok."""
        marks = {True: "[green]OPEN[/green]", False: "[red]DENY[/red]", None: "[cyan]  ok[/cyan]"}
        elapsed = time.monotonic() - self.started
        self.console.print(f"[dim]{elapsed:6.2f}s[/dim] {marks[ok]} [bold]{who:<11}[/bold] {what}")

    def the_visitor(self) -> SimulatedVisitor:
        if self.visitor is None:
            raise RuntimeError("the invite chapter must run first")
        return self.visitor
