"""Cameras and pins chosen by name, as gpiozero chooses its pin factories.

An edge config names its camera (``camera = 0`` for OpenCV's first camera, or a registered
name such as ``"sim"``) and, optionally, its gpiozero pin factory (``pin_factory = "lgpio"``).
Camera drivers are found under the ``officegate.edge.cameras`` entry points: the simulator
registers ``sim`` from its own package, so edge code never imports the simulator. Pin
factories are gpiozero's own registry (``gpiozero_pin_factories``: lgpio, rpigpio, pigpio,
native, mock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from officegate.edge.camera import CameraUnavailable, FrameSource, OpenCVCamera

if TYPE_CHECKING:
    from gpiozero.pins import Factory

    from officegate.edge.config import EdgeConfig

CAMERAS = "officegate.edge.cameras"
PIN_FACTORIES = "gpiozero_pin_factories"


@dataclass(frozen=True, slots=True)
class CameraDriver:
    """A named frame source, and the pins that come with it when it is not real hardware.

    ``open(config)`` returns the frame source; ``pins(config)``, when set, returns the pin
    factory to use unless the config names one (a simulated camera drives simulated pins).
    """

    open: Callable[[EdgeConfig], FrameSource]
    pins: Callable[[EdgeConfig], Factory] | None = None


def _opencv(config: EdgeConfig) -> FrameSource:
    return OpenCVCamera(config.camera)


OPENCV = CameraDriver(open=_opencv)


def camera_names() -> list[str]:
    """The registered camera names (besides an OpenCV index)."""
    return sorted(point.name for point in entry_points(group=CAMERAS))


def camera_driver(camera: int | str) -> CameraDriver:
    """The driver for ``camera``: OpenCV for an index or a device path, else the registered one.

    Raises :class:`CameraUnavailable` naming the registered cameras when none matches.
    """
    if isinstance(camera, int) or camera.startswith("/"):
        return OPENCV
    found = [point for point in entry_points(group=CAMERAS) if point.name == camera]
    if not found:
        raise CameraUnavailable(
            f"no camera called {camera!r}: use an OpenCV index or device path, or one of "
            f"{camera_names() or 'the registered cameras (none installed)'}")
    driver = found[0].load()
    if not isinstance(driver, CameraDriver):
        raise CameraUnavailable(f"camera {camera!r} is registered as {driver!r}, "
                                "not a CameraDriver")
    return driver


def pin_factory(name: str) -> Factory:
    """gpiozero's pin factory registered as ``name`` (e.g. ``lgpio``, ``mock``)."""
    found = [point for point in entry_points(group=PIN_FACTORIES) if point.name == name]
    if not found:
        known = sorted(point.name for point in entry_points(group=PIN_FACTORIES))
        raise ValueError(f"no gpiozero pin factory called {name!r} (installed: {known})")
    factory: Factory = found[0].load()()
    return factory


@dataclass(slots=True)
class Hardware:
    """What one edge reads and drives: its frames and its pin factory (``None``: gpiozero's
    default, which is lgpio on a Raspberry Pi or whatever ``GPIOZERO_PIN_FACTORY`` names)."""

    frames: FrameSource
    pins: Factory | None


def open_hardware(config: EdgeConfig, *, frames: FrameSource | None = None,
                  pins: Factory | None = None) -> Hardware:
    """The frames and pins for ``config``; given ``frames``/``pins`` win (tests, the demo)."""
    driver = camera_driver(config.camera)
    if pins is None:
        if config.pin_factory:
            pins = pin_factory(config.pin_factory)
        elif driver.pins is not None:
            pins = driver.pins(config)
    return Hardware(frames=frames if frames is not None else driver.open(config), pins=pins)
