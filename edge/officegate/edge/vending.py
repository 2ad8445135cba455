"""A vending machine at the edge: frame -> decode -> offline verify -> serve the order -> outbox.

The machine holds the orders the server sent it (on disk, so a restart or a dead network
changes nothing) and decides alone from the signed pass and the order for that pass: it needs
no network to serve. Without an order it shows its menu (the names on its display, the lamps
of the buttons with a drink left); the visitor presses a slot's button (a gpiozero Button,
see vending_panel.py) and the machine asks the server, which holds the visit's quota, for an
order. A press with no pass shown, or after the button window, serves nothing.

Everything it reports (vend results, stock) goes through the same durable outbox and MQTT
link as a gate's access events, on its ``events`` topic with ``kind`` "vend" or "stock".
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from gpiozero import DigitalInputDevice, DigitalOutputDevice
from gpiozero.pins import Factory

from officegate.edge.agent import build_verifier
from officegate.edge.cache import EdgeCache
from officegate.edge.config import EdgeConfig, VendingPinsConfig
from officegate.edge.decoders import Decoder
from officegate.edge.link import EdgeLink
from officegate.edge.outbox import Outbox
from officegate.edge.vending_panel import ButtonPanel
from officegate.edge.verifier import EdgeVerifier
from officegate.mqtt.client import parse_mqtt_url
from officegate.protocol.messages import new_event_id
from officegate.protocol.vending import DrinkOrder, Product, StockReport, VendEvent

log = logging.getLogger(__name__)

#: A visitor who showed a pass without an order may pick on the buttons for this long.
BUTTON_WINDOW_S = 60.0

MENU = ("ボタンでお選びください", "Choose a drink with the buttons")
SCREENS: dict[str, tuple[str, str]] = {
    "idle": ("パスのQRコードをかざしてください", "Show your pass QR code"),
    "served": ("お飲み物をどうぞ！", "Enjoy your drink!"),
    "jammed": ("申し訳ありません。商品が出ませんでした。無料ドリンクは消費されていません",
               "Sorry, the drink did not come out. Your free drink was not used"),
    "out_of_stock": ("申し訳ありません。売り切れです。スマートフォンで別の商品をお選びください",
                     "Sorry, sold out. Please choose another drink on your phone"),
    "expired": ("ご注文の有効時間が過ぎました。スマートフォンで再度ご注文ください",
                "Your order timed out. Please order again on your phone"),
    "denied": ("このパスはご利用いただけません", "This pass cannot be used here"),
    "asking": ("確認しています…", "Checking your free drink..."),
    "show_pass": ("先にパスのQRコードをかざしてください", "Please show your pass QR code first"),
    "offline": ("ただいま無料ドリンクを確認できません。スタッフにお声がけください",
                "Cannot check your free drink right now. Please ask a member of staff"),
    "button_sold_out": ("その商品は売り切れです。点灯しているボタンからお選びください",
                        "That one is sold out. Please press a lit button"),
    "all_sold_out": ("申し訳ありません。すべて売り切れです", "Sorry, everything is sold out"),
    "order_on_phone": ("スマートフォンのパスのページでご注文ください",
                       "Please order on your pass page"),
}


@dataclass(frozen=True, slots=True)
class VendingPins:
    """BCM pins: per slot a motor output, a button and its lamp; the "vend done" sensor."""

    slots: tuple[int, ...] = (5, 6, 13, 19)
    done: int = 21
    buttons: tuple[int, ...] = (12, 16, 20, 26)
    lamps: tuple[int, ...] = (4, 18, 24, 25)

    @classmethod
    def from_config(cls, pins: VendingPinsConfig) -> VendingPins:
        """The pins of an edge config's ``[vending_pins]`` table."""
        return cls(slots=pins.motors, done=pins.done, buttons=pins.buttons, lamps=pins.lamps)


@dataclass(slots=True)
class Presented:
    """A valid pass shown with no order: the menu is up for it until ``at`` + the window."""

    pass_id: str
    visit_id: int | None
    at: float
    asked: int | None = None  # the slot chosen on the buttons, while the server answers
    menu: dict[int, Product] = field(default_factory=dict)


def menu_screen(menu: dict[int, Product]) -> tuple[str, str]:
    """The display while the menu is up: each drink with its button number (slot + 1)."""
    ja = "　".join(f"{slot + 1} {p.name_ja}" for slot, p in menu.items())
    en = " / ".join(f"{slot + 1} {p.name_en}" for slot, p in menu.items())
    return f"{MENU[0]}：{ja}", f"{MENU[1]}: {en}"


class Dispenser:
    """The dispense mechanism: a slot's output runs until the vend-done sensor confirms.

    ``vend(slot)`` returns False when no confirmation came within ``timeout_s`` (a jam).
    """

    def __init__(self, pins: VendingPins = VendingPins(), *, pin_factory: Factory | None = None,
                 timeout_s: float = 5.0) -> None:
        self.pins = pins
        self.timeout_s = timeout_s
        self._motors = [DigitalOutputDevice(p, pin_factory=pin_factory) for p in pins.slots]
        self._done = DigitalInputDevice(pins.done, pull_up=False, pin_factory=pin_factory)
        self._confirmed = threading.Event()
        self._done.when_activated = self._confirmed.set

    def vend(self, slot: int) -> bool:
        """Run ``slot``'s motor until the drink drops (True) or the time is up (False)."""
        motor = self._motors[slot]
        self._confirmed.clear()
        motor.on()
        try:
            return self._confirmed.wait(self.timeout_s)
        finally:
            motor.off()

    def close(self) -> None:
        """Release the pins."""
        for device in (*self._motors, self._done):
            device.close()


def _write_json(path: Path, doc: Any) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)  # a crash leaves the old file or the new one, never half


class VendingMachine:
    """One machine. Feed frames with :meth:`step`; its ``panel`` buttons call :meth:`press`."""

    def __init__(self, *, device: str, site: str, decoder: Decoder, dispenser: Dispenser,
                 verifier: EdgeVerifier, outbox: Outbox, data_dir: Path,
                 products: list[Product], link: EdgeLink | None = None,
                 panel: ButtonPanel | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.device, self.site = device, site
        self.decoder, self.dispenser, self.verifier = decoder, dispenser, verifier
        self.panel = panel
        if panel is not None:
            panel.on_press = self.press
        self.outbox, self.link, self.clock = outbox, link, clock
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._orders_path = data_dir / "orders.json"
        self._stock_path = data_dir / "stock.json"
        self._lock = threading.RLock()  # one vend at a time; commands arrive on paho's thread
        self.orders: dict[str, DrinkOrder] = {}
        if self._orders_path.exists():
            for doc in json.loads(self._orders_path.read_text("utf-8")):
                order = DrinkOrder.from_json(doc)
                self.orders[order.order_id] = order
        self.stock: dict[int, Product] = {p.slot: p for p in products}
        if self._stock_path.exists():
            saved = [Product.from_dict(d) for d in json.loads(self._stock_path.read_text("utf-8"))]
            self.stock = {p.slot: p for p in saved}
        self.screen = SCREENS["idle"]
        self.menu_shown = False
        self._presented: Presented | None = None
        self.on_event: Callable[[VendEvent], None] | None = None
        if link is not None:
            link.commands.update(order=self._order_command, cancel_order=self._cancel_command,
                                 refuse=self._refuse_command)

    # Running ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the MQTT link (if any) and report the stock."""
        if self.link is not None:
            self.link.start()
        self.report_stock()

    def close(self) -> None:
        """Stop the link, release the pins, close the outbox."""
        if self.link is not None:
            self.link.stop()
        if self.panel is not None:
            self.panel.close()
        self.dispenser.close()
        self.outbox.close()

    # The pipeline ----------------------------------------------------------------------
    def step(self, frame: np.ndarray) -> list[VendEvent]:
        """Decode one frame and act on each new pass decision; returns the events made."""
        self.expire_menu()
        try:
            texts = self.decoder.decode(frame)
        except Exception:  # one odd frame must not stop the machine
            log.exception("decoder %s failed on a frame", self.decoder.name)
            return []
        events = []
        for text in dict.fromkeys(texts):
            if (event := self.present(text)) is not None:
                events.append(event)
        return events

    def present(self, text: str) -> VendEvent | None:
        """A pass shown at the machine: serve its order, show the menu, or refuse it."""
        now = self.clock()
        decision = self.verifier.decide(text, now)
        if decision is None:
            return None  # the same presentation, still in front of the camera
        if not decision.accepted:
            with self._lock:
                self._show(SCREENS["denied"])
            c = decision.claims  # None when the pass is forged: then it names nobody
            return self._report("denied", pass_id=c.pass_id_hex if c else None,
                                visit_id=c.visit_id if c else None,
                                reason=decision.reason.value, detail=decision.detail)
        claims = decision.claims
        assert claims is not None
        with self._lock:
            order = next((o for o in self.orders.values() if o.pass_id == claims.pass_id_hex),
                         None)
            if order is not None:
                return self._serve(order)
            return self._show_menu(Presented(claims.pass_id_hex, claims.visit_id, now))

    def _show_menu(self, presented: Presented) -> VendEvent:
        """No order for this pass: list the drinks and light their buttons (caller locks)."""
        buttons = self.panel.slots if self.panel is not None else 0
        presented.menu = {slot: p for slot, p in sorted(self.stock.items())
                          if p.count > 0 and slot < buttons}
        if not buttons:
            self._show(SCREENS["order_on_phone"])
            detail = "no order; this machine has no buttons"
        elif not presented.menu:
            self._show(SCREENS["all_sold_out"])
            detail = "no order; nothing left to choose"
        else:
            self._show(menu_screen(presented.menu), presented)
            detail = "no order: menu shown"
        return self._report("no_order", pass_id=presented.pass_id,
                            visit_id=presented.visit_id, detail=detail)

    def _show(self, screen: tuple[str, str], presented: Presented | None = None,
              lit: set[int] | None = None) -> None:
        """Put ``screen`` on the display; the menu stays up only with a ``presented`` pass,
        and the button lamps light its drinks (or just ``lit``). The caller holds the lock."""
        self.screen, self._presented = screen, presented
        self.menu_shown = presented is not None and presented.asked is None
        if self.panel is not None:
            self.panel.light(lit if lit is not None else
                             presented.menu if self.menu_shown and presented else ())

    def expire_menu(self) -> None:
        """Put the menu away once the button window has passed (called with every frame)."""
        with self._lock:
            shown = self._presented
            if shown is not None and self.clock() - shown.at > BUTTON_WINDOW_S:
                self._show(SCREENS["idle"])

    def press(self, slot: int) -> VendEvent | None:
        """A slot's button was pressed: after a pass without an order, ask the server for
        that drink; returns the request, or None when nothing is asked (and the screen says
        why)."""
        with self._lock:
            self.expire_menu()
            presented = self._presented
            if presented is None:
                self._show(SCREENS["show_pass"])
                return None
            if presented.asked is not None:
                return None  # already asking for this visitor: a second press changes nothing
            if slot not in presented.menu:
                self._show(SCREENS["button_sold_out"], presented)
                return None
            if self.link is None or not self.link.connected.is_set():
                # Only the server knows the visit's quota; a request queued now would be
                # served long after the visitor walked away.
                self._show(SCREENS["offline"])
                return None
            presented.asked = slot
            self._show(SCREENS["asking"], presented, lit={slot})
            event = VendEvent(id=new_event_id(), machine=self.device, site=self.site,
                              at=self.clock(), outcome="requested", order_id=None,
                              pass_id=presented.pass_id, visit_id=presented.visit_id,
                              slot=slot, reason="",
                              detail=f"{presented.menu[slot].product} chosen on the buttons")
            self._put(event)
            return event

    def _serve(self, order: DrinkOrder) -> VendEvent:
        del self.orders[order.order_id]
        self._save_orders()
        product = self.stock.get(order.slot)
        if self.clock() > order.expires:
            outcome = "expired"
        elif product is None or product.count <= 0:
            outcome = "out_of_stock"
        elif self.dispenser.vend(order.slot):
            outcome = "served"
            self.stock[order.slot] = replace(product, count=product.count - 1)
        else:
            outcome = "jammed"
        self._show(SCREENS[outcome])
        event = self._report(outcome, pass_id=order.pass_id, visit_id=order.visit_id,
                             order=order, detail=f"{order.product} from slot {order.slot}")
        if outcome == "served":
            self.report_stock()
        return event

    # Reports ---------------------------------------------------------------------------
    def _report(self, outcome: str, *, pass_id: str | None, visit_id: int | None,
                order: DrinkOrder | None = None, reason: str = "", detail: str = "") -> VendEvent:
        event = VendEvent(id=new_event_id(), machine=self.device, site=self.site,
                          at=self.clock(), outcome=outcome,
                          order_id=order.order_id if order else None, pass_id=pass_id,
                          visit_id=visit_id, slot=order.slot if order else None,
                          reason=reason, detail=detail)
        self._put(event)
        log.info("%s: %s %s", self.device, outcome, detail)
        return event

    def _put(self, event: VendEvent | StockReport) -> None:
        # The outbox stores any message with an id and JSON (typed for access events).
        self.outbox.put(event)  # type: ignore[arg-type]
        if self.link is not None:
            self.link.wake()
        if self.on_event is not None and isinstance(event, VendEvent):
            self.on_event(event)

    def report_stock(self) -> None:
        """Persist the stock and queue a stock report for the server."""
        with self._lock:
            slots = tuple(sorted(self.stock.values(), key=lambda p: p.slot))
            _write_json(self._stock_path, [asdict(p) for p in slots])
            self._put(StockReport(id=new_event_id(), machine=self.device, site=self.site,
                                  at=self.clock(), slots=slots))

    def restock(self, slot: int, count: int) -> None:
        """A member of staff refilled ``slot`` to ``count``."""
        with self._lock:
            self.stock[slot] = replace(self.stock[slot], count=count)
        self.report_stock()

    # Commands from the server (paho's thread) -----------------------------------------
    def _order_command(self, command: dict[str, Any]) -> None:
        self.hold_order(DrinkOrder.from_json(command))

    def hold_order(self, order: DrinkOrder) -> None:
        """Keep the server's ``order`` (on disk) until its pass is shown; serve it at once
        when that visitor is at the machine after choosing on the buttons."""
        if order.machine != self.device:
            raise ValueError(f"order is for {order.machine!r}, not {self.device!r}")
        with self._lock:
            self.orders[order.order_id] = order
            self._save_orders()
            presented = self._presented
        log.info("%s: order %s for slot %d", self.device, order.order_id, order.slot)
        if presented is not None and presented.pass_id == order.pass_id and \
                self.clock() - presented.at <= BUTTON_WINDOW_S:
            # The visitor is at the machine and chose on its buttons: serve now, off the
            # network thread (a vend takes seconds).
            threading.Thread(target=self._serve_waiting, args=(order.order_id,),
                             name=f"{self.device}-vend", daemon=True).start()

    def _serve_waiting(self, order_id: str) -> None:
        with self._lock:
            order = self.orders.get(order_id)
            presented = self._presented
            if order is None or presented is None or presented.pass_id != order.pass_id:
                return
            self._serve(order)

    def _cancel_command(self, command: dict[str, Any]) -> None:
        order_id = command.get("order_id")
        if not isinstance(order_id, str):
            raise ValueError("cancel_order needs an order_id")
        with self._lock:
            if self.orders.pop(order_id, None) is not None:
                self._save_orders()

    def _refuse_command(self, command: dict[str, Any]) -> None:
        en, ja = command.get("message_en"), command.get("message_ja")
        if not isinstance(en, str) or not isinstance(ja, str):
            raise ValueError("refuse needs message_en and message_ja")
        with self._lock:
            if self._presented is not None and self._presented.pass_id == command.get("pass_id"):
                self._show((ja[:200], en[:200]))

    def _save_orders(self) -> None:
        _write_json(self._orders_path, [json.loads(o.to_json()) for o in self.orders.values()])



def build_machine(config: EdgeConfig, *, products: list[Product], decoder: Decoder,
                  pin_factory: Factory | None = None, pins: VendingPins | None = None,
                  vend_timeout_s: float = 5.0,
                  clock: Callable[[], float] = time.time) -> VendingMachine:
    """Wire a machine from an edge config: cached verifier, outbox, MQTT link, dispenser and
    buttons (pins from the config's ``[vending_pins]`` unless ``pins`` is given)."""
    pins = pins or VendingPins.from_config(config.vending_pins)
    cache = EdgeCache(config.data_dir / "cache")
    verifier = build_verifier(config, cache)
    outbox = Outbox(config.data_dir / "outbox.db")
    link = None
    if config.mqtt_url:
        link = EdgeLink(device=config.device, site=config.site,
                        broker=parse_mqtt_url(config.mqtt_url), outbox=outbox,
                        verifier=verifier, cache=cache)
    return VendingMachine(device=config.device, site=config.site, decoder=decoder,
                          dispenser=Dispenser(pins, pin_factory=pin_factory,
                                              timeout_s=vend_timeout_s),
                          verifier=verifier, outbox=outbox, data_dir=config.data_dir,
                          products=products, link=link, clock=clock,
                          panel=ButtonPanel(pins.buttons, pins.lamps, pin_factory=pin_factory)
                          if pins.buttons else None)
