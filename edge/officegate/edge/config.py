"""The edge's configuration: one file (TOML, YAML or JSON) parsed once, up front.

A typo in a key is an error naming the key, not a silent default (``extra="forbid"``).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from officegate.mqtt.client import parse_mqtt_url


class ConfigError(ValueError):
    """The edge config file is missing, unreadable or invalid; the message says where."""


class Pins(BaseModel):
    """BCM pin numbers of the gate's outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    relay: int = Field(default=17, ge=0, le=27, title="Relay",
                       description="BCM pin of the lock relay.")
    green: int = Field(default=27, ge=0, le=27, title="Green LED",
                       description="BCM pin of the green LED.")
    red: int = Field(default=22, ge=0, le=27, title="Red LED",
                     description="BCM pin of the red LED.")
    buzzer: int = Field(default=23, ge=0, le=27, title="Buzzer",
                        description="BCM pin of the buzzer.")
    door_contact: int | None = Field(
        default=None, ge=0, le=27, title="Door contact",
        description="BCM pin of the door contact (reed switch to GND when shut); "
        "none = no forced/held-open alarms.")
    exit_button: int | None = Field(
        default=None, ge=0, le=27, title="Exit button",
        description="BCM pin of the request-to-exit button (to GND when pressed).")


class VendingSlot(BaseModel):
    """One slot of a vending machine as first stocked (the machine's own stock file, kept
    up to date on disk, wins once it exists)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slot: int = Field(ge=0, le=15, description="Slot number (0 = the first motor pin).")
    product: str = Field(min_length=1, max_length=64, description="Product id, e.g. green-tea.")
    name_en: str = Field(min_length=1, max_length=80, description="Name shown in English.")
    name_ja: str = Field(min_length=1, max_length=80, description="Name shown in Japanese.")
    count: int = Field(ge=0, le=10_000, description="How many are loaded.")


class VendingPinsConfig(BaseModel):
    """BCM pins of a vending machine: a motor, a button and (optionally) a button lamp per
    slot, and the "vend done" drop sensor. Slot n uses the n-th pin of each list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    motors: tuple[int, ...] = Field(
        default=(5, 6, 13, 19), min_length=1, max_length=16, title="Slot motors",
        description="BCM pin of each slot's motor (relay or driver input), slot 0 first.")
    done: int = Field(default=21, ge=0, le=27, title="Drop sensor",
                      description="BCM pin of the \"vend done\" drop sensor (high = a can fell).")
    buttons: tuple[int, ...] = Field(
        default=(12, 16, 20, 26), max_length=16, title="Slot buttons",
        description="BCM pin of each slot's selection button (to GND when pressed), slot 0 "
        "first; as many as motors, or none for a machine without buttons.")
    lamps: tuple[int, ...] = Field(
        default=(4, 18, 24, 25), max_length=16, title="Button lamps",
        description="BCM pin of the LED in each slot's button, lit while the menu is shown "
        "for slots with a drink left; as many as buttons, or none.")

    @model_validator(mode="after")
    def _one_per_slot(self) -> VendingPinsConfig:
        pins = (*self.motors, self.done, *self.buttons, *self.lamps)
        if any(not 0 <= p <= 27 for p in pins):
            raise ValueError("BCM pins are 0 to 27")
        if len(set(pins)) != len(pins):
            raise ValueError("a pin is used twice")
        if self.buttons and len(self.buttons) != len(self.motors):
            raise ValueError("give one button per motor (or none)")
        if self.lamps and len(self.lamps) != len(self.buttons):
            raise ValueError("give one lamp per button (or none)")
        return self


class PicameraConfig(BaseModel):
    """Settings of a Raspberry Pi camera module read through Picamera2 (``camera =
    "picamera2"``); docs/pi-wiring.md explains the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(default=0, ge=0, le=7, title="Camera number",
                       description="Which camera module (0: the first, or the only one).")
    width: int = Field(default=640, ge=160, le=4608, title="Width",
                       description="Frame width in pixels.")
    height: int = Field(default=480, ge=120, le=3496, title="Height",
                        description="Frame height in pixels.")
    fps: float = Field(default=30.0, gt=0, le=120, title="Frames per second",
                       description="Frame rate, pinned with FrameDurationLimits.")
    exposure_us: int | None = Field(
        default=1500, ge=100, le=1_000_000, title="Exposure time (us)",
        description="Fixed shutter time; the camera's AGC still sets the gain. Short keeps a "
                    "moving phone sharp. None: full auto-exposure.")
    focus_m: float | None = Field(
        default=None, gt=0.05, le=10.0, title="Focus distance (m)",
        description="Camera Module 3 only: focus the lens at this distance and keep it there "
                    "(e.g. 0.15 where phones are held). None: the camera's own focus.")
    format: Literal["gray", "bgr"] = Field(
        default="gray", title="Frame format",
        description="gray: the luminance plane (what the decoder reads, no conversion); "
                    "bgr: colour frames in OpenCV's order.")
    buffers: int = Field(default=2, ge=1, le=8, title="Buffers",
                         description="Frame buffers; few keep the frame read the newest.")


class EdgeConfig(BaseModel):
    """Everything an edge agent at one gate, door or vending machine needs to run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device: str = Field(
        min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", title="Device name",
        description="This device's name; its MQTT client id and topic segment.",
    )
    site: str = Field(
        min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", title="Site",
        description="Site id whose keys and revocations this device trusts.",
    )
    kind: Literal["gate", "door", "vending"] = Field(
        default="gate", title="Kind", description="What this device drives."
    )
    zone: str = Field(
        default="lobby", min_length=1, title="Zone", description="Zone this device opens into."
    )
    mqtt_url: str | None = Field(
        default="mqtt://127.0.0.1:1883", title="MQTT broker URL",
        description="mqtt://user:pass@host:port; empty (or null) runs offline from the cache.",
    )
    data_dir: Path = Field(
        default=Path("./edge-data"), title="Data directory",
        description="Where the key/config cache and the event outbox live.",
    )
    camera: int | str = Field(
        default=0, title="Camera",
        description="OpenCV camera index or device path (/dev/video0), or the name of a "
                    "registered camera (\"sim\": the simulator's frames and mock pins)."
    )
    pin_factory: str | None = Field(
        default=None, title="Pin factory",
        description="gpiozero pin factory by name (lgpio, rpigpio, pigpio, native, mock); "
                    "default: what the camera brings, else gpiozero's own choice.",
    )
    decoder: Literal["zxing", "pyzbar", "opencv", "gate"] = Field(
        default="gate", title="QR decoder",
        description="Which QR decoder reads the frames: gate (zxing-cpp tuned for phone "
                    "screens, with retries on crops; the default), zxing, pyzbar or opencv."
    )
    pins: Pins = Field(
        default=Pins(), title="Pins", description="BCM pin numbers of the outputs."
    )
    picamera: PicameraConfig = Field(
        default=PicameraConfig(), title="Pi camera",
        description="Settings of the camera \"picamera2\" (a Pi camera module via libcamera).")
    relay_pulse_ms: int = Field(
        default=1500, ge=50, le=30000, title="Relay pulse (ms)",
        description="How long the lock relay stays energised per opening "
        "(until the server's device config says otherwise).",
    )
    hold_seconds: float = Field(
        default=5.0, gt=0, le=60, title="Hold time (s)",
        description="A pass still in front of the camera within this time does not open twice.",
    )

    mqtt_ca_file: Path | None = Field(
        default=None, title="Broker CA file",
        description="PEM CA that signed the broker's TLS certificate (mqtts:// URLs).",
    )
    relay_active_low: bool = Field(
        default=False, title="Active-low relay board",
        description="True for relay boards that switch on a LOW input (most cheap 1-4 "
        "channel boards with an optocoupler).",
    )
    held_open_seconds: float = Field(
        default=30.0, gt=0, le=3600, title="Held-open alarm (s)",
        description="A door open longer than this raises a door-held-open alarm.",
    )
    keepalive_seconds: int = Field(
        default=15, ge=5, le=300, title="MQTT keepalive (s)",
        description="A silent link is declared dead after 1.5x this; then reconnect "
        "with backoff (1 s doubling to 30 s).",
    )
    heartbeat_seconds: float = Field(
        default=30.0, ge=1, le=3600, title="Heartbeat interval (s)",
        description="How often the edge reports fps, p99 latencies and outbox depth.",
    )
    outbox_max_events: int = Field(
        default=100_000, ge=100, title="Outbox bound (events)",
        description="Past this many undelivered events the oldest are dropped, with a "
        "WARNING and a dropped count in the heartbeat (warned at 80%).",
    )
    outbox_max_days: float = Field(
        default=30.0, gt=0, title="Outbox bound (days)",
        description="Undelivered events older than this are dropped, with a WARNING.",
    )

    products: tuple[VendingSlot, ...] = Field(
        default=(), title="Vending products",
        description="kind = \"vending\" only: what each slot holds ([[products]] tables).",
    )
    vending_pins: VendingPinsConfig = Field(
        default=VendingPinsConfig(), title="Vending pins",
        description="kind = \"vending\" only: motors, drop sensor, buttons and lamps.",
    )

    @field_validator("mqtt_url")
    @classmethod
    def _empty_url_is_offline(cls, value: str | None) -> str | None:
        # TOML has no null: an empty string is how a config file says "no broker".
        if value is None or not value.strip():
            return None
        parse_mqtt_url(value)  # a bad URL is a config error now, not a crash later
        return value

    @classmethod
    def load(cls, path: str | Path) -> EdgeConfig:
        """Read and validate a config file (.toml, .yaml/.yml or .json).

        Raises :class:`ConfigError` with the file name and each problem found.
        """
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read edge config {path}: {exc.strerror}") from None
        try:
            data = _parse(path, raw)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - each parser has its own error type
            raise ConfigError(f"{path} is not valid {path.suffix.lstrip('.')}: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path} must hold a table/mapping of settings")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"invalid edge config {path}: {problems}") from None


def _parse(path: Path, raw: str) -> object:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return tomllib.loads(raw)
    if suffix == ".json":
        return json.loads(raw)
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigError("YAML config needs PyYAML: pip install pyyaml") from None
        return yaml.safe_load(raw)
    raise ConfigError(f"{path}: config must be .toml, .yaml, .yml or .json")
