"""Privacy tests run on the messaging tests' server (every channel on, a real SMTP server),
so a visitor leaves data everywhere a real one would: contact, e-mail, chat, consent."""

from __future__ import annotations

from messaging.conftest import (  # noqa: F401  (fixtures, shared)
    PASSWORD,
    Office,
    bearer,
    client,
    fake_platform,
    invite,
    messaging_config,
    office,
    settings,
    smtp_server,
)

__all__ = ["PASSWORD", "Office", "bearer", "invite"]
