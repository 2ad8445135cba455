"""Fixtures for the pass page tests: Debian's chromium driven by Playwright, a fake pass site.

Nothing is downloaded: Playwright drives /usr/bin/chromium, and the tests skip where it is
absent. Screenshots land in /tmp/og-shots/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from support.system import CHROMIUM, skip_module_without_chromium

SHOTS = Path("/tmp/og-shots")

skip_module_without_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

# tests/web is on sys.path (pytest's rootdir-less conftest import); imported after the skips.
from pageutil import INSECURE_HOST  # noqa: E402
from passsite import PassSite  # noqa: E402

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[sync_api.Browser]:
    """One headless chromium per test module."""
    with nullcontext(playwright) as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1"],
        )
        yield launched
        launched.close()


@pytest.fixture
def site() -> Iterator[PassSite]:
    """A running fake pass site with one pass at token "tok-1"."""
    running = PassSite()
    running.add("tok-1")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def phone(browser: sync_api.Browser) -> Iterator[Callable[..., sync_api.BrowserContext]]:
    """Make a fresh phone (browser context with its own storage); closed after the test."""
    made: list[sync_api.BrowserContext] = []

    def make(**options: object) -> sync_api.BrowserContext:
        context = browser.new_context(**{**PHONE, "locale": "ja-JP", **options})
        context.set_default_timeout(10_000)  # fail fast: every wait here is well under 1 s
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
