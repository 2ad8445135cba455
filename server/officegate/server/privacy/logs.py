"""Keeping pass links out of the logs: the link token *is* the visitor's pass.

uvicorn's access log and httpx's request log (the server's outbound calls, and in the demo
the simulated phone) both print URLs; a filter on those loggers masks every token.
"""

from __future__ import annotations

import logging
import re

# Paths that carry a pass link token: the pass page and its APIs (/p/, /api/p/) and the
# pass page's chat (/api/chat/).
_PASS_TOKEN_PATH = re.compile(r"/(p|chat)/[A-Za-z0-9_-]+")
LOGGERS_WITH_URLS = ("uvicorn.access", "httpx")
# Secrets that travel in a query string: WhatsApp's subscription handshake token and the
# lobby poster's daily code (/c/{site}?d=...&k=...).
_SECRET_QUERY = re.compile(r"([?&](?:hub\.verify_token|k)=)[^&\s\"]*")


def redact_pass_links(text: str) -> str:
    """``text`` with every pass link token masked (``/p/***``, ``/chat/***``), and the
    WhatsApp verify token and the poster code (``k=***``)."""
    return _SECRET_QUERY.sub(r"\1***", _PASS_TOKEN_PATH.sub(r"/\1/***", text))


class RedactPassLinks(logging.Filter):
    """Masks pass link tokens in a record's arguments (strings, and URL objects such as
    httpx's, which are logged as their text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_pass_links(record.msg)
        return True

    @staticmethod
    def _clean(value: object) -> object:
        if isinstance(value, (int, float)) or value is None:
            return value  # kept as they are: a %d still formats
        text = str(value)
        secret = _PASS_TOKEN_PATH.search(text) or _SECRET_QUERY.search(text)
        return redact_pass_links(text) if secret else value


def install_log_redaction() -> None:
    """Put the filter on every logger that prints URLs (once per process)."""
    for name in LOGGERS_WITH_URLS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPassLinks) for f in logger.filters):
            logger.addFilter(RedactPassLinks())
