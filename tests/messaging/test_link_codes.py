"""Link codes from LINE/WhatsApp: long, expiring, used once, tried only as the whole message
and throttled per sender (issue 12: one WhatsApp message with 700 guesses attached an
outside number to a visitor's contact)."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from officegate.server.channels import whatsapp
from officegate.server.db import utcnow
from officegate.server.messaging import link_codes
from officegate.server.messaging.models import Contact

from .conftest import WA_SECRET, Office, bearer, invite


def _wa(client: TestClient, wa_id: str, text: str) -> None:
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881",
                         "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Someone"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": "wamid." + secrets.token_hex(8),
                          "timestamp": "1749416383", "type": "text",
                          "text": {"body": text}}]}}]}]}).encode()
    r = client.post("/webhooks/whatsapp", content=body, headers={
        "content-type": "application/json",
        "x-hub-signature-256": whatsapp.signature(WA_SECRET, body)})
    assert r.status_code == 200, r.text


def _linked(client: TestClient, office: Office, wa_id: str) -> bool:
    """Whether ``wa_id`` is on the visitor's timeline (its contact also has the web pass)."""
    staff = bearer(client, office.staff)
    for conv in client.get("/api/conversations?channel=whatsapp", headers=staff).json():
        identities = client.get(f"/api/conversations/{conv['id']}",
                                headers=staff).json()["identities"]
        if {"channel": "whatsapp", "address": wa_id} in identities:
            return any(i["channel"] == "web" for i in identities)
    return False


def _code(client: TestClient, token: str) -> str:
    return str(client.get(f"/api/chat/{token}").json()["link_code"])


def test_a_code_is_long_and_never_found_among_many_words(client: TestClient,
                                                         office: Office) -> None:
    visit = invite(client, office)
    code = _code(client, visit["token"])
    assert len(code) == 10 and all(c in link_codes.ALPHABET for c in code)
    # The attack: one message carrying hundreds of guesses (the right one among them).
    guesses = [link_codes.new_code() for _ in range(700)]
    guesses[350] = code
    _wa(client, "819000000001", " ".join(guesses))
    assert not _linked(client, office, "819000000001")
    assert _code(client, visit["token"]) == code  # nothing was used up


def test_the_whole_message_links_once_and_a_new_code_replaces_it(client: TestClient,
                                                                 office: Office) -> None:
    visit = invite(client, office)
    code = _code(client, visit["token"])
    typed = f" {code[:5].lower()}-{code[5:]} "  # read off the screen and typed by hand
    _wa(client, "819000000002", typed)
    assert _linked(client, office, "819000000002")
    fresh = _code(client, visit["token"])
    assert fresh != code
    _wa(client, "819000000003", code)  # the used code again, from someone else
    assert not _linked(client, office, "819000000003")


def test_an_expired_code_links_nothing(client: TestClient, office: Office) -> None:
    visit = invite(client, office)
    code = _code(client, visit["token"])
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]

    def expire(db):  # type: ignore[no-untyped-def]
        row = db.scalar(select(Contact).where(Contact.link_code == code))
        row.link_code_expires_at = utcnow() - timedelta(minutes=1)
    rt.run(expire)
    _wa(client, "819000000004", code)
    assert not _linked(client, office, "819000000004")
    assert _code(client, visit["token"]) != code  # the page is given a working one


def test_guessing_is_throttled_per_sender(client: TestClient, office: Office) -> None:
    visit = invite(client, office)
    for _ in range(link_codes.TRIES_PER_HOUR):
        _wa(client, "819000000005", link_codes.new_code())
    code = _code(client, visit["token"])
    _wa(client, "819000000005", code)  # the right one, but this sender is out of tries
    assert not _linked(client, office, "819000000005")
    _wa(client, "819000000006", code)  # the visitor's own phone is not affected
    assert _linked(client, office, "819000000006")
