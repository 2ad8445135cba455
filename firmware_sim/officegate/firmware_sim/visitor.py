"""A simulated visitor whose phone shows exactly what the pass page shows.

The pass page draws ``rotating_text(cose, rotating_code(secret, now))`` and redraws it every
period; a printed pass shows ``static_text(cose)``. A screenshot freezes one moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from officegate.firmware_sim.phone import phone_screen
from officegate.protocol import rotating_code, rotating_text, static_text


@lru_cache(maxsize=64)
def _screen(text: str, dark: bool, error: str = "m") -> np.ndarray:
    # The phone redraws only when the code rotates; so do we (rendering is the slow part).
    image = phone_screen(text, dark=dark, error=error)
    image.setflags(write=False)
    return image


class SimulatedVisitor:
    """A visitor holding up the pass page.

    ``cose`` is the signed pass; ``secret`` its per-pass code secret (``None`` for a printed,
    static pass); ``clock`` the phone's clock (epoch seconds), which may be skewed.
    """

    def __init__(
        self,
        cose: bytes,
        secret: bytes | None,
        clock: Callable[[], float] = time.time,
        *,
        dark: bool = False,
        period: int = 10,
        qr_error: str = "m",
    ) -> None:
        self.cose = cose
        self.secret = secret
        self.clock = clock
        self.dark = dark
        self.period = period
        self.qr_error = qr_error  # error correction level the pass page draws (qrdraw.js: M)

    def text_at(self, t: float) -> str:
        """The QR text the pass page shows at time ``t``."""
        if self.secret is None:
            return static_text(self.cose)
        return rotating_text(self.cose, rotating_code(self.secret, t, self.period))

    def text(self) -> str:
        """The QR text the pass page shows now (by the phone's clock)."""
        return self.text_at(self.clock())

    def screen(self) -> np.ndarray:
        """The phone screen now, for ``SimulatedCamera(visitor.screen)``."""
        return _screen(self.text(), self.dark, self.qr_error)

    def screenshot_at(self, t: float) -> Callable[[], np.ndarray]:
        """A screenshot taken at ``t``: a screen that shows that moment's QR forever."""
        frozen = _screen(self.text_at(t), self.dark, self.qr_error)
        return lambda: frozen
