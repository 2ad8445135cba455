"""Running a vending machine as a service: what ``officegate edge`` does for kind "vending".

The machine itself (officegate/edge/vending.py) decides per frame; this module wires it from
the edge config (products, camera, pins) and reads frames until stopped.
"""

from __future__ import annotations

import logging
import threading

from gpiozero.pins import Factory

from officegate.edge.camera import FrameSource
from officegate.edge.config import EdgeConfig
from officegate.edge.decoders import make_decoder
from officegate.edge.hardware import open_hardware
from officegate.edge.vending import VendingMachine, build_machine
from officegate.protocol.vending import Product

log = logging.getLogger(__name__)


class VendingService:
    """A vending machine and its camera: :meth:`run` until :meth:`stop`, then :meth:`close`."""

    def __init__(self, config: EdgeConfig, *, frames: FrameSource | None = None,
                 pin_factory: Factory | None = None) -> None:
        if config.kind != "vending":
            raise ValueError(f"{config.device} is a {config.kind}, not a vending machine")
        products = [Product(slot=p.slot, product=p.product, name_en=p.name_en,
                            name_ja=p.name_ja, count=p.count) for p in config.products]
        # The camera and pins by name: "sim" brings a simulated machine (motors, drop sensor,
        # lit buttons) wired to mock pins, whose factory is closed with the machine.
        hardware = open_hardware(config, frames=frames, pins=pin_factory)
        self._own_pins: Factory | None = hardware.pins if pin_factory is None else None
        self.frames = hardware.frames
        self.machine: VendingMachine = build_machine(
            config, products=products, decoder=make_decoder(config.decoder),
            pin_factory=hardware.pins)
        self._stop = threading.Event()

    def run(self) -> None:
        """Start the link, report the stock, read frames until stopped or the camera ends."""
        self.machine.start()
        while not self._stop.is_set():
            frame = self.frames.read()
            if frame is None:
                log.warning("%s: the camera gave no frame; stopping", self.machine.device)
                break
            self.machine.step(frame)

    def stop(self) -> None:
        """Ask :meth:`run` to return after the current frame."""
        self._stop.set()

    def close(self) -> None:
        """Stop, release the camera, pins, link and outbox."""
        self.stop()
        self.machine.close()
        self.frames.close()
        if self._own_pins is not None:
            self._own_pins.close()
