"""Chapter 2: the rotating QR opens the lobby gate once; an old screenshot is denied."""

from __future__ import annotations

import time

from officegate.demo.chapters.context import GATE, Story
from officegate.demo.stack import StoryError, wait_for
from officegate.protocol import Reason


def play(story: Story) -> None:
    stack = story.stack
    visitor = story.the_visitor()
    _agent, board, _camera = stack.gates[GATE]
    decisions = stack.show_to_gate(GATE, visitor.screen, frames=30)
    accepted = [d for d in decisions if d.accepted]
    if len(accepted) != 1 or board.relay_energised() != 1:
        raise StoryError(f"the gate should open once for Aiko, decisions: "
                         f"{[d.reason.value for d in decisions]}")
    story.step(GATE, f"Aiko holds the phone to the camera for 30 frames -> gate opens once "
               f"(scan to unlock {_latest_latency(story)})", ok=True)

    staff = stack.token("admin")
    wait_for("the access event to reach the server's log",
             lambda: any(e["reason"] == "accepted" for e in stack.access_events(staff)))
    story.step("access log", "accepted event stored on the server (QoS 1, stored once by id)")

    screenshot = visitor.screenshot_at(time.time() - 60)
    denied = stack.show_to_gate(GATE, screenshot, frames=10)
    if not denied or denied[0].reason is not Reason.STALE_CODE:
        raise StoryError(f"a one-minute-old screenshot should be denied, got "
                         f"{[d.reason.value for d in denied]}")
    story.step(GATE, f"someone shows a screenshot of Aiko's QR taken a minute ago -> denied: "
               f"{denied[0].reason.value} ({denied[0].detail}); red LED, gate stays shut",
               ok=False)
    wait_for("the denial to reach the server's log",
             lambda: any(e["reason"] == "stale_code" for e in stack.access_events(staff)))
    story.step("access log", "denial stored with its reason")


def _latest_latency(story: Story) -> str:
    events = story.stack.edge_events
    if events and events[-1].latency_ms is not None:
        return f"{events[-1].latency_ms:.1f} ms"
    return "not measured"
