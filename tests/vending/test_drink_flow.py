"""The free drink end to end: offer after the gate, order on the phone, served by the QR."""

from __future__ import annotations

import re

from officegate.server.vending.models import DrinkOffer

from .conftest import Office, show, wait_until


def _menu_ready(office: Office, token: str) -> dict:
    return wait_until(lambda: (d := office.drink(token))["machines"] and
                      all(m["menu"] for m in d["machines"]) and d)


def test_offer_order_and_serve(office: Office) -> None:
    a, board = office.machine(office.machines[0])
    office.machine(office.machines[1])
    token, phone, visit = office.invite()
    assert office.drink(token)["offered"] is False  # not before the gate

    office.pass_gate(visit)
    status = _menu_ready(office, token)
    assert status["message_ja"] == "お飲み物はいかがですか？"
    assert status["message_en"] == "Would you like a drink?"
    assert {m["machine"] for m in status["machines"]} == set(office.machines)
    coffee = next(i for i in status["machines"][0]["menu"] if i["product"] == "coffee")
    assert coffee["name_ja"] == "ブラックコーヒー" and status["quota_left"] == 1

    r = office.client.post(f"/api/p/{token}/drink/order",
                           json={"machine": a.device, "slot": coffee["slot"]})
    assert r.status_code == 201, r.text
    order = r.json()["order"]
    assert order["status"] == "ordered" and "Show your pass QR" in order["message_en"]
    wait_until(lambda: a.orders)  # the order reached the machine over MQTT

    events = show(a, phone.screen)
    assert [e.outcome for e in events] == ["served"]
    assert board.drops == {1: 1}  # exactly one coffee came out
    done = wait_until(lambda: (d := office.drink(token))["order"]["status"] == "served" and d)
    assert done["order"]["message_en"] == "Enjoy your drink!" and done["quota_left"] == 0
    wait_until(lambda: "drink_served" in office.kinds(visit))
    assert office.kinds(visit) == ["drink_offered", "drink_ordered", "drink_served"]

    again = office.client.post(f"/api/p/{token}/drink/order", json={"machine": a.device,
                                                                      "slot": 0})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "quota_used"
    assert "無料ドリンク" in again.json()["detail"]["message_ja"]
    # The machine's stock report reached the server: one coffee fewer.
    wait_until(lambda: next(s["count"] for m in office.client.get(
        "/api/vending/machines", headers=office.admin).json() if m["machine"] == a.device
        for s in m["slots"] if s["slot"] == 1) == 4)
    figures = office.client.get("/api/vending/figures", headers=office.admin).json()
    assert figures == {"offered": 1, "ordered": 1, "served": 1, "failed": 0}

    page = office.client.get("/staff/vending", headers=office.admin)
    assert page.status_code == 200
    assert re.search(r"ブラックコーヒー: <span[^>]*>4<", page.text)
    assert ">提供<" in page.text and "Black coffee" not in page.text  # one language
    english = office.client.get("/staff/vending", headers={**office.admin,
                                                           "Accept-Language": "en"}).text
    assert re.search(r"Black coffee: <span[^>]*>4<", english) and "ブラック" not in english
    assert office.client.get("/staff/vending", headers=office.host).status_code == 403
    signed_out = office.client.get("/staff/vending", follow_redirects=False)
    assert signed_out.status_code == 303 and "/login" in signed_out.headers["location"]


def test_offer_is_made_once_per_visit(office: Office) -> None:
    office.machine(office.machines[0])
    token, _phone, visit = office.invite()
    office.pass_gate(visit)
    _menu_ready(office, token)
    office.pass_gate(visit)  # through the gate again later
    office.pass_gate(visit)
    wait_until(lambda: office.client.get("/api/vending/figures", headers=office.admin)
               .json()["offered"] == 1)
    with office.client.app.state.officegate.sessions() as db:  # type: ignore[attr-defined]
        assert db.query(DrinkOffer).filter_by(visit_id=visit).count() == 1
    assert office.kinds(visit).count("drink_offered") == 1


def test_no_offer_in_quiet_hours(office: Office) -> None:
    office.machine(office.machines[0])
    r = office.client.put("/api/vending/policy", headers=office.admin, json={
        "drinks_per_visit": 1, "quiet_from": "00:00", "quiet_until": "23:59",
        "timezone": "UTC", "order_minutes": 30})
    assert r.status_code == 200, r.text
    token, _phone, visit = office.invite()
    office.pass_gate(visit)
    wait_until(lambda: any(e["kind"] == "not_offered" for e in _log(office)))
    status = office.drink(token)
    assert status["offered"] is False and status["machines"] == []
    refused = office.client.post(f"/api/p/{token}/drink/order",
                                 json={"machine": office.machines[0], "slot": 0})
    assert refused.status_code == 409 and refused.json()["detail"]["code"] == "no_offer"


def test_bad_policy_and_order_input_get_reasons(office: Office) -> None:
    r = office.client.put("/api/vending/policy", headers=office.admin, json={
        "drinks_per_visit": 1, "quiet_from": "25:00", "quiet_until": "06:00"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_time"
    token, _phone, _visit = office.invite()
    assert office.client.post(f"/api/p/{token}/drink/order",
                              json={"machine": "x", "slot": 99}).status_code == 422
    assert office.client.get("/api/p/not-a-token/drink").status_code == 404
    assert office.client.get("/api/vending/machines").status_code == 401


def _log(office: Office) -> list[dict]:
    from officegate.server.vending.models import VendingLogEntry

    with office.client.app.state.officegate.sessions() as db:  # type: ignore[attr-defined]
        return [{"kind": e.kind, "reason": e.reason} for e in db.query(VendingLogEntry)]
