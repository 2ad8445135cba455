"""The HTTP guard tests run on the messaging tests' server: every channel configured, so the
webhooks are live and signed bodies reach their parsers."""

from messaging.conftest import (  # noqa: F401 (fixtures)
    client,
    fake_platform,
    messaging_config,
    office,
    settings,
    smtp_server,
)
