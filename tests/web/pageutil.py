"""Helpers for pass page tests: read the QR off a real screenshot, compute the expected code."""

from __future__ import annotations

import time

import cv2
import numpy as np
import zxingcpp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from playwright.sync_api import BrowserContext, Page
from support.browser import wait_for_js

PREFIX = "OG1R"
# A name that resolves to 127.0.0.1 but is not "localhost": an insecure context, like a phone
# opening the pass over plain http on an office LAN, where crypto.subtle does not exist.
INSECURE_HOST = "officegate.test"


def decode_png(png: bytes) -> list[zxingcpp.Barcode]:
    """Every QR code zxing-cpp finds in a PNG screenshot."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "screenshot is not a readable PNG"
    return [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def screen_qr_text(page: Page, *, full_page: bool = False) -> str:
    """The text of the one QR code visible on screen, read by a real decoder."""
    png = page.screenshot(full_page=full_page) if full_page else page.locator("#qr").screenshot()
    found = decode_png(png)
    assert len(found) == 1, f"expected one readable QR on screen, found {len(found)}"
    return found[0].text


def expected_code(secret: bytes, at: float) -> str:
    """The code the gate expects at `at`: TOTP, HMAC-SHA256, 8 digits, 10 s period."""
    return TOTP(secret, 8, hashes.SHA256(), 10).generate(at).decode("ascii")


def code_of(text: str) -> str:
    """The 8-digit rotating code inside a rotating pass text."""
    assert text.startswith(PREFIX), text
    return text[len(PREFIX):len(PREFIX) + 8]


def quiet_moment(period: int = 10) -> float:
    """A time well inside one code period (so a test never straddles a boundary)."""
    return (int(time.time()) // period) * period + 3.0


def open_pass(context: BrowserContext, url: str) -> Page:
    """Open the pass page and wait until a QR is drawn."""
    page = context.new_page()
    page.goto(url)
    wait_for_js(page, "window.officegate && window.officegate.currentText()")
    return page


def current_text(page: Page) -> str:
    """What the page says its QR holds right now."""
    text = page.evaluate("window.officegate.currentText()")
    assert isinstance(text, str)
    return text


def shown_matches_current(page: Page, *, tries: int = 3) -> bool:
    """Whether the QR on screen decodes to what the page says it shows.

    A slow machine can cross a code period between the screenshot and the question; then
    the page has (rightly) redrawn, and the pair is taken again.
    """
    for _ in range(tries):
        before = current_text(page)
        shown = screen_qr_text(page)
        if current_text(page) == before:
            return shown == before
    return False
