"""Where frames come from: a real camera through OpenCV, or anything that reads like one."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

log = logging.getLogger(__name__)


class CameraUnavailable(RuntimeError):
    """The camera could not be opened."""


@runtime_checkable
class FrameSource(Protocol):
    """A source of BGR frames: a camera, a video file, or the simulated camera."""

    def read(self) -> np.ndarray | None:
        """The next frame, or ``None`` when there is none (camera gone, feed ended)."""
        ...

    def close(self) -> None:
        """Release the source."""
        ...


class OpenCVCamera:
    """A V4L2/USB/CSI camera (or a video file) through ``cv2.VideoCapture``."""

    def __init__(self, index: int | str = 0, *, width: int = 640, height: int = 480) -> None:
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise CameraUnavailable(
                f"cannot open camera {index!r}: is it connected, and is this user in the "
                "'video' group?"
            )
        # 640x480 is enough for a phone held at the gate, and keeps decoding fast on a Pi.
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # A 1-frame buffer: decode what the camera sees now, not what it saw a moment ago.
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)

    def read(self) -> np.ndarray | None:
        """The next frame, or ``None`` if the camera returned nothing."""
        ok, frame = self._capture.read()
        if not ok:
            log.warning("camera returned no frame")
            return None
        return frame

    def close(self) -> None:
        """Release the camera."""
        self._capture.release()
