"""Each decoder reads real rendered pass QRs from simulated camera frames."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from support.system import decoder_params

from officegate.edge.decoders import DECODER_NAMES, DecoderUnavailable, make_decoder
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.phone import phone_screen
from officegate.protocol import rotating_text

from .helpers import NOW, Site

# How many of 10 easy frames (phone held steadily) each decoder must read at least.
MIN_READS = {"zxing": 9, "pyzbar": 8, "opencv": 3}


@pytest.fixture(scope="module")
def pass_text() -> str:
    """Text shaped exactly like a phone's rotating pass, with fixed content.

    A real pass has a fresh random signature each run; fixed bytes of the same length keep
    the QR (and so these read counts) the same on every run.
    """
    real = Site().visitor(lambda: NOW)
    fixed = np.random.default_rng(42).integers(0, 256, size=len(real.cose), dtype=np.uint8)
    return rotating_text(fixed.tobytes(), "12345678")


@pytest.mark.parametrize("name", decoder_params(DECODER_NAMES))
def test_decoder_reads_the_pass_from_camera_frames(name: str, pass_text: str) -> None:
    decoder = make_decoder(name)
    screen = phone_screen(pass_text)
    camera = SimulatedCamera(lambda: screen, seed=3)

    reads = [decoder.decode(camera.read()) for _ in range(10)]  # type: ignore[arg-type]

    assert all(texts in ([], [pass_text]) for texts in reads), "a misread is worse than no read"
    assert sum(texts == [pass_text] for texts in reads) >= MIN_READS[name]


@pytest.mark.parametrize("name", decoder_params(DECODER_NAMES))
def test_decoder_reads_a_dark_mode_phone(name: str, pass_text: str) -> None:
    decoder = make_decoder(name)
    screen = phone_screen(pass_text, dark=True)
    camera = SimulatedCamera(lambda: screen, seed=5)

    assert any(decoder.decode(camera.read()) == [pass_text] for _ in range(10))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", decoder_params(DECODER_NAMES))
def test_empty_lobby_reads_nothing(name: str) -> None:
    camera = SimulatedCamera(None, seed=11)
    decoder = make_decoder(name)
    assert all(decoder.decode(camera.read()) == [] for _ in range(5))  # type: ignore[arg-type]


def test_unknown_decoder_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="choose one of zxing, pyzbar, opencv"):
        make_decoder("zbarcam")


def test_pyzbar_without_libzbar_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # What pyzbar does on a machine without libzbar0: its loader raises ImportError.
    import pyzbar
    import pyzbar.zbar_library

    def no_library() -> None:
        raise ImportError("Unable to find zbar shared library")

    monkeypatch.setattr(pyzbar.zbar_library, "load", no_library)
    for module in ("pyzbar", "wrapper"):  # forget the loaded modules so they import afresh
        monkeypatch.delitem(sys.modules, f"pyzbar.{module}", raising=False)
        monkeypatch.delattr(pyzbar, module, raising=False)

    with pytest.raises(DecoderUnavailable) as error:
        make_decoder("pyzbar")

    assert str(error.value) == "pyzbar needs the system library libzbar0: apt install libzbar0"
