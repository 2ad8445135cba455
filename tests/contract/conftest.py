"""The contract tests run on the messaging tests' server (every channel configured)."""

from messaging.conftest import (  # noqa: F401 (fixtures)
    client,
    fake_platform,
    messaging_config,
    office,
    settings,
    smtp_server,
)
