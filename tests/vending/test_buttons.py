"""The machine's own buttons: real gpiozero Buttons and lamps on mock pins.

A visitor with a valid pass and no order shows the QR, the machine lists its drinks and lights
their buttons, the visitor presses one (the test drives the button's pin to GND), and the
machine serves that drink; the free drink is charged once. A press with no pass shown, or
after the button window, serves nothing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from officegate.edge.config import ConfigError, EdgeConfig, VendingPinsConfig
from officegate.edge.vending import BUTTON_WINDOW_S
from officegate.protocol.vending import Product, VendEvent
from officegate.server.vending.models import DrinkOrder

from .conftest import Office, show, wait_until

ROOT = Path(__file__).resolve().parents[2]


def _orders(office: Office, visit: int) -> list[DrinkOrder]:
    with office.client.app.state.officegate.sessions() as db:  # type: ignore[attr-defined]
        return list(db.query(DrinkOrder).filter_by(visit_id=visit))


def test_menu_on_the_buttons_serves_the_pressed_drink_once(office: Office) -> None:
    machine, board = office.machine(office.machines[0], products=[
        Product(0, "green-tea", "Green tea", "緑茶", 5),
        Product(1, "coffee", "Black coffee", "ブラックコーヒー", 5),
        Product(2, "water", "Water", "お水", 0)])  # sold out
    made: list[VendEvent] = []
    machine.on_event = made.append
    token, phone, visit = office.invite()
    assert board.lit() == set()  # dark until someone shows a pass

    assert [e.outcome for e in show(machine, phone.screen)] == ["no_order"]
    assert machine.screen == ("ボタンでお選びください：1 緑茶　2 ブラックコーヒー",
                              "Choose a drink with the buttons: 1 Green tea / 2 Black coffee")
    assert board.lit() == {0, 1}  # the sold-out water and the empty fourth slot stay dark

    board.press(2)  # the dark water button: nothing is asked, the menu stays
    assert "sold out" in machine.screen[1] and board.lit() == {0, 1}
    board.press(1)  # coffee: the machine asks the server, only the coffee lamp stays on
    board.press(1)  # pressed again (or bouncing) while it asks, or after: no second request
    board.press(0)
    wait_until(lambda: board.served() == 1)
    assert board.drops == {1: 1} and board.lit() == set()
    assert [e.outcome for e in made if e.outcome == "requested"] == ["requested"]

    status = wait_until(lambda: (d := office.drink(token))["order"] and
                        d["order"]["status"] == "served" and d)
    assert status["order"]["product"] == "coffee" and status["quota_left"] == 0
    assert [(o.status, o.seat) for o in _orders(office, visit)] == [("served", 1)]
    wait_until(lambda: office.client.get("/api/vending/figures", headers=office.admin)
               .json()["served"] == 1)

    # After the drink the same button serves nothing: the pass has to be shown again, and
    # then the server says the free drink is used.
    board.press(0)
    assert "show your pass QR" in machine.screen[1]
    office.later(60)
    assert [e.outcome for e in show(machine, phone.screen)] == ["no_order"]
    board.press(0)
    wait_until(lambda: "already had your free drink" in machine.screen[1])
    assert board.served() == 1 and len(_orders(office, visit)) == 1


def test_a_button_with_no_pass_shown_serves_nothing(office: Office) -> None:
    machine, board = office.machine(office.machines[0])
    made: list[VendEvent] = []
    machine.on_event = made.append
    for slot in range(4):
        board.press(slot)
    assert machine.screen == ("先にパスのQRコードをかざしてください",
                              "Please show your pass QR code first")
    assert made == [] and board.served() == 0 and board.lit() == set()


def test_a_button_after_the_window_serves_nothing(office: Office) -> None:
    machine, board = office.machine(office.machines[0])
    made: list[VendEvent] = []
    machine.on_event = made.append
    token, phone, visit = office.invite()
    assert [e.outcome for e in show(machine, phone.screen)] == ["no_order"]
    assert board.lit() == {0, 1, 2}

    office.later(BUTTON_WINDOW_S + 1)  # the visitor wandered off and came back
    board.press(1)
    assert "show your pass QR" in machine.screen[1] and board.lit() == set()
    assert [e.outcome for e in made] == ["no_order"] and board.served() == 0
    assert _orders(office, visit) == [] and office.drink(token)["order"] is None


def test_the_menu_goes_dark_by_itself_after_the_window(office: Office) -> None:
    machine, board = office.machine(office.machines[0])
    _token, phone, _visit = office.invite()
    show(machine, phone.screen)
    assert machine.menu_shown and board.lit() == {0, 1, 2}
    office.later(BUTTON_WINDOW_S + 1)
    show(machine, None, frames=1)  # the camera keeps reading frames with nobody in front
    assert not machine.menu_shown and board.lit() == set()
    assert machine.screen[1] == "Show your pass QR code"


def test_other_pins_from_the_config_and_a_machine_without_buttons(office: Office) -> None:
    wired = VendingPinsConfig(motors=(17, 27, 22), done=23, buttons=(5, 6, 13),
                              lamps=(16, 20, 21))
    machine, board = office.machine(office.machines[0], pins=wired)
    _token, phone, _visit = office.invite()
    show(machine, phone.screen)
    assert board.lit() == {0, 1, 2}
    assert board.factory.pin(16).state and not board.factory.pin(4).state  # lamp 0 on BCM 16
    board.press(2)  # BCM 13
    wait_until(lambda: board.served() == 1)
    assert board.drops == {2: 1}

    bare, bare_board = office.machine(office.machines[1], pins=VendingPinsConfig(
        buttons=(), lamps=()))
    _t, other, _v = office.invite("Bob Other")
    assert [e.outcome for e in show(bare, other.screen)] == ["no_order"]
    assert bare.screen[1] == "Please order on your pass page" and not bare.menu_shown
    assert bare_board.served() == 0


def test_the_example_config_names_the_button_pins() -> None:
    raw = tomllib.loads((ROOT / "deploy/edge/vend-1.toml").read_text(encoding="utf-8"))
    config = EdgeConfig.model_validate(raw)
    pins = config.vending_pins
    assert len(pins.buttons) == len(pins.motors) == len(pins.lamps) == 4
    assert pins.buttons == tuple(raw["vending_pins"]["buttons"])


@pytest.mark.parametrize(("table", "problem"), [
    ("buttons = [12, 16]", "one button per motor"),
    ("buttons = [12, 16, 20, 5]", "a pin is used twice"),
    ("buttons = [12, 16, 20, 40]", "0 to 27"),
    ("lamps = [4]", "one lamp per button"),
    ("button = [12, 16, 20, 26]", "Extra inputs"),
])
def test_bad_button_wiring_is_a_config_error(tmp_path: Path, table: str, problem: str) -> None:
    path = tmp_path / "vend.toml"
    path.write_text(f'device = "v"\nsite = "hq"\nkind = "vending"\n[vending_pins]\n{table}\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        EdgeConfig.load(path)
