"""The gate's reading strategy: zxing-cpp tuned for a phone screen, plus second tries on the
part of the frame where a QR was seen but not read.

A phone coming into view is first *detected* (finder patterns found) several frames before it
is *read*: its modules are still smeared by the motion, or small, or half washed out. zxing-cpp
reports such codes with ``return_errors=True`` (position known, checksum failed). Retrying on
that crop, enlarged and sharpened, or binarised differently, reads some of them one or more
frames earlier; the region is also remembered for a few frames, so a code whose finder patterns
are lost in one frame is still looked for where it was. benchmarks/presentation.py measures
what each step buys and costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from officegate.edge.decoders import DecoderUnavailable

#: Frames a region is still retried after the code was last seen there (0.2 s at 30 fps).
TRACK_FRAMES = 6
#: Crops larger than this (px, longest side) are not enlarged: their modules are big enough.
UPSCALE_BELOW = 360
#: Frames wider than this are searched at this width, and read at full resolution only where
#: a code was found: a 1280x960 camera costs about what a 640x480 one does in an empty lobby.
SEARCH_WIDTH = 640


@dataclass(slots=True)
class _Region:
    x0: int
    y0: int
    x1: int
    y1: int
    age: int = 0


class GateReader:
    """zxing-cpp for phone screens at a gate: dark-on-light QR only, no 90-degree 1D search,
    and retries on the crop of a detected-but-unread (or recently seen) code."""

    name = "gate"

    def __init__(self, *, retries: bool = True, track: bool = True) -> None:
        try:
            import zxingcpp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise DecoderUnavailable("the gate reader needs the Python package zxing-cpp") \
                from exc
        self._zx = zxingcpp
        self._formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        self.retries = retries
        self.track = track
        self._region: _Region | None = None
        #: How many frames were read on a retry, not on the whole frame (for benchmarks).
        self.retry_reads = 0

    def decode(self, frame: np.ndarray) -> list[str]:
        """Return the QR texts read in ``frame`` (BGR or grayscale)."""
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        scale = 1.0
        search = gray
        if gray.shape[1] > 1.5 * SEARCH_WIDTH:
            scale = gray.shape[1] / SEARCH_WIDTH
            search = cv2.resize(gray, (SEARCH_WIDTH, round(gray.shape[0] / scale)),
                                interpolation=cv2.INTER_AREA)
        # The pass page draws dark modules on a white card: no inverted search needed.
        found = self._zx.read_barcodes(search, formats=self._formats, try_rotate=False,
                                       try_invert=False, return_errors=self.retries)
        texts = [b.text for b in found if b.valid and b.text]
        unread = [b for b in found if not b.valid]
        if texts or unread:
            self._remember([b for b in found if b.valid] or unread, gray.shape, scale)
        elif self._region is not None:
            self._region.age += 1
            if self._region.age > TRACK_FRAMES or not self.track:
                self._region = None
        if texts or not self.retries or self._region is None:
            return texts
        texts = self._retry(gray, self._region)
        self.retry_reads += bool(texts)
        return texts

    def _remember(self, codes: list[Any], shape: tuple[int, ...], scale: float) -> None:
        xs, ys = [], []
        for code in codes:
            pos = code.position  # a zxingcpp.Barcode
            for point in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left):
                xs.append(round(point.x * scale))
                ys.append(round(point.y * scale))
        # A margin for the quiet zone and for the motion until the next frame.
        margin = int(0.25 * max(max(xs) - min(xs), max(ys) - min(ys))) + 8
        h, w = shape[:2]
        self._region = _Region(max(min(xs) - margin, 0), max(min(ys) - margin, 0),
                               min(max(xs) + margin, w), min(max(ys) + margin, h))

    def _retry(self, gray: np.ndarray, region: _Region) -> list[str]:
        crop = gray[region.y0:region.y1, region.x0:region.x1]
        if crop.size == 0:
            return []
        if max(crop.shape) < UPSCALE_BELOW:
            crop = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        # Unsharp mask: restores some of the contrast motion blur and defocus took away.
        soft = cv2.GaussianBlur(crop, (0, 0), 2.0)
        sharp = cv2.addWeighted(crop, 1.8, soft, -0.8, 0)
        for image, binarizer in ((sharp, self._zx.Binarizer.LocalAverage),
                                 (crop, self._zx.Binarizer.GlobalHistogram)):
            found = self._zx.read_barcodes(image, formats=self._formats, try_rotate=False,
                                           try_invert=False, try_downscale=False,
                                           binarizer=binarizer)
            texts = [b.text for b in found if b.valid and b.text]
            if texts:
                return texts
        return []
