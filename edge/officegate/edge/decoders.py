"""QR decoders behind one interface: zxing-cpp (default), pyzbar and OpenCV.

Each takes a BGR or grayscale frame and returns the texts of the QR codes it found.
The default is zxing-cpp: benchmarks/decoders.py shows it reads the most simulated hard
frames and is the fastest on a 2-core machine (figures in the README).
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

DEFAULT_DECODER = "zxing"
DECODER_NAMES = ("zxing", "pyzbar", "opencv", "gate")


class DecoderUnavailable(RuntimeError):
    """The decoder's library (or the system library it needs) is not installed."""


class Decoder(Protocol):
    """Finds QR codes in a camera frame."""

    name: str

    def decode(self, frame: np.ndarray) -> list[str]:
        """Return the text of every QR code found in ``frame`` (BGR or grayscale)."""
        ...


def _gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return frame


class ZxingDecoder:
    """zxing-cpp, restricted to QR codes."""

    name = "zxing"

    def __init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise DecoderUnavailable(
                "zxing needs the Python package zxing-cpp: pip install 'officegate[edge]'"
            ) from exc
        self._zx = zxingcpp
        self._formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

    def decode(self, frame: np.ndarray) -> list[str]:
        """Return the QR texts zxing-cpp reads in ``frame``."""
        found = self._zx.read_barcodes(_gray(frame), formats=self._formats)
        return [b.text for b in found if b.valid and b.text]


class PyzbarDecoder:
    """ZBar through pyzbar; needs the system library libzbar0."""

    name = "pyzbar"

    def __init__(self) -> None:
        try:
            from pyzbar import pyzbar
        except ImportError as exc:
            # pyzbar raises ImportError both when it is missing and when libzbar is.
            if "zbar" in str(exc).lower() and "pyzbar" not in str(exc).lower():
                raise DecoderUnavailable(
                    "pyzbar needs the system library libzbar0: apt install libzbar0"
                ) from exc
            raise DecoderUnavailable(
                "pyzbar needs the system library libzbar0: apt install libzbar0 "
                f"(and the Python package pyzbar; import failed: {exc})"
            ) from exc
        self._pyzbar = pyzbar
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]

    def decode(self, frame: np.ndarray) -> list[str]:
        """Return the QR texts ZBar reads in ``frame``."""
        found = self._pyzbar.decode(_gray(frame), symbols=self._symbols)
        texts = []
        for symbol in found:
            try:
                texts.append(symbol.data.decode("ascii"))
            except UnicodeDecodeError:
                continue  # our passes are ASCII; anything else is not ours
        return texts


class OpenCVDecoder:
    """OpenCV's built-in ``QRCodeDetector``."""

    name = "opencv"

    def __init__(self) -> None:
        self._detector = cv2.QRCodeDetector()

    def decode(self, frame: np.ndarray) -> list[str]:
        """Return the QR text OpenCV reads in ``frame`` (at most one)."""
        try:
            text, _points, _straight = self._detector.detectAndDecode(_gray(frame))
        except cv2.error:
            return []  # OpenCV raises on some degenerate detections; that is "no read"
        return [text] if text else []


_DECODERS: dict[str, type[ZxingDecoder] | type[PyzbarDecoder] | type[OpenCVDecoder]] = {
    "zxing": ZxingDecoder,
    "pyzbar": PyzbarDecoder,
    "opencv": OpenCVDecoder,
}


def make_decoder(name: str = DEFAULT_DECODER) -> Decoder:
    """Build the decoder called ``name`` ("zxing", "pyzbar", "opencv" or "gate").

    Raises ``ValueError`` for an unknown name and ``DecoderUnavailable`` when its library
    is missing, both with a message that says what to do.
    """
    if name == "gate":  # zxing-cpp plus retries on crops (officegate.edge.reading)
        from officegate.edge.reading import GateReader

        return GateReader()
    try:
        cls = _DECODERS[name]
    except KeyError:
        raise ValueError(
            f"unknown decoder {name!r}: choose one of {', '.join(DECODER_NAMES)}"
        ) from None
    return cls()
