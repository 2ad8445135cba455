"""A Raspberry Pi camera module through Picamera2 (libcamera), chosen by ``camera = "picamera2"``.

On current Raspberry Pi OS the camera modules are driven by libcamera, which OpenCV's
``VideoCapture`` does not use; Picamera2 is the Raspberry Pi's own Python interface to it
(``apt install python3-picamera2``; it is not on PyPI in a form that works off a Pi).

What the gate wants from the camera (docs/pi-wiring.md, benchmarks/presentation.py):

- 640x480 at 30 fps, read as the YUV420 luminance plane: the decoder wants gray, so no colour
  conversion is spent per frame (``format = "bgr"`` gives OpenCV's BGR order instead);
- a short exposure (1.5 ms) with auto gain: a phone screen is its own light, and a short
  exposure keeps a moving phone sharp. Setting ``ExposureTime`` fixes the shutter while the
  AGC keeps adjusting ``AnalogueGain``; ``FrameDurationLimits`` pins the frame rate;
- on a Camera Module 3, the lens focused where phones are held (``LensPosition`` in dioptres,
  1 / metres) instead of hunting with continuous autofocus.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from officegate.edge.camera import CameraUnavailable
from officegate.edge.hardware import CameraDriver

if TYPE_CHECKING:
    from officegate.edge.config import EdgeConfig, PicameraConfig

log = logging.getLogger(__name__)

#: libcamera's AfModeEnum.Manual (the lens stays where LensPosition puts it).
AF_MODE_MANUAL = 0


def camera_controls(settings: PicameraConfig) -> dict[str, Any]:
    """The libcamera controls for ``settings`` (names and units as in the Picamera2 manual)."""
    frame_us = round(1_000_000 / settings.fps)
    controls: dict[str, Any] = {"FrameDurationLimits": (frame_us, frame_us)}
    if settings.exposure_us is not None:
        controls["ExposureTime"] = settings.exposure_us
    if settings.focus_m is not None:
        controls["AfMode"] = AF_MODE_MANUAL
        controls["LensPosition"] = 1.0 / settings.focus_m
    return controls


class PicameraSource:
    """A ``FrameSource`` reading a Pi camera module through Picamera2.

    ``picamera2`` is imported when the source is opened, so an edge without a Pi camera never
    needs it; :class:`CameraUnavailable` says what to install when it is missing.
    """

    def __init__(self, settings: PicameraConfig) -> None:
        try:
            module = importlib.import_module("picamera2")
        except ImportError as exc:
            raise CameraUnavailable(
                "camera \"picamera2\" needs Picamera2: on Raspberry Pi OS run "
                "'sudo apt install python3-picamera2' and create the venv with "
                "--system-site-packages") from exc
        self.settings = settings
        self._gray = settings.format == "gray"
        try:
            self._camera = module.Picamera2(settings.index)
        except (IndexError, RuntimeError) as exc:
            raise CameraUnavailable(f"no Pi camera number {settings.index}: is the ribbon "
                                    f"cable seated and the camera detected? ({exc})") from exc
        wanted = camera_controls(settings)
        supported = getattr(self._camera, "camera_controls", None) or {}
        controls = {name: value for name, value in wanted.items()
                    if not supported or name in supported}
        for name in sorted(set(wanted) - set(controls)):
            log.warning("this camera has no control %s: left to the camera", name)
        config = self._camera.create_video_configuration(
            main={"size": (settings.width, settings.height),
                  "format": "YUV420" if self._gray else "RGB888"},
            controls=controls, buffer_count=settings.buffers)
        self._camera.configure(config)
        self._camera.start()
        self._open = True

    def read(self) -> np.ndarray | None:
        """The newest frame: 8-bit gray (the Y plane) or BGR; ``None`` once closed or failed."""
        if not self._open:
            return None
        try:
            frame: np.ndarray = self._camera.capture_array("main")
        except RuntimeError:
            log.exception("the Pi camera stopped delivering frames")
            return None
        if self._gray:
            # YUV420 arrives as (height * 3/2, stride): Y rows first, then the U and V planes.
            return frame[: self.settings.height, : self.settings.width]
        return frame

    def close(self) -> None:
        """Stop the camera and release it."""
        if self._open:
            self._open = False
            self._camera.stop()
            self._camera.close()


def open_picamera(config: EdgeConfig) -> PicameraSource:
    """The Pi camera described by ``config.picamera``."""
    return PicameraSource(config.picamera)


# Registered as the camera "picamera2" (entry point officegate.edge.cameras in edge/).
DRIVER = CameraDriver(open=open_picamera)
