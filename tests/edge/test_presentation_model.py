"""The simulated presentation: a phone coming into a 30 fps camera's view, slowing, held.

What the benchmark relies on, checked on frames a real decoder reads: the phone enters from
outside the view, its blur comes from its motion during the exposure (so it falls as the hand
slows, and a shorter exposure is sharper), the camera's exposure reacts to the bright screen,
and a held phone at the usual distance is readable.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from officegate.edge.decoders import make_decoder
from officegate.firmware_sim.optics import DEFAULT_CAMERA, SHORT_EXPOSURE, CameraSettings
from officegate.firmware_sim.phone import phone_screen
from officegate.firmware_sim.presentation import Pose, Presentation, draw

from .helpers import NOW, Site

HOLD = Pose(0.0, 0.0, 150.0, 20.0, 5.0, -5.0)
STEADY = Presentation(
    start=Pose(0.0, 350.0, 350.0, 0.0, 15.0, 0.0), hold=HOLD, move_s=0.6, screen_mm=68.0,
    nits=300.0, dark=False, glare_nits=0.0, glare_at=(0.0, 0.0), glare_radius=1.0,
    moire=0.0, moire_wave=(0.0, 0.0, 0.0), drift=(0.0, 0.0, 0.1, 8.0), lobby_seed=3,
    frame_phase=0.0)


@pytest.fixture(scope="module")
def pass_text() -> str:
    return Site().visitor(lambda: NOW).text()


def frames(presentation: Presentation, text: str, camera: CameraSettings = DEFAULT_CAMERA,
           seconds: float = 1.2) -> list[tuple[float, np.ndarray, bool]]:
    screen = phone_screen(text, dark=presentation.dark)
    return list(presentation.film(lambda _t: screen, seconds=seconds, camera=camera, seed=1))


def sharpness(frame: np.ndarray) -> float:
    """Variance of the Laplacian: high for crisp modules, low for smeared ones."""
    return float(cv2.Laplacian(frame, cv2.CV_64F).var())


def test_the_phone_comes_into_view_and_is_read_once_held(pass_text: str) -> None:
    shot = frames(STEADY, pass_text)
    decoder = make_decoder("zxing")

    assert not shot[0][2], "the phone starts outside the camera's view"
    held = [f for t, f, _ in shot if t > STEADY.move_s + 0.1]
    assert all(in_view for t, _, in_view in shot if t > STEADY.move_s)
    assert STEADY.whole_qr_in_view(STEADY.move_s)
    assert sum(decoder.decode(f) == [pass_text] for f in held) >= 0.8 * len(held)


def test_blur_falls_as_the_hand_slows(pass_text: str) -> None:
    shot = [(t, f) for t, f, seen in frames(STEADY, pass_text) if seen]
    moving = [f for t, f in shot if 0.25 * STEADY.move_s < t < 0.6 * STEADY.move_s]
    held = [f for t, f in shot if t > STEADY.move_s + 0.1]
    assert moving and held
    assert max(map(sharpness, moving)) < min(map(sharpness, held))


def test_a_shorter_exposure_freezes_the_moving_phone(pass_text: str) -> None:
    def mid_move(camera: CameraSettings) -> float:
        shot = frames(STEADY, pass_text, camera, seconds=0.8 * STEADY.move_s)
        return sharpness(shot[-1][1])

    assert mid_move(SHORT_EXPOSURE) > 1.5 * mid_move(DEFAULT_CAMERA)


def test_auto_exposure_turns_down_for_a_bright_screen(pass_text: str) -> None:
    bright = replace(STEADY, nits=800.0)
    lobby_only = frames(replace(bright, move_s=60.0), pass_text, seconds=0.3)  # far away
    shot = frames(bright, pass_text)
    assert abs(float(lobby_only[-1][1].mean()) - float(lobby_only[0][1].mean())) < 5
    # The whole frame's mean stays near mid-grey although a much brighter screen filled it.
    assert 60 < float(shot[-1][1].mean()) < 170


def test_the_same_seed_films_the_same_presentation(pass_text: str) -> None:
    one = draw(np.random.default_rng(12))
    assert one == draw(np.random.default_rng(12))
    a, b = frames(one, pass_text, seconds=0.5), frames(one, pass_text, seconds=0.5)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b, strict=True))


def test_drawn_presentations_stay_within_the_documented_ranges() -> None:
    drawn = [draw(np.random.default_rng(seed)) for seed in range(300)]
    assert all(105 <= p.hold.z <= 280 and 0.3 < p.move_s < 2.0 for p in drawn)
    assert all(p.whole_qr_in_view(p.move_s + 0.1) for p in drawn), "the visitor aims the QR"
    assert 0.2 < np.mean([p.dark for p in drawn]) < 0.4
    assert 0.15 < np.mean([p.glare_nits > 0 for p in drawn]) < 0.35
