"""The demo story, one chapter per step of the visitor's journey (DESIGN.md).

Each chapter is a module with ``play(story: Story) -> None`` that drives the real stack and
reports each step with ``story.step(...)``; it raises ``StoryError`` when a step does not
happen. ``CHAPTERS`` is the order they are played in.
"""

from __future__ import annotations

from officegate.demo.chapters import (
    arrival,
    conversation,
    drink,
    invite,
    lobby_gate,
    meeting_room,
)

# conversation goes last
CHAPTERS = [invite, arrival, lobby_gate, drink, meeting_room, conversation]
