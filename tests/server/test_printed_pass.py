"""Printed passes: staff print one for a visitor without a phone; only doors that allow static
passes accept it, and the printed QR is a real, decodable pass."""

from __future__ import annotations

import time

import cv2
import numpy as np
import zxingcpp
from fastapi.testclient import TestClient
from support.mqtt import wait_for_message

from officegate.mqtt import BrokerAddress
from officegate.protocol import DoorPolicy, KeySet, Reason, topics, verify

from .conftest import Office, bearer, visit_body


def _visit(client: TestClient, office: Office) -> int:
    r = client.post("/api/visits", headers=bearer(client, office.host), json=visit_body(office))
    assert r.status_code == 201, r.text
    return int(r.json()["visit_id"])


def test_staff_print_a_pass_that_only_static_friendly_doors_accept(
    client: TestClient, office: Office, broker: BrokerAddress
) -> None:
    visit_id = _visit(client, office)
    staff = bearer(client, office.staff)
    made = client.post(f"/api/visits/{visit_id}/printed-pass", headers=staff)
    assert made.status_code == 201, made.text
    image = client.get(made.json()["image_url"], headers=staff)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

    picture = cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    # QR codes only, as a gate reads them (a 1D format can "find" a code in any picture).
    texts = [r.text for r in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert len(texts) == 1 and texts[0].startswith("OG1S")

    keyset = KeySet.from_json(wait_for_message(broker, topics.site_keys(office.site)))
    now = time.time() + 6 * 60  # inside the visit's window
    welcome = verify(texts[0], keys=keyset, revoked=(), now=now,
                     door=DoorPolicy(device=office.gate, zone="lobby", allow_static=True))
    assert welcome.reason is Reason.ACCEPTED
    assert welcome.claims is not None and welcome.claims.static
    assert welcome.claims.visit_id == visit_id
    refused = verify(texts[0], keys=keyset, revoked=(), now=now,
                     door=DoorPolicy(device=office.gate, zone="lobby"))
    assert refused.reason is Reason.STALE_CODE
    assert "static pass refused" in refused.detail


def test_hosts_cannot_print_passes_and_unknown_visits_are_404(
    client: TestClient, office: Office
) -> None:
    visit_id = _visit(client, office)
    as_host = client.post(f"/api/visits/{visit_id}/printed-pass",
                          headers=bearer(client, office.host))
    assert as_host.status_code == 403
    missing = client.post("/api/visits/999999/printed-pass", headers=bearer(client, office.staff))
    assert missing.status_code == 404
    assert missing.json()["detail"]["message_ja"]
