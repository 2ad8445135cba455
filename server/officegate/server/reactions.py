"""Who reacts to which journey event: the one table of subscriptions.

A grep for an event kind here finds everything that happens because of it. Each row is
(kind, reaction); ``subscribe_reactions`` subscribes them all on the runtime's journey bus and
returns the unsubscribe functions, which the runtime calls when it stops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from officegate.server.journey import EVERY_KIND, Handler, JourneyEvent, Kind, Unsubscribe
from officegate.server.proactive import service as proactive

if TYPE_CHECKING:
    from officegate.server.runtime import ServerRuntime

Reaction = tuple[Kind | Literal["*"], Handler]


def table(rt: ServerRuntime) -> list[Reaction]:
    """Every reaction of the running server, in the order they are called for an event."""
    assert rt.arrival is not None and rt.drink_push is not None  # noqa: S101 -- started
    assert rt.vending is not None and rt.messaging is not None  # noqa: S101
    messaging = rt.messaging

    def on_the_timeline(event: JourneyEvent) -> None:
        proactive.handle(messaging, event)

    arrival, vending, drinks = rt.arrival, rt.vending, rt.drink_push
    return [
        # The host hears of each step of the arrival (e-mail, apprise, Web Push, live feed).
        (Kind.APPROACHING, arrival.notify_host),
        (Kind.ARRIVED, arrival.notify_host),
        (Kind.CHECKED_IN, arrival.notify_host),
        (Kind.HELD_FOR_APPROVAL, arrival.notify_host),
        (Kind.CHECKED_OUT, arrival.notify_host),
        # Passing a gate may offer a drink, and checks the visitor in (if not yet).
        (Kind.GATE_PASSED, vending.on_gate_passed),
        (Kind.GATE_PASSED, arrival.gate_passed),
        (Kind.DRINK_OFFERED, drinks.offered),
        # Every step lands on the visitor's timeline; some send a proactive message.
        (EVERY_KIND, on_the_timeline),
    ]


def subscribe_reactions(rt: ServerRuntime) -> list[Unsubscribe]:
    """Subscribe the whole table on ``rt``'s journey bus; returns the unsubscribe functions."""
    return [rt.state.journey.subscribe(kind, handler) for kind, handler in table(rt)]
