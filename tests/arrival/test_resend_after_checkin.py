"""A checked-in visitor keeps the gate open when the host re-sends the link (say, to the
visitor's new address): the check-in zones are held back once, when the pass is issued, and
no later ``invited`` event takes them away again."""

from __future__ import annotations

from fastapi.testclient import TestClient

from officegate.protocol import Reason
from officegate.server.settings import Settings

from .conftest import Office, bearer, configure, invite
from .test_checkin import _gate_decision, checked_in


def test_a_resent_link_leaves_a_checked_in_visitor_at_the_gate(
        client: TestClient, settings: Settings, office: Office) -> None:
    configure(client, office)
    phone = invite(client, office)
    assert "lobby" not in phone.opened["zones"]  # held back until check-in
    phone = checked_in(client, settings, phone)
    assert _gate_decision(settings, office, phone.opened, phone.code()) is Reason.ACCEPTED

    r = client.post(f"/api/visits/{phone.visit_id}/resend",
                    headers=bearer(client, office.host))
    assert r.status_code == 200, r.text
    # The phone still holds the checked-in pass; the gate still lets her through.
    assert _gate_decision(settings, office, phone.opened, phone.code()) is Reason.ACCEPTED
    token = r.json()["pass_url"].rsplit("/p/", 1)[1]
    reopened = client.post(f"/api/p/{token}/open", json={"device_id": phone.device_id})
    assert reopened.status_code == 200, reopened.text
    assert "lobby" in reopened.json()["zones"]
