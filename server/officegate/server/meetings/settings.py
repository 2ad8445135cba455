"""Settings of meetings and occupancy (the ``meetings`` section of the server's settings:
``OFFICEGATE_MEETINGS_<NAME>``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MeetingSettings(BaseModel):
    """How long to wait for a no-show, how often to sweep and re-read calendar feeds."""

    model_config = ConfigDict(extra="forbid")

    no_show_minutes: int = Field(default=10, ge=1, le=120, title="No-show release",
                                 description="Release a booked room nobody entered after this.")
    sweep_seconds: float = Field(default=30.0, ge=0.5, le=3600, title="Sweep interval",
                                 description="How often meetings are checked for no-shows.")
    feed_refresh_minutes: float = Field(default=15.0, ge=0.05, le=24 * 60,
                                        title="Feed refresh",
                                        description="How often subscribed calendars are read.")
    import_days: int = Field(default=60, ge=1, le=366, title="Import horizon",
                             description="How far ahead recurring events are expanded.")
    parse_seconds: float = Field(default=10.0, ge=0.5, le=300, title="Calendar time budget",
                                 description="A calendar file or feed that takes longer to "
                                             "read is refused (422 calendar_too_costly).")
    parse_memory_mb: int = Field(default=256, ge=32, le=8192, title="Calendar memory budget",
                                 description="Memory one calendar may use while it is read.")
