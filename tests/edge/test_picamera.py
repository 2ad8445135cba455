"""The Pi camera source, through its public interface, with Picamera2 replaced by a fake.

Picamera2 only installs on a Raspberry Pi (it needs libcamera's Python bindings), so a small
stand-in module is put in ``sys.modules``. It mimics the calls the Picamera2 manual documents
and that the source uses: ``Picamera2(camera_num)``, ``camera_controls`` (name -> (min, max,
default)), ``create_video_configuration(main=..., controls=..., buffer_count=...)``,
``configure``, ``start``, ``capture_array("main")`` (YUV420 arrives as height*3/2 rows:
Y, then U and V), ``stop`` and ``close``.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from officegate.edge.agent import EdgeAgent
from officegate.edge.camera import CameraUnavailable
from officegate.edge.config import ConfigError, EdgeConfig
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import render_frame
from officegate.protocol.messages import Revocations

from .helpers import Clock, Site, device_config

# Controls of a Camera Module 2 (no autofocus) as Picamera2 lists them.
MODULE_2_CONTROLS = {"ExposureTime": (14, 3066985, 20000), "AnalogueGain": (1.0, 10.67, 1.0),
                     "FrameDurationLimits": (33333, 3067365, 33333), "AeEnable": (False, True,
                                                                                   True)}
MODULE_3_CONTROLS = {**MODULE_2_CONTROLS, "AfMode": (0, 2, 0), "LensPosition": (0.0, 15.0, 1.0)}


class FakePicamera2:
    """A camera module that films whatever ``scene`` returns (a BGR 640x480 picture)."""

    instances: list[FakePicamera2] = []
    scene: Any = None
    controls_available: dict[str, tuple[Any, Any, Any]] = MODULE_2_CONTROLS
    cameras = 1

    def __init__(self, camera_num: int = 0) -> None:
        if camera_num >= self.cameras:
            raise IndexError("list index out of range")  # what Picamera2 raises
        self.camera_controls = dict(self.controls_available)
        self.config: dict[str, Any] | None = None
        self.started = self.closed = False
        FakePicamera2.instances.append(self)

    def create_video_configuration(self, main: dict[str, Any] | None = None,
                                   controls: dict[str, Any] | None = None,
                                   buffer_count: int = 6, **_: Any) -> dict[str, Any]:
        for name in controls or {}:
            if name not in self.camera_controls:
                raise RuntimeError(f"Control {name!r} is not advertised by libcamera")
        return {"main": dict(main or {}), "controls": dict(controls or {}),
                "buffer_count": buffer_count}

    def configure(self, config: dict[str, Any]) -> None:
        self.config = config

    def start(self) -> None:
        assert self.config is not None, "Picamera2 must be configured before start()"
        self.started = True

    def capture_array(self, name: str = "main") -> np.ndarray:
        assert self.started and name == "main"
        assert self.config is not None
        width, height = self.config["main"]["size"]
        picture = np.asarray(type(self).__dict__["scene"]())  # a plain function, not a method
        picture = cv2.resize(picture, (width, height))
        if self.config["main"]["format"] == "YUV420":
            return cv2.cvtColor(picture, cv2.COLOR_BGR2YUV_I420)  # (h*3/2, w), Y first
        return picture  # "RGB888" is B, G, R in memory: OpenCV's order

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def picamera2(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakePicamera2]]:
    module = types.ModuleType("picamera2")
    module.Picamera2 = FakePicamera2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", module)
    FakePicamera2.instances = []
    FakePicamera2.controls_available = MODULE_2_CONTROLS
    rng = np.random.default_rng(1)
    FakePicamera2.scene = lambda: render_frame(None, rng)
    yield FakePicamera2


def pi_config(tmp_path: Path, **picamera: Any) -> EdgeConfig:
    return EdgeConfig(device="gate-1", site="hq", mqtt_url=None, data_dir=tmp_path,
                      camera="picamera2", picamera=picamera)


def test_a_pi_camera_gate_opens_for_a_pass_by_configuration_alone(
        picamera2: type[FakePicamera2], tmp_path: Path) -> None:
    site, clock = Site(), Clock()
    visitor = site.visitor(clock)
    rng = np.random.default_rng(7)
    picamera2.scene = lambda: render_frame(visitor.screen(), rng)
    config = pi_config(tmp_path)
    board = SimBoard(config.pins)
    agent = EdgeAgent.from_config(config, pin_factory=board.factory, clock=clock)
    try:
        agent.verifier.update_keys(site.keys)
        agent.verifier.update_revocations(Revocations("hq", 1, ()))
        agent.verifier.update_config(device_config())
        frame = agent.frames.read()
        assert frame is not None and frame.shape == (480, 640)  # the luminance plane
        # The steady-hand preset reads ~95 % of frames: 20 frames open the gate, once.
        decisions = [d for _ in range(20) for d in agent.step(agent.frames.read())]  # type: ignore[arg-type]
        assert [d.reason.value for d in decisions] == ["accepted"]
        assert len(board.relay_openings()) == 1
    finally:
        agent.close()
        board.close()
    assert picamera2.instances[0].closed


def test_the_camera_gets_a_short_fixed_shutter_and_a_pinned_frame_rate(
        picamera2: type[FakePicamera2], tmp_path: Path) -> None:
    agent = EdgeAgent.from_config(pi_config(tmp_path, exposure_us=3000, fps=25),
                                  pin_factory=MockFactory())
    agent.close()
    config = picamera2.instances[0].config
    assert config is not None
    assert config["main"] == {"size": (640, 480), "format": "YUV420"}
    assert config["controls"] == {"ExposureTime": 3000, "FrameDurationLimits": (40000, 40000)}


def test_a_camera_module_3_is_focused_where_phones_are_held(
        picamera2: type[FakePicamera2], tmp_path: Path) -> None:
    picamera2.controls_available = MODULE_3_CONTROLS
    agent = EdgeAgent.from_config(pi_config(tmp_path, focus_m=0.15), pin_factory=MockFactory())
    agent.close()
    controls = picamera2.instances[0].config["controls"]  # type: ignore[index]
    assert controls["AfMode"] == 0  # manual: the lens stays put
    assert controls["LensPosition"] == pytest.approx(1 / 0.15)


def test_focus_on_a_camera_without_autofocus_is_skipped_with_a_warning(
        picamera2: type[FakePicamera2], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        agent = EdgeAgent.from_config(pi_config(tmp_path, focus_m=0.15),
                                      pin_factory=MockFactory())
    agent.close()
    assert "LensPosition" not in picamera2.instances[0].config["controls"]  # type: ignore[index]
    assert "no control LensPosition" in caplog.text


def test_colour_frames_come_in_opencv_order(picamera2: type[FakePicamera2],
                                            tmp_path: Path) -> None:
    blue = np.zeros((480, 640, 3), np.uint8)
    blue[:, :, 0] = 200
    picamera2.scene = lambda: blue
    agent = EdgeAgent.from_config(pi_config(tmp_path, format="bgr"), pin_factory=MockFactory())
    frame = agent.frames.read()
    agent.close()
    assert frame is not None and frame.shape == (480, 640, 3)
    assert frame[0, 0].tolist() == [200, 0, 0]
    assert agent.frames.read() is None  # closed: no more frames


def test_a_missing_camera_number_says_so(picamera2: type[FakePicamera2],
                                         tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailable, match="no Pi camera number 1"):
        EdgeAgent.from_config(pi_config(tmp_path, index=1), pin_factory=MockFactory())


def test_without_picamera2_installed_the_error_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "picamera2", None)  # import fails, as off a Pi
    with pytest.raises(CameraUnavailable, match="apt install python3-picamera2"):
        EdgeAgent.from_config(pi_config(tmp_path), pin_factory=MockFactory())


def test_a_typo_in_the_camera_settings_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "gate.toml"
    path.write_text('device = "gate-1"\nsite = "hq"\ncamera = "picamera2"\n'
                    '[picamera]\nexposure_ms = 4\n')
    with pytest.raises(ConfigError, match="exposure_ms"):
        EdgeConfig.load(path)
