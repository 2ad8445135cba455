"""The HTTP guard tests run on the messaging tests' server: every channel configured, so the
webhooks are live and signed bodies reach their parsers."""

from messaging.conftest import (  # noqa: F401 (fixtures)
    cheap_argon2,  # an autouse fixture: test-sized hashing cost, as in every server folder
    client,
    fake_platform,
    messaging_config,
    office,
    settings,
    smtp_server,
)
