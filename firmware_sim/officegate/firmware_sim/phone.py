"""What the visitor's phone shows: the pass page with its QR, as a BGR image.

The pass page draws the QR (error correction M) dark-on-light on a white card (even in dark
mode, because readers expect dark modules), under a header with the site name and the
visitor's name.
"""

from __future__ import annotations

import cv2
import numpy as np
import segno

#: Logical phone screen size in pixels (portrait), close to a mid-range phone's CSS viewport.
SCREEN_WIDTH = 360
SCREEN_HEIGHT = 720

_LIGHT_BG = (246, 246, 246)
_DARK_BG = (24, 20, 18)


def qr_modules(text: str, *, error: str = "m") -> np.ndarray:
    """Return the QR of ``text`` at error correction ``error`` (l, m, q, h) as a bool array
    (True = dark module)."""
    qr = segno.make_qr(text, error=error, boost_error=False)
    return np.array([[bool(v) for v in row] for row in qr.matrix], dtype=bool)


def render_qr(text: str, size: int, *, quiet_zone: int = 4, error: str = "m") -> np.ndarray:
    """Render ``text`` as a grayscale QR image of about ``size`` pixels, quiet zone included."""
    modules = qr_modules(text, error=error)
    padded = np.pad(modules, quiet_zone, constant_values=False)
    img = np.where(padded, 0, 255).astype(np.uint8)
    # Nearest-neighbour keeps the modules square, as a browser canvas would draw them.
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_NEAREST)


def phone_screen(
    text: str | None,
    *,
    dark: bool = False,
    header: str = "OfficeGate",
    subtitle: str = "Visitor pass",
    qr_size: int = 300,
    error: str = "m",
) -> np.ndarray:
    """Render the pass page as a phone shows it: header, QR card, and footer hint.

    ``text`` is the QR content (``None`` shows the page without a QR, e.g. loading), drawn
    at error correction ``error`` as the pass page draws it.
    Returns a ``SCREEN_HEIGHT x SCREEN_WIDTH x 3`` uint8 BGR image.
    """
    bg = _DARK_BG if dark else _LIGHT_BG
    ink = (235, 235, 235) if dark else (30, 30, 30)
    screen = np.empty((SCREEN_HEIGHT, SCREEN_WIDTH, 3), dtype=np.uint8)
    screen[:] = bg
    # Header bar, the way the pass page brands it.
    cv2.rectangle(screen, (0, 0), (SCREEN_WIDTH, 90), (140, 90, 30), thickness=-1)
    cv2.putText(screen, header, (20, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    cv2.putText(screen, subtitle, (20, 78), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (230, 230, 230), 1)
    top = 150
    left = (SCREEN_WIDTH - qr_size) // 2
    card = (255, 255, 255)
    cv2.rectangle(
        screen, (left - 6, top - 6), (left + qr_size + 6, top + qr_size + 6), card, thickness=-1
    )
    if text is not None:
        qr = render_qr(text, qr_size, error=error)
        screen[top : top + qr_size, left : left + qr_size] = qr[:, :, None]
    cv2.putText(
        screen, "Hold to the gate camera", (40, top + qr_size + 60),
        cv2.FONT_HERSHEY_SIMPLEX, 0.6, ink, 1,
    )
    return screen
