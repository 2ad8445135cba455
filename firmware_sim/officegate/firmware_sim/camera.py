"""A simulated gate camera: the phone screen placed into 640x480 frames as a camera sees it.

Every frame is drawn from a seeded RNG, so a run is reproducible: the phone at some distance
(scale), tilted (perspective), rotated, blurred by focus or motion, with glare on the glass,
the screen at some brightness, sensor noise, and a cluttered lobby behind it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from gpiozero.pins.mock import MockFactory

from officegate.edge.hardware import CameraDriver
from officegate.firmware_sim.phone import SCREEN_WIDTH

if TYPE_CHECKING:
    from gpiozero.pins import Factory

    from officegate.edge.config import EdgeConfig

FRAME_WIDTH = 640
FRAME_HEIGHT = 480

#: What the phone shows right now; ``None`` means no phone in front of the camera.
ScreenFn = Callable[[], "np.ndarray | None"]

# Where the QR sits on the phone screen drawn by phone.phone_screen (its default qr_size).
_QR_CENTER = (SCREEN_WIDTH / 2, 150 + 300 / 2)
_QR_SIZE = 300.0
_BEZEL = 14


@dataclass(frozen=True)
class Variation:
    """Ranges the camera draws each frame from (uniformly, unless said otherwise)."""

    qr_px: tuple[float, float] = (190.0, 260.0)  # apparent QR width in the frame
    tilt: float = 0.04  # max corner jitter, as a fraction of the QR width (perspective)
    rotation_deg: float = 12.0  # max rotation either way
    focus_sigma: tuple[float, float] = (0.0, 0.7)  # gaussian blur
    motion_px: tuple[float, float] = (0.0, 2.0)  # motion blur length
    glare_chance: float = 0.1
    brightness: tuple[float, float] = (0.85, 1.0)  # screen brightness multiplier
    noise_sigma: tuple[float, float] = (1.0, 3.0)
    dark_mode_chance: float = 0.3
    empty_chance: float = 0.0  # frames where nobody holds a phone up


#: A visitor holding the phone steadily at the gate.
EASY = Variation()

#: A hard mix for benchmarks: far and near, steep tilt, any rotation, shaky hands, glare.
HARD = Variation(
    qr_px=(120.0, 300.0),
    tilt=0.07,
    rotation_deg=180.0,
    focus_sigma=(0.0, 1.2),
    motion_px=(0.0, 5.0),
    glare_chance=0.4,
    brightness=(0.45, 1.0),
    noise_sigma=(2.0, 9.0),
    dark_mode_chance=0.5,
)


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def lobby_background(rng: np.random.Generator) -> np.ndarray:
    """A cluttered lobby: a lit gradient with random shapes (posters, people, furniture)."""
    h, w = FRAME_HEIGHT, FRAME_WIDTH
    top = rng.uniform(60, 200, size=3)
    bottom = rng.uniform(40, 160, size=3)
    ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    img = (top * (1 - ramp) + bottom * ramp) * np.ones((1, w, 1), np.float32)
    img = img.astype(np.uint8)
    for _ in range(int(rng.integers(8, 20))):
        color = tuple(int(c) for c in rng.integers(0, 256, size=3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            cv2.rectangle(img, (x, y), (x + int(rng.integers(10, 160)),
                                        y + int(rng.integers(10, 160))), color, -1)
        elif shape == 1:
            cv2.circle(img, (x, y), int(rng.integers(5, 60)), color, -1)
        else:
            end = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, (x, y), end, color, int(rng.integers(1, 6)))
    return img


def _motion_kernel(length: float, angle: float) -> np.ndarray:
    size = max(3, int(math.ceil(length)) | 1)
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1)
    return kernel / max(float(kernel.sum()), 1.0)


def render_frame(
    screen: np.ndarray | None, rng: np.random.Generator, variation: Variation = EASY
) -> np.ndarray:
    """Place ``screen`` (a phone screen, BGR) into a 640x480 BGR camera frame.

    ``None`` renders an empty lobby. ``screen`` is expected at phone.phone_screen's size.
    """
    frame = lobby_background(rng)
    if screen is not None and rng.random() >= variation.empty_chance:
        frame = _place_phone(frame, screen, rng, variation)
    sigma = _uniform(rng, variation.focus_sigma)
    if sigma > 0.15:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    length = _uniform(rng, variation.motion_px)
    if length >= 1.5:
        frame = cv2.filter2D(frame, -1, _motion_kernel(length, float(rng.uniform(0, math.pi))))
    noise = rng.normal(0.0, _uniform(rng, variation.noise_sigma), frame.shape)
    return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def _place_phone(
    frame: np.ndarray, screen: np.ndarray, rng: np.random.Generator, variation: Variation
) -> np.ndarray:
    # The phone's glass: the screen dimmed to its brightness, inside a dark bezel.
    shown = screen.astype(np.float32) * _uniform(rng, variation.brightness)
    phone = cv2.copyMakeBorder(
        shown.astype(np.uint8), _BEZEL, _BEZEL, _BEZEL, _BEZEL, cv2.BORDER_CONSTANT,
        value=(20, 20, 20),
    )
    ph, pw = phone.shape[:2]
    qr_px = _uniform(rng, variation.qr_px)
    scale = qr_px / _QR_SIZE
    angle = math.radians(float(rng.uniform(-variation.rotation_deg, variation.rotation_deg)))
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    qcx, qcy = _QR_CENTER[0] + _BEZEL, _QR_CENTER[1] + _BEZEL
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    # Keep the whole QR inside the frame: the visitor aims it at the camera.
    half = qr_px * 0.75
    cx = float(rng.uniform(min(half, FRAME_WIDTH / 2), max(FRAME_WIDTH - half, FRAME_WIDTH / 2)))
    cy = float(rng.uniform(min(half, FRAME_HEIGHT / 2),
                           max(FRAME_HEIGHT - half, FRAME_HEIGHT / 2)))
    dst = []
    for x, y in src:
        u, v = (x - qcx) * scale, (y - qcy) * scale
        dst.append([cx + u * cos_a - v * sin_a, cy + u * sin_a + v * cos_a])
    dst_arr = np.array(dst, np.float32)
    dst_arr += rng.uniform(-variation.tilt, variation.tilt, size=(4, 2)).astype(np.float32) * (
        qr_px * 2.5
    )
    matrix = cv2.getPerspectiveTransform(src, dst_arr)
    size = (FRAME_WIDTH, FRAME_HEIGHT)
    warped = cv2.warpPerspective(phone, matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, size)
    out = np.where(mask[:, :, None] > 127, warped, frame)
    if rng.random() < variation.glare_chance:
        out = _add_glare(out, rng, (cx, cy), qr_px)
    return out


def _add_glare(
    frame: np.ndarray, rng: np.random.Generator, center: tuple[float, float], qr_px: float
) -> np.ndarray:
    """A ceiling light reflected on the glass: a bright soft blob near the QR."""
    gx = center[0] + float(rng.uniform(-0.5, 0.5)) * qr_px
    gy = center[1] + float(rng.uniform(-0.5, 0.5)) * qr_px
    radius = float(rng.uniform(0.08, 0.22)) * qr_px
    yy, xx = np.mgrid[0:FRAME_HEIGHT, 0:FRAME_WIDTH].astype(np.float32)
    blob = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2))
    strength = float(rng.uniform(80, 220))
    return np.clip(frame.astype(np.float32) + blob[:, :, None] * strength, 0, 255).astype(
        np.uint8
    )


class SimulatedCamera:
    """A ``FrameSource`` whose frames show whatever the visitor holds up, with variation.

    ``screen`` returns the phone screen to show now (or ``None`` for nobody there); change it
    with :meth:`show`. ``hard=True`` uses the benchmark preset. ``max_frames`` ends the feed
    (``read()`` returns ``None``) after that many frames, like an unplugged camera.
    ``fps`` paces ``read()`` like a real camera (unpaced when ``None``: tests, benchmarks).
    """

    def __init__(
        self,
        screen: ScreenFn | None = None,
        *,
        seed: int = 0,
        hard: bool = False,
        variation: Variation | None = None,
        max_frames: int | None = None,
        fps: float | None = None,
    ) -> None:
        self._screen = screen
        self._interval = 1.0 / fps if fps else 0.0
        self._next_at = 0.0
        self._rng = np.random.default_rng(seed)
        self.variation = variation or (HARD if hard else EASY)
        self._left = max_frames
        self._closed = False

    def show(self, screen: ScreenFn | None) -> None:
        """Hold a phone (``screen``) up to the camera, or take it away (``None``)."""
        self._screen = screen

    def read(self) -> np.ndarray | None:
        """Return the next 640x480 BGR frame, or ``None`` once closed or out of frames."""
        if self._closed or self._left == 0:
            return None
        if self._left is not None:
            self._left -= 1
        if self._interval:
            wait = self._next_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._next_at = max(self._next_at, time.monotonic()) + self._interval
        shown = self._screen() if self._screen is not None else None
        return render_frame(shown, self._rng, self.variation)

    def close(self) -> None:
        """Stop the feed; further reads return ``None``."""
        self._closed = True


def _sim_frames(config: EdgeConfig) -> SimulatedCamera:
    return SimulatedCamera(fps=15)  # an empty lobby, at a camera's pace


def _sim_pins(config: EdgeConfig) -> Factory:
    if config.kind == "vending":
        # A simulated machine: mock pins wired to motors, a drop sensor and lit buttons.
        from officegate.edge.vending import VendingPins
        from officegate.firmware_sim.vending import SimVendingBoard

        board = SimVendingBoard(VendingPins.from_config(config.vending_pins),
                                cans={p.slot: p.count for p in config.products})
        return board.factory
    return MockFactory()


# Registered as the camera "sim" (entry point officegate.edge.cameras): an edge config with
# camera = "sim" reads simulated frames and drives gpiozero's mock pins.
DRIVER = CameraDriver(open=_sim_frames, pins=_sim_pins)
