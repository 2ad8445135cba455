"""Browser-test helpers for pages served under our Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from support.polling import wait_until


def wait_for_js(page: Any, expression: str, timeout: float = 30.0) -> Any:
    """Poll ``expression`` in ``page`` until it is truthy; return its value.

    Playwright's ``wait_for_function`` polls by ``eval`` inside the page, which our CSP
    (``script-src 'self'``) forbids; ``page.evaluate`` goes through the DevTools protocol.
    """
    return wait_until(lambda: page.evaluate(expression), timeout, what=expression)
