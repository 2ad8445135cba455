"""A gate camera as physics: pinhole projection, defocus, exposure, auto-exposure, noise.

Used by :mod:`officegate.firmware_sim.presentation` to film a phone moving in front of the
camera. Values are those of a Raspberry Pi Camera Module 2 read out at 640x480 (3.04 mm lens
at f/2.0, 62.2 degrees across); docs/presentation-model.md says where each number comes from.

Light is handled in linear units (luminance in cd/m2 times exposure) and turned into 8-bit
output by the sensor's saturation and the ISP's gamma, so a bright screen clips and blooms and
a short exposure is noisier, as on a real sensor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
#: Focal length in pixels at 640 px across 62.2 degrees (Camera Module 2).
FOCAL_PX = (FRAME_WIDTH / 2) / math.tan(math.radians(62.2 / 2))
#: Lens aperture diameter in mm (3.04 mm at f/2.0) and focal length in mm.
APERTURE_MM = 3.04 / 2.0
FOCAL_MM = 3.04
#: Size of one output pixel on the sensor in mm (3280 px of 1.12 um, scaled to 640).
PIXEL_MM = 1.12e-3 * 3280 / FRAME_WIDTH
#: Linear signal (1.0 = full well) per cd/m2 per ms at gain 1: a 100 cd/m2 white surface at
#: 33 ms fills about 70 % of the well, i.e. a lobby at 30 fps needs no gain.
SIGNAL_PER_NIT_MS = 0.7 / (100 * 33.3)
#: Shot noise (signal x gain / FULL_WELL) and read noise (READ_NOISE x gain), linear units.
FULL_WELL = 2500.0
READ_NOISE = 0.0025
_GAMMA_LUT = np.clip(np.linspace(0.0, 1.0, 4096) ** (1 / 2.2) * 255 + 0.5, 0, 255).astype(
    np.uint8)


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """What an installer can set: exposure cap, gain cap, AE target and speed, focus.

    ``max_exposure_ms`` is the longest exposure auto-exposure may choose (33.3 ms: a 30 fps
    camera left at its default); AE makes up the rest with analogue gain up to ``max_gain``.
    ``focus_mm`` is where the lens is focused (the hold plane, when installed as documented).
    """

    fps: float = 30.0
    width: int = FRAME_WIDTH
    height: int = FRAME_HEIGHT
    zoom: float = 1.0  # ScalerCrop: the centre 1/zoom of the sensor, scaled to width x height
    max_exposure_ms: float = 33.3
    max_gain: float = 8.0
    ae_target: float = 0.18  # linear mean the AE aims for (mid-grey)
    ae_speed: float = 0.3  # fraction of the way to the target per frame (log domain)
    focus_mm: float = 150.0


    @property
    def focal_px(self) -> float:
        """Focal length in output pixels."""
        return FOCAL_PX * self.width / FRAME_WIDTH * self.zoom

    @property
    def pixel_mm(self) -> float:
        """Size of one output pixel on the sensor, in mm."""
        return PIXEL_MM * FRAME_WIDTH / self.width / self.zoom


DEFAULT_CAMERA = CameraSettings()
#: Exposure capped at 4 ms (with gain): the "short exposure for a lit screen" setting.
SHORT_EXPOSURE = CameraSettings(max_exposure_ms=4.0, max_gain=12.0)


def defocus_sigma_px(distance_mm: float, focus_mm: float, pixel_mm: float = PIXEL_MM) -> float:
    """Gaussian sigma (px) of the blur circle of a point at ``distance_mm`` (thin lens)."""
    blur_mm = (APERTURE_MM * FOCAL_MM / (focus_mm - FOCAL_MM)
               * abs(distance_mm - focus_mm) / distance_mm)
    return blur_mm / pixel_mm / 2.4  # a disc of diameter c is close to a gaussian of c/2.4


def motion_kernel(dx: float, dy: float) -> np.ndarray | None:
    """A line kernel along the image motion (dx, dy) px during one exposure; None if < 0.5 px.

    The segment is sampled densely with bilinear weights, so sub-pixel lengths weigh right.
    """
    length = math.hypot(dx, dy)
    if length < 0.5:
        return None
    size = max(3, int(math.ceil(length)) | 1)
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    steps = max(2, int(math.ceil(length * 3)))
    for i in range(steps + 1):
        f = i / steps - 0.5
        x, y = c + f * dx, c + f * dy
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        ax, ay = x - x0, y - y0
        for xx, yy, wt in ((x0, y0, (1 - ax) * (1 - ay)), (x0 + 1, y0, ax * (1 - ay)),
                           (x0, y0 + 1, (1 - ax) * ay), (x0 + 1, y0 + 1, ax * ay)):
            if 0 <= xx < size and 0 <= yy < size:
                kernel[yy, xx] += wt
    return kernel / float(kernel.sum())


@dataclass(slots=True)
class Exposure:
    """The camera's auto-exposure state: exposure (ms) x gain, carried from frame to frame."""

    settings: CameraSettings
    product: float  # exposure_ms * gain
    history: list[tuple[float, float]] = field(default_factory=list)

    @classmethod
    def settled_on(cls, scene_nits: np.ndarray, settings: CameraSettings) -> Exposure:
        """AE as it has settled on ``scene_nits`` (the empty lobby before anyone comes)."""
        mean = float(scene_nits.mean()) * SIGNAL_PER_NIT_MS
        return cls(settings, settings.ae_target / max(mean, 1e-9))

    @property
    def exposure_ms(self) -> float:
        """Exposure time of the next frame."""
        return min(self.product, self.settings.max_exposure_ms)

    @property
    def gain(self) -> float:
        """Analogue gain of the next frame (1 .. max_gain)."""
        return float(np.clip(self.product / self.exposure_ms, 1.0, self.settings.max_gain))

    def update(self, measured_linear_mean: float) -> None:
        """Move toward the target after a frame whose mean linear output was ``measured``."""
        self.history.append((self.exposure_ms, self.gain))
        wanted = self.product * self.settings.ae_target / max(measured_linear_mean, 1e-4)
        step = self.settings.ae_speed * math.log(wanted / self.product)
        lo, hi = 0.02, self.settings.max_exposure_ms * self.settings.max_gain
        self.product = float(np.clip(self.product * math.exp(step), lo, hi))


def expose(nits: np.ndarray, exposure: Exposure, rng: np.random.Generator) -> np.ndarray:
    """Turn scene luminance (cd/m2, float32 HxW) into an 8-bit frame; updates the AE."""
    ms, gain = exposure.exposure_ms, exposure.gain
    signal = nits * np.float32(SIGNAL_PER_NIT_MS * ms)  # electrons, as a fraction of full well
    signal = np.minimum(signal, np.float32(1.0))  # the well is full: highlights clip
    sigma = np.sqrt(signal * np.float32(1.0 / FULL_WELL) + np.float32(READ_NOISE**2))
    noisy = (signal + sigma * _noise(rng, signal.shape)) * np.float32(gain)
    noisy = np.clip(noisy, 0.0, 1.0)
    exposure.update(float(noisy.mean()))
    return _GAMMA_LUT[(noisy * np.float32(4095)).astype(np.int32)]


def bloom(nits: np.ndarray, exposure: Exposure) -> np.ndarray:
    """Light spilling from over-exposed areas into their neighbours (lens flare, crosstalk).

    A few percent of the light above saturation spreads over a few pixels: thin dark modules
    between bright ones turn grey, which is what makes an over-exposed screen hard to read.
    """
    full = np.float32(1.0 / (SIGNAL_PER_NIT_MS * exposure.exposure_ms * exposure.gain))
    excess = np.maximum(nits - full, 0)
    if not excess.any():
        return nits
    return nits + cv2.GaussianBlur(excess, (0, 0), 2.0) * np.float32(0.08)


_NOISE_BANK: list[np.ndarray] = []


def _noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal noise of ``shape``: a random window of one of a few stored fields
    (drawing 300 k normals per frame would cost more than the rest of the frame)."""
    h, w = shape
    if not _NOISE_BANK or _NOISE_BANK[0].shape[0] < h + 64 or _NOISE_BANK[0].shape[1] < w + 64:
        bank = np.random.default_rng(12345)
        _NOISE_BANK[:] = [bank.standard_normal((h + 64, w + 64), dtype=np.float32)
                          for _ in range(4)]
    field = _NOISE_BANK[int(rng.integers(len(_NOISE_BANK)))]
    oy, ox = (int(v) for v in rng.integers(0, 64, size=2))
    return field[oy:oy + h, ox:ox + w]
