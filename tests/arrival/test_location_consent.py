"""Location consent is recorded with the privacy notice's version, and withdrawing it on the
pass page stops location sharing at once (no fix is taken afterwards)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from officegate.server.privacy.consent import NOTICE_VERSION

from .conftest import Office, at_distance, configure, invite


def _fix(client: TestClient, token: str, metres: float) -> int:
    lat, lon = at_distance(metres)
    return client.post(f"/api/p/{token}/location",
                       json={"lat": lat, "lon": lon, "acc": 10, "at": time.time()}).status_code


def test_consent_has_a_version_and_withdrawal_stops_sharing(
        client: TestClient, office: Office) -> None:
    configure(client, office)
    phone = invite(client, office)
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
    kept = client.get(f"/api/p/{phone.token}/privacy").json()
    assert kept["consents"][str(phone.visit_id)]["location"] == NOTICE_VERSION
    assert _fix(client, phone.token, 2000) == 200
    withdrawn = client.post(f"/api/p/{phone.token}/consent/location", json={"given": False})
    assert withdrawn.json()["location"] is None
    assert client.get(f"/api/p/{phone.token}/arrival").json()["consent"] is False
    assert _fix(client, phone.token, 1500) == 403  # nothing taken without consent
