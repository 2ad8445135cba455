"""A visitor presenting a phone to the gate camera, filmed frame by frame at 30 fps.

One :class:`Presentation` is drawn from a seed: the hand comes into the camera's view at
walking pace, slows (a minimum-jerk reach), stops and is held with drift and tremor; the
phone is rotated and tilted, its screen at some brightness, light or dark mode, perhaps with a
reflection on the glass and moire from the screen's pixel grid. :meth:`Presentation.film`
yields the frames a camera with auto-exposure takes of it (:mod:`optics`), with the motion
blur of the actual motion during each exposure. docs/presentation-model.md justifies every
distribution drawn in :func:`draw`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from officegate.firmware_sim.camera import lobby_background
from officegate.firmware_sim.optics import (
    DEFAULT_CAMERA,
    FOCAL_PX,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    CameraSettings,
    Exposure,
    bloom,
    defocus_sigma_px,
    expose,
    motion_kernel,
)
from officegate.firmware_sim.phone import SCREEN_WIDTH

_QR_CENTER = (SCREEN_WIDTH / 2, 150 + 300 / 2)  # where phone.phone_screen draws the QR
_BEZEL = 14


def min_jerk(tau: float) -> float:
    """Fraction of the way covered at normalised time ``tau`` (Flash & Hogan 1985)."""
    tau = min(max(tau, 0.0), 1.0)
    return tau**3 * (10 - 15 * tau + 6 * tau**2)


@dataclass(frozen=True, slots=True)
class Pose:
    """Where the QR's centre is (mm, camera frame: x right, y down, z away) and how the phone
    is turned (degrees: in-plane rotation, tilt about the phone's x and y axes)."""

    x: float
    y: float
    z: float
    rotation: float
    tilt_x: float
    tilt_y: float


@dataclass(frozen=True, slots=True)
class Presentation:
    """One presentation's parameters (see :func:`draw`); times in seconds from move start."""

    start: Pose
    hold: Pose
    move_s: float
    screen_mm: float  # physical width of the phone's screen
    nits: float  # luminance of the screen's white
    dark: bool
    glare_nits: float  # 0: no reflection on the glass
    glare_at: tuple[float, float]  # its centre on the screen, in screen pixels
    glare_radius: float  # in screen pixels
    moire: float  # amplitude of the beat pattern (fraction of luminance)
    moire_wave: tuple[float, float, float]  # cycles/px in x and y, phase
    drift: tuple[float, float, float, float]  # hold drift: vx, vy (mm/s), tremor mm, Hz
    lobby_seed: int
    frame_phase: float  # when the first frame starts, within one frame period

    def pose(self, t: float) -> Pose:
        """The phone's pose at ``t``: minimum-jerk from start to hold, then held."""
        a, b = self.start, self.hold
        if t < self.move_s:
            s = min_jerk(t / self.move_s)
            return Pose(*(u + (v - u) * s for u, v in zip(
                (a.x, a.y, a.z, a.rotation, a.tilt_x, a.tilt_y),
                (b.x, b.y, b.z, b.rotation, b.tilt_x, b.tilt_y), strict=True)))
        held = t - self.move_s
        vx, vy, tremor, hz = self.drift
        wobble = tremor * math.sin(2 * math.pi * hz * held)
        return Pose(b.x + vx * held + wobble, b.y + vy * held + 0.7 * wobble, b.z,
                    b.rotation, b.tilt_x, b.tilt_y)

    def whole_qr_in_view(self, t: float, camera: CameraSettings = DEFAULT_CAMERA) -> bool:
        """True when all four corners of the QR (quiet zone included) are inside the frame."""
        half = 150.0
        qx, qy = _QR_CENTER[0] + _BEZEL, _QR_CENTER[1] + _BEZEL
        corners = np.array([[[qx - half, qy - half], [qx + half, qy - half],
                             [qx + half, qy + half], [qx - half, qy + half]]], np.float32)
        seen = cv2.perspectiveTransform(
            corners, _homography(self.pose(t), self.screen_mm, camera))[0]
        return bool(((seen >= 0) & (seen < (camera.width, camera.height))).all())

    def last_mm(self, mm: float) -> float:
        """When the hand is ``mm`` (along its path) from where it stops: a clock that does not
        depend on the camera's field of view."""
        a, b = self.start, self.hold
        total = math.dist((a.x, a.y, a.z), (b.x, b.y, b.z))
        lo, hi = 0.0, 1.0
        for _ in range(40):  # min_jerk is monotonic: bisect for s(tau) = 1 - mm / total
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if min_jerk(mid) < 1 - mm / total else (lo, mid)
        return lo * self.move_s

    def film(self, screen: Callable[[float], np.ndarray], *, seconds: float,
             camera: CameraSettings = DEFAULT_CAMERA, seed: int = 0,
             ) -> Iterator[tuple[float, np.ndarray, bool]]:
        """Yield ``(t, frame, phone_in_view)`` for every frame until ``seconds``.

        ``screen(t)`` is what the phone shows at ``t`` (a BGR or gray phone screen image).
        ``t`` is the end of the frame's exposure (when the frame exists). Frames are 8-bit
        grayscale 640x480: the luminance a decoder reads.
        """
        rng = np.random.default_rng(seed)
        lobby = _nits_of(cv2.resize(cv2.cvtColor(
            lobby_background(np.random.default_rng(self.lobby_seed)), cv2.COLOR_BGR2GRAY),
            (camera.width, camera.height)), 120.0)
        moire = None
        if self.moire:
            fx, fy, phase = self.moire_wave
            yy, xx = np.mgrid[0:camera.height, 0:camera.width].astype(np.float32)
            scale = np.float32(FRAME_WIDTH / camera.width)  # the beat is set by the optics
            moire = 1 + np.float32(self.moire) * np.sin(
                np.float32(2 * math.pi) * scale * (fx * xx + fy * yy) + np.float32(phase))
        exposure = Exposure.settled_on(lobby, camera)
        period = 1.0 / camera.fps
        t = self.frame_phase
        phone: tuple[int, np.ndarray] | None = None
        while t < seconds:
            end = t + exposure.exposure_ms / 1000
            shown = screen(t)
            if phone is None or phone[0] != id(shown):
                phone = (id(shown), self._phone_nits(shown))
            scene, in_view = self._scene(lobby, phone[1], moire, t, end, camera, exposure)
            yield end, expose(scene, exposure, rng), in_view
            t += period

    def _scene(self, lobby: np.ndarray, phone: np.ndarray, moire: np.ndarray | None,
               t0: float, t1: float, camera: CameraSettings,
               exposure: Exposure) -> tuple[np.ndarray, bool]:
        """Scene luminance over one exposure [t0, t1]: the phone (luminance, coverage) at its
        mid-exposure pose, defocused, and smeared along the path its QR's centre took."""
        mid = self.pose((t0 + t1) / 2)
        matrix = _homography(mid, self.screen_mm, camera)
        a, b = _project(self.pose(t0), camera), _project(self.pose(t1), camera)
        sigma = defocus_sigma_px(mid.z, camera.focus_mm, camera.pixel_mm)
        pad = 3 * sigma + math.dist(a, b) / 2 + 2
        h, w = phone.shape[:2]
        corners = cv2.perspectiveTransform(
            np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float32), matrix)[0]
        x0, y0 = (max(int(v - pad), 0) for v in corners.min(axis=0))
        x1 = min(int(corners[:, 0].max() + pad) + 1, camera.width)
        y1 = min(int(corners[:, 1].max() + pad) + 1, camera.height)
        if x1 <= x0 or y1 <= y0:
            return lobby, False
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
        crop = cv2.warpPerspective(phone, shift @ matrix, (x1 - x0, y1 - y0),
                                   flags=cv2.INTER_LINEAR)
        if sigma > 0.3:
            crop = cv2.GaussianBlur(crop, (0, 0), sigma)
        kernel = motion_kernel(b[0] - a[0], b[1] - a[1])
        if kernel is not None:
            crop = cv2.filter2D(crop, -1, kernel, borderType=cv2.BORDER_CONSTANT)
        nits, cover = crop[:, :, 0], crop[:, :, 1]
        if not cover.any():
            return lobby, False
        if moire is not None:
            nits = nits * moire[y0:y1, x0:x1]
        scene = lobby.copy()
        scene[y0:y1, x0:x1] = lobby[y0:y1, x0:x1] * (1 - cover) + nits
        return bloom(scene, exposure), True

    def _phone_nits(self, shown: np.ndarray) -> np.ndarray:
        """The phone as (luminance, coverage) channels, bezel included."""
        gray = shown if shown.ndim == 2 else cv2.cvtColor(shown, cv2.COLOR_BGR2GRAY)
        # Screen black is not black: the panel leaks ~1/1000 and the glass reflects the room.
        nits = _nits_of(gray, self.nits) + np.float32(self.nits / 1000 + 1.5)
        if self.glare_nits:
            h, w = nits.shape
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            gx, gy = self.glare_at
            nits += np.float32(self.glare_nits) * np.exp(
                -((xx - gx) ** 2 + (yy - gy) ** 2) / np.float32(2 * self.glare_radius**2))
        framed = cv2.copyMakeBorder(nits, _BEZEL, _BEZEL, _BEZEL, _BEZEL, cv2.BORDER_CONSTANT,
                                    value=1.0)
        return cv2.merge([framed, np.ones_like(framed)])


def _nits_of(gray: np.ndarray, white_nits: float) -> np.ndarray:
    """sRGB-coded gray -> luminance, with ``white_nits`` for 255."""
    return ((gray.astype(np.float32) / 255) ** 2.2 * np.float32(white_nits)).astype(np.float32)


def _rotation(pose: Pose) -> np.ndarray:
    r, ax, ay = (math.radians(v) for v in (pose.rotation, pose.tilt_x, pose.tilt_y))
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    return rx @ ry @ rz


def _project(pose: Pose, camera: CameraSettings) -> tuple[float, float]:
    return (camera.width / 2 + camera.focal_px * pose.x / pose.z,
            camera.height / 2 + camera.focal_px * pose.y / pose.z)


def _homography(pose: Pose, screen_mm: float, camera: CameraSettings) -> np.ndarray:
    """Phone image (screen + bezel, pixels) -> camera frame, through a pinhole camera."""
    mm_per_px = screen_mm / SCREEN_WIDTH
    rot = _rotation(pose)
    qx, qy = _QR_CENTER[0] + _BEZEL, _QR_CENTER[1] + _BEZEL
    w, h = SCREEN_WIDTH + 2 * _BEZEL, 720 + 2 * _BEZEL
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = []
    for x, y in src:
        p = rot @ np.array([(x - qx) * mm_per_px, (y - qy) * mm_per_px, 0.0])
        z = max(pose.z + p[2], 10.0)
        dst.append([camera.width / 2 + camera.focal_px * (pose.x + p[0]) / z,
                    camera.height / 2 + camera.focal_px * (pose.y + p[1]) / z])
    return cv2.getPerspectiveTransform(src, np.array(dst, np.float32))


def draw(rng: np.random.Generator) -> Presentation:
    """Draw one presentation; docs/presentation-model.md gives the source of each range."""
    z_hold = float(np.clip(rng.lognormal(math.log(150), 0.25), 105, 280))
    rotation = float(rng.uniform(-180, 180))
    # The visitor aims the QR at the camera window: it ends up wholly inside the picture of
    # the camera's full field of view (a zoomed-in camera may see less of it).
    room_x = max(z_hold * (FRAME_WIDTH / 2) / FOCAL_PX - 50, 0)
    room_y = max(z_hold * (FRAME_HEIGHT / 2) / FOCAL_PX - 50, 0)
    hold = Pose(float(np.clip(rng.normal(0, 15), -room_x, room_x)),
                float(np.clip(rng.normal(0, 12), -room_y, room_y)), z_hold, rotation,
                float(np.clip(rng.normal(0, 10), -30, 30)),
                float(np.clip(rng.normal(0, 10), -30, 30)))
    # The hand comes from the visitor's side (the bottom of the picture), +-50 degrees,
    # from 25-45 cm away and 10-25 cm further from the camera than where it stops.
    heading = math.radians(90 + float(rng.uniform(-50, 50)))
    reach = float(rng.uniform(250, 450))
    start = Pose(hold.x + reach * math.cos(heading), hold.y + reach * math.sin(heading),
                 z_hold + float(rng.uniform(100, 250)), rotation + float(rng.normal(0, 20)),
                 hold.tilt_x + float(rng.normal(0, 15)), hold.tilt_y + float(rng.normal(0, 15)))
    distance = math.dist((start.x, start.y, start.z), (hold.x, hold.y, hold.z))
    peak = float(np.clip(rng.normal(1.1, 0.25), 0.5, 1.8))  # m/s: walking pace
    glare = rng.random() < 0.25
    return Presentation(
        start=start, hold=hold, move_s=1.875 * distance / 1000 / peak,
        screen_mm=float(rng.uniform(62, 72)),
        nits=float(np.clip(rng.lognormal(math.log(250), 0.45), 80, 900)),
        dark=bool(rng.random() < 0.3),
        glare_nits=float(rng.uniform(80, 800)) if glare else 0.0,
        glare_at=(float(rng.uniform(30, 330)), float(rng.uniform(140, 460))),
        glare_radius=float(rng.uniform(10, 40)),
        moire=float(rng.uniform(0, 0.08)),
        moire_wave=(float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.2, 0.2)),
                    float(rng.uniform(0, 2 * math.pi))),
        drift=(float(rng.normal(0, 8)), float(rng.normal(0, 8)),
               float(rng.uniform(0.05, 0.3)), float(rng.uniform(6, 12))),
        lobby_seed=int(rng.integers(2**31)),
        frame_phase=float(rng.uniform(0, 1 / 30)),
    )
