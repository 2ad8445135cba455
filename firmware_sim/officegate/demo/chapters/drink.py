"""Chapter: a free drink on the way. After the inner gate the phone offers a drink, Aiko
orders a coffee on the pass page, and the vending machine serves it when shown the pass QR.
Then a visitor who ordered nothing shows a pass: the machine lists its drinks and lights their
buttons, and a press on a button (a gpiozero Button on a mock pin) serves that drink."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import base45

from officegate.demo.chapters.context import GATE, LOBBY, Story
from officegate.demo.stack import StoryError, wait_for
from officegate.edge.config import EdgeConfig
from officegate.edge.decoders import make_decoder
from officegate.edge.vending import VendingMachine, build_machine
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.vending import SimVendingBoard
from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.protocol.vending import Product

INNER_GATE = "gate-2"
MACHINE = "vend-1"
MENU = [Product(0, "green-tea", "Green tea", "緑茶", 8),
        Product(1, "coffee", "Black coffee", "ブラックコーヒー", 6),
        Product(2, "water", "Mineral water", "ミネラルウォーター", 10)]


def play(story: Story) -> None:
    stack = story.stack
    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    token = story.invitation["pass_url"].rstrip("/").rsplit("/", 1)[-1]
    for name, kind in ((INNER_GATE, "gate"), (MACHINE, "vending")):
        r = stack.http.post("/api/devices", headers=admin,
                            json={"name": name, "kind": kind, "zone": LOBBY})
        if r.status_code not in (201, 409):
            raise StoryError(f"could not register {name}: {r.status_code} {r.text}")
    r = stack.http.post("/api/vending/machines", headers=admin, json={
        "device": MACHINE, "label_en": "vending machine by the lift",
        "label_ja": "エレベーター横の自動販売機"})
    if r.status_code not in (201, 409):
        raise StoryError(f"could not add the vending machine: {r.status_code} {r.text}")
    machine, board = _start_machine(story)
    try:
        _offer_order_serve(story, machine, board, token, admin)
        _chosen_on_the_buttons(story, machine, board)
    finally:
        machine.close()
        board.close()


def _start_machine(story: Story) -> tuple[VendingMachine, SimVendingBoard]:
    stack = story.stack
    assert stack.broker is not None
    board = SimVendingBoard(cans={p.slot: p.count for p in MENU})
    config = EdgeConfig(device=MACHINE, site=stack.site, kind="vending", zone=LOBBY,
                        mqtt_url=stack.broker.url(with_password=True),
                        data_dir=stack.data_dir / MACHINE, camera="sim")
    machine = build_machine(config, products=MENU, decoder=make_decoder("zxing"),
                            pin_factory=board.factory)
    machine.start()
    wait_for(f"{MACHINE} to receive its keys and config",
             lambda: bool(machine.verifier.keys.keys) and machine.verifier.config is not None,
             timeout=20)
    staff = {"Authorization": f"Bearer {stack.token('admin')}"}
    wait_for("the machine's stock to reach the server", lambda: any(
        m["machine"] == MACHINE and m["slots"]
        for m in stack.http.get("/api/vending/machines", headers=staff).json()))
    story.step(MACHINE, "vending edge up: camera -> zxing-cpp -> offline verify -> motor per "
               "slot + drop sensor (gpiozero mock pins); stock reported: "
               + ", ".join(f"{p.name_en} x{p.count}" for p in MENU))
    return machine, board


def _offer_order_serve(story: Story, machine: VendingMachine, board: SimVendingBoard,
                       token: str, admin: dict[str, str]) -> None:
    stack = story.stack
    visitor = story.the_visitor()
    stack.add_gate(INNER_GATE, LOBBY, seed=5)
    _walk_from_the_lobby_gate(story)
    if not any(d.accepted for d in stack.show_to_gate(INNER_GATE, visitor.screen, frames=20)):
        raise StoryError("the inner gate should let Aiko through")
    story.step(INNER_GATE, f"Aiko passes the inner gate; {MACHINE} stands on her way", ok=True)

    def offer() -> dict[str, Any] | None:
        status = dict(stack.http.get(f"/api/p/{token}/drink").json())
        return status if status.get("machines") else None

    status = wait_for("the drink offer on the pass page", offer)
    menu = status["machines"][0]["menu"]
    story.step("pass page", f"{status['message_ja']} / {status['message_en']}  menu: "
               + ", ".join(f"{i['name_ja']}" for i in menu))

    coffee = next(i for i in menu if i["product"] == "coffee")
    r = stack.http.post(f"/api/p/{token}/drink/order",
                        json={"machine": MACHINE, "slot": coffee["slot"]})
    if r.status_code != 201:
        raise StoryError(f"the order was refused: {r.status_code} {r.text}")
    story.step("pass page", f"Aiko taps {coffee['name_en']}: {r.json()['order']['message_en']}")
    wait_for("the order to reach the machine", lambda: bool(machine.orders))
    story.step(MACHINE, "order received over MQTT and kept on disk (serves even offline)")

    camera = SimulatedCamera(seed=9)
    camera.show(visitor.screen)
    outcomes = [e.outcome for _ in range(10) if (f := camera.read()) is not None
                for e in machine.step(f)]
    if outcomes != ["served"] or board.drops != {coffee["slot"]: 1}:
        raise StoryError(f"the machine should serve one coffee, got {outcomes} {board.drops}")
    story.step(MACHINE, f"Aiko shows the pass QR -> one {coffee['name_en']} drops "
               f"(drop sensor confirmed); screen: {machine.screen[0]}", ok=True)

    wait_for("the server to hear the drink was served", lambda: stack.http.get(
        f"/api/p/{token}/drink").json()["order"]["status"] == "served")
    again = stack.http.post(f"/api/p/{token}/drink/order", json={"machine": MACHINE, "slot": 0})
    figures = stack.http.get("/api/vending/figures", headers=admin).json()
    story.step("vending log", f"served recorded; a second free drink is refused "
               f"({again.json()['detail']['code']}); offered {figures['offered']} -> ordered "
               f"{figures['ordered']} -> served {figures['served']}")


def _chosen_on_the_buttons(story: Story, machine: VendingMachine,
                           board: SimVendingBoard) -> None:
    """A second visitor, with no order, picks a drink on the machine's own buttons."""
    ben = _checked_in(story, "Ben Walker")
    camera = SimulatedCamera(seed=11)
    camera.show(ben.screen)
    outcomes = [e.outcome for _ in range(10) if (f := camera.read()) is not None
                for e in machine.step(f)]
    if outcomes != ["no_order"] or not board.lit():
        raise StoryError(f"the machine should show its menu to Ben, got {outcomes}")
    story.step(MACHINE, f"Ben shows his pass with no order; display: {machine.screen[1]}; "
               f"lit buttons: {', '.join(str(s + 1) for s in sorted(board.lit()))}")
    before = board.served()
    board.press(2)  # the mineral water button
    wait_for("the water chosen on the buttons to be served",
             lambda: board.served() == before + 1)
    if board.drops.get(2) != 1:
        raise StoryError(f"the machine should serve one water, got {board.drops}")
    story.step(MACHINE, "Ben presses button 3: the machine asks the server (which holds his "
               f"free drink), gets the order and serves it; display: {machine.screen[1]}",
               ok=True)


def _checked_in(story: Story, name: str) -> SimulatedVisitor:
    """Another visitor, invited and checked in at the lobby poster (which gives the zone the
    machine serves): the phone's pass after check-in."""
    stack = story.stack
    visit = stack.invite(host_token=stack.token("host"), visitor_name=name, zones=[LOBBY])
    token = visit["pass_url"].rstrip("/").rsplit("/", 1)[-1]
    invited, _opened = stack.open_pass(visit["pass_url"])
    account = stack.accounts["admin"]
    stack.http.post("/login", data={"email": account.email, "password": account.password})
    poster = stack.http.get("/staff/poster")
    stack.http.post("/logout")
    match = re.search(r'data-url="([^"]+)"', poster.text)
    if poster.status_code != 200 or match is None:
        raise StoryError(f"no lobby poster: {poster.status_code}")
    site, query = match.group(1).replace("&amp;", "&").split("/c/", 1)[1].split("?", 1)
    params = dict(p.split("=", 1) for p in query.split("&"))
    r = stack.http.post("/api/checkin", json={
        "site": site, "day": params["d"], "poster_code": params["k"], "token": token,
        "code": invited.text()[4:12]})
    new = r.json().get("new_pass") if r.status_code == 200 else None
    if not new:
        raise StoryError(f"{name} could not check in: {r.status_code} {r.text}")
    return SimulatedVisitor(base45.b45decode(new["cose_b45"]),
                            base64.b64decode(new["code_secret"]),
                            period=int(new["code_period"]))


WALK_S = 10.0  # lobby gate to inner gate; the server flags one code at two doors within 10 s


def _walk_from_the_lobby_gate(story: Story) -> None:
    """Aiko walks from the lobby gate to the inner gate (the demo otherwise runs faster than
    a person, and the server would rightly flag one pass at two gates within a code period)."""
    passed = [e.at for e in story.stack.edge_events if e.device == GATE and e.reason == "accepted"]
    remaining = (passed[-1] + WALK_S - time.time()) if passed else 0.0
    if remaining > 0:
        story.step("walk", f"Aiko walks from {GATE} to {INNER_GATE} ({remaining:.0f} s)")
        time.sleep(remaining)
