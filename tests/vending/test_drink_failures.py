"""What goes wrong at a machine: two machines, stock-out, jam, offline, forged or other pass.

Each case checks what the visitor notices (a drink, or a clear message) and that the free
drink is charged only for a drink that really came out.
"""

from __future__ import annotations

import time

from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.protocol import PassClaims, SigningKey, issue_pass, pass_secret
from officegate.protocol.cose import decode_sign1, loads_exact

from .conftest import Office, show, wait_until


def _offered(office: Office) -> tuple[str, SimulatedVisitor, int]:
    token, phone, visit = office.invite()
    office.pass_gate(visit)
    wait_until(lambda: office.drink(token)["machines"])
    return token, phone, visit


def _order(office: Office, token: str, machine: str, slot: int = 0) -> dict:
    r = office.client.post(f"/api/p/{token}/drink/order", json={"machine": machine, "slot": slot})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_quota_holds_across_two_machines(office: Office) -> None:
    a, board_a = office.machine(office.machines[0])
    b, board_b = office.machine(office.machines[1])
    token, phone, _visit = _offered(office)
    _order(office, token, a.device)
    wait_until(lambda: a.orders)

    # At machine B there is no order: its menu shows; choosing on its buttons is refused.
    assert [e.outcome for e in show(b, phone.screen)] == ["no_order"]
    assert b.menu_shown
    board_b.press(2)  # the visitor presses the water button on machine B
    wait_until(lambda: "waiting" in b.screen[1])
    assert board_b.served() == 0
    second = office.client.post(f"/api/p/{token}/drink/order",
                                json={"machine": b.device, "slot": 1})
    assert second.status_code == 409 and second.json()["detail"]["code"] == "order_waiting"

    assert [e.outcome for e in show(a, phone.screen)] == ["served"]
    wait_until(lambda: office.drink(token)["order"]["status"] == "served")
    # Back at B after the drink: the buttons are refused, the quota is used.
    office.later(60)
    assert [e.outcome for e in show(b, phone.screen)] == ["no_order"]
    board_b.press(2)
    wait_until(lambda: "already had your free drink" in b.screen[1])
    assert (board_a.served(), board_b.served()) == (1, 0)


def test_buttons_order_when_nothing_was_ordered(office: Office) -> None:
    b, board = office.machine(office.machines[1])
    token, phone, _visit = _offered(office)
    assert [e.outcome for e in show(b, phone.screen)] == ["no_order"]
    board.press(2)  # water, chosen on the machine's own button
    wait_until(lambda: board.served() == 1)
    assert board.drops == {2: 1} and b.screen[1] == "Enjoy your drink!"
    wait_until(lambda: office.drink(token)["order"]["status"] == "served")
    assert office.drink(token)["quota_left"] == 0


def test_slot_empty_in_reality_releases_the_quota(office: Office) -> None:
    # The machine believes slot 0 has cans; physically it is empty.
    a, board = office.machine(office.machines[0], cans={0: 0, 1: 5, 2: 5})
    token, phone, visit = _offered(office)
    _order(office, token, a.device, slot=0)
    wait_until(lambda: a.orders)
    assert [e.outcome for e in show(a, phone.screen)] == ["jammed"]  # motor ran, nothing fell
    status = wait_until(lambda: (d := office.drink(token))["order"]["status"] == "failed" and d)
    assert status["order"]["reason"] == "jammed"
    assert "not used" in status["order"]["message_en"] and status["quota_left"] == 1
    assert board.served() == 0 and "drink_failed" in office.kinds(visit)


def test_sold_out_slot_is_refused_and_reported_clearly(office: Office) -> None:
    from officegate.protocol.vending import Product

    a, _board = office.machine(office.machines[0], products=[
        Product(0, "green-tea", "Green tea", "緑茶", 0), Product(1, "coffee", "Coffee",
                                                                 "コーヒー", 1)])
    token, phone, _visit = _offered(office)
    assert [i["product"] for i in office.drink(token)["machines"][0]["menu"]] == ["coffee"]
    r = office.client.post(f"/api/p/{token}/drink/order", json={"machine": a.device, "slot": 0})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "out_of_stock"
    # The machine's own count says empty (staff took the last can): out_of_stock, quota back.
    _order(office, token, a.device, slot=1)
    wait_until(lambda: a.orders)
    a.restock(1, 0)
    assert [e.outcome for e in show(a, phone.screen)] == ["out_of_stock"]
    status = wait_until(lambda: (d := office.drink(token))["order"]["status"] == "failed" and d)
    assert "sold out" in status["order"]["message_en"] and status["quota_left"] == 1
    assert "売り切れ" in status["order"]["message_ja"]


def test_jam_tells_the_visitor_and_a_new_order_works(office: Office) -> None:
    a, board = office.machine(office.machines[0], jammed={0})
    token, phone, visit = _offered(office)
    _order(office, token, a.device, slot=0)
    wait_until(lambda: a.orders)
    assert [e.outcome for e in show(a, phone.screen)] == ["jammed"]
    assert "did not come out" in a.screen[1]
    status = wait_until(lambda: (d := office.drink(token))["order"]["status"] == "failed" and d)
    assert status["order"]["reason"] == "jammed" and status["quota_left"] == 1
    assert "jammed" in status["order"]["message_en"] and "詰まり" in status["order"]["message_ja"]
    _order(office, token, a.device, slot=1)  # the quota came back: order something else
    wait_until(lambda: a.orders)
    office.later(60)  # the visitor comes back a minute later
    assert [e.outcome for e in show(a, phone.screen)] == ["served"]
    assert board.drops == {1: 1}
    wait_until(lambda: office.drink(token)["order"]["status"] == "served")
    assert office.kinds(visit).count("drink_failed") == 1


def test_offline_machine_serves_from_cached_order_and_pass(office: Office) -> None:
    a, board = office.machine(office.machines[0])
    token, phone, _visit = _offered(office)
    _order(office, token, a.device, slot=1)
    wait_until(lambda: a.orders)
    a.close()  # the network goes; the machine restarts with no broker at all

    offline, board2 = office.machine(office.machines[0], online=False)
    assert offline.link is None and len(offline.orders) == 1  # order kept on disk
    assert [e.outcome for e in show(offline, phone.screen)] == ["served"]
    assert board2.drops == {1: 1}
    assert len(offline.outbox) >= 2  # the vend event and the stock report wait
    assert office.drink(token)["order"]["status"] == "ordered"  # the server has not heard
    # Someone without an order picks on the buttons: offline, only the server knows quotas.
    _t, walk_up, _v = office.invite("Walk Up")
    queued = len(offline.outbox)
    assert [e.outcome for e in show(offline, walk_up.screen)] == ["no_order"]
    board2.press(0)
    assert "ask a member of staff" in offline.screen[1] and board2.lit() == set()
    assert len(offline.outbox) == queued + 1 and board2.drops == {1: 1}  # only no_order
    offline.close()

    back, _board3 = office.machine(office.machines[0])  # the network is back
    wait_until(lambda: len(back.outbox) == 0)
    status = wait_until(lambda: (d := office.drink(token))["order"]["status"] == "served" and d)
    assert status["quota_left"] == 0


def test_forged_or_other_visitors_pass_gets_nothing(office: Office) -> None:
    a, board = office.machine(office.machines[0])
    token, phone, _visit = _offered(office)
    _order(office, token, a.device, slot=1)
    wait_until(lambda: a.orders)

    # A forger copies the claims of the pass with the order but signs with their own key.
    claims = PassClaims.from_cbor_map(loads_exact(decode_sign1(phone.cose).payload))
    forger = SigningKey.generate()
    shown_at = time.time()  # one code for the whole showing: a slow machine may cross a period
    forged = SimulatedVisitor(issue_pass(claims, forger),
                              pass_secret(forger.code_key, claims.pass_id),
                              clock=lambda: shown_at)
    events = show(a, forged.screen)
    assert [(e.outcome, e.reason) for e in events] == [("denied", "unknown_key")]
    assert a.screen[1] == "This pass cannot be used here" and board.served() == 0

    # Another visitor's genuine pass: no order for it, so only the menu; nothing served.
    _other_token, other_phone, _other_visit = office.invite("Bob Other")
    assert [e.outcome for e in show(a, other_phone.screen)] == ["no_order"]
    assert board.served() == 0 and len(a.orders) == 1

    assert [e.outcome for e in show(a, phone.screen)] == ["served"]  # the rightful visitor
    assert board.served() == 1
    wait_until(lambda: office.drink(token)["order"]["status"] == "served")


def test_order_timeout_releases_the_quota_and_withdraws_the_order(office: Office) -> None:
    from datetime import UTC, datetime, timedelta

    from officegate.server.vending.models import DrinkOrder

    a, board = office.machine(office.machines[0])
    token, phone, _visit = _offered(office)
    _order(office, token, a.device, slot=1)
    wait_until(lambda: a.orders)
    sessions = office.client.app.state.officegate.sessions  # type: ignore[attr-defined]
    with sessions() as db:  # the visitor never came: half an hour passes
        order = db.query(DrinkOrder).one()
        order.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.commit()
    status = office.drink(token)
    assert status["order"]["status"] == "failed" and status["order"]["reason"] == "expired"
    assert "timed out" in status["order"]["message_en"] and status["quota_left"] == 1
    wait_until(lambda: not a.orders)  # the machine was told to drop the order
    assert [e.outcome for e in show(a, phone.screen)] == ["no_order"] and board.served() == 0
