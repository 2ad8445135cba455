"""Vending MQTT messages: exact JSON both ways, and a reason for every bad field."""

from __future__ import annotations

import json

import pytest

from officegate.protocol.vending import (
    DrinkOrder,
    Product,
    StockReport,
    VendEvent,
    parse_machine_report,
)

ORDER = DrinkOrder(order_id="o" * 32, machine="vend-1", pass_id="0011223344556677",
                   visit_id=7, slot=1, product="coffee", name_en="Coffee", name_ja="コーヒー",
                   expires=1_800_000_000.0)


def test_round_trips() -> None:
    stock = StockReport(id="s" * 32, machine="vend-1", site="hq", at=1.5,
                        slots=(Product(0, "tea", "Tea", "お茶", 3),))
    vend = VendEvent(id="e" * 32, machine="vend-1", site="hq", at=2.0, outcome="served",
                     order_id="o" * 32, pass_id="00", visit_id=7, slot=1, reason="", detail="")
    assert parse_machine_report(stock.to_json()) == stock
    assert parse_machine_report(vend.to_json()) == vend
    assert DrinkOrder.from_json(ORDER.to_command()) == ORDER
    assert json.loads(ORDER.to_command())["command"] == "order"


def test_access_events_are_not_vending_reports() -> None:
    assert parse_machine_report(b'{"kind": "access", "id": "x"}') is None


@pytest.mark.parametrize(("change", "reason"), [
    ({"slot": 99}, "'slot' must be 0 to 31"),
    ({"pass_id": "not hex"}, "'pass_id' must be hex"),
    ({"visit_id": "7"}, "'visit_id' must be int"),
    ({"extra": 1}, "unknown fields: extra"),
    ({"name_ja": ""}, "'name_ja' must be text"),
])
def test_bad_orders_say_why(change: dict, reason: str) -> None:
    doc = json.loads(ORDER.to_json()) | change
    with pytest.raises(ValueError, match=reason):
        DrinkOrder.from_json(json.dumps(doc))


@pytest.mark.parametrize(("payload", "reason"), [
    (b"\xff", "not JSON"),
    (b"[]", "not a JSON object"),
    (b'{"kind": "vend"}', "missing fields"),
    (json.dumps({"kind": "stock", "id": "i", "machine": "m", "site": "s", "at": 1,
                 "slots": [{"slot": 0, "product": "a", "name_en": "A", "name_ja": "A",
                            "count": 1}] * 2}).encode(), "names a slot twice"),
    (json.dumps({"kind": "vend", "id": "i", "machine": "m", "site": "s", "at": 1,
                 "outcome": "free-beer", "order_id": None, "pass_id": None, "visit_id": None,
                 "slot": None, "reason": "", "detail": ""}).encode(), "'outcome' must be"),
])
def test_bad_reports_say_why(payload: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_machine_report(payload)
