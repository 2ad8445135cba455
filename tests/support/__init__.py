"""Helpers the test folders share: pollers, MQTT session clean-up, local HTTP receivers and the
office every server test starts from. ``tests/`` is on ``sys.path`` (pytest's rootdir conftest),
so tests import these as ``from support.polling import wait_until``."""
