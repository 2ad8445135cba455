"""Every FAQ edit is on record: who changed which topic when, the entry before and after, on the
API and the staff FAQ page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import PASSWORD, Office, bearer

SHOWER = {"questions_ja": ["シャワーはありますか"], "questions_en": ["shower"],
          "answer_ja": "シャワー室は地下1階です。", "answer_en": "Showers are on B1."}


def test_api_edits_are_recorded_with_who_and_what(client: TestClient, office: Office) -> None:
    staff = bearer(client, office.staff)
    client.put("/api/faq/shower", json=SHOWER, headers=staff).raise_for_status()
    client.put("/api/faq/shower", json=SHOWER, headers=staff).raise_for_status()  # no change
    edited = {**SHOWER, "answer_en": "Showers are on B2.", "active": False}
    client.put("/api/faq/shower", json=edited, headers=staff).raise_for_status()
    assert client.delete("/api/faq/shower", headers=staff).status_code == 204
    history = client.get("/api/faq-history?topic=shower", headers=staff).json()
    assert [h["action"] for h in history] == ["deleted", "updated", "created"]
    assert {h["user"] for h in history} == {"Sam Staff <staff@example.com>"}
    deleted, updated, created = history
    assert created["before"] is None and created["after"]["answer_en"] == "Showers are on B1."
    assert updated["changed"] == ["answer_en", "active"]
    assert (updated["before"]["answer_en"], updated["after"]["answer_en"]) == (
        "Showers are on B1.", "Showers are on B2.")
    assert updated["before"]["active"] is True and updated["after"]["active"] is False
    assert deleted["after"] is None and deleted["before"]["answer_en"] == "Showers are on B2."
    assert created["at"] <= updated["at"] <= deleted["at"]
    # Hosts neither edit the FAQ nor read its history; nobody reads it without a login.
    host = bearer(client, office.host)
    assert client.get("/api/faq-history", headers=host).status_code == 403
    assert client.get("/api/faq-history").status_code == 401
    assert client.get("/api/faq-history?limit=0", headers=staff).status_code == 422


def test_the_faq_page_shows_the_history_to_staff(client: TestClient, office: Office) -> None:
    r = client.post("/login", data={"email": office.staff, "password": PASSWORD,
                                    "next": "/staff"}, follow_redirects=False)
    assert r.status_code == 303
    assert "まだ変更はありません" in client.get("/staff/faq").text
    form = {"topic": "wifi", "questions_ja": "Wi-Fiのパスワード", "questions_en": "wifi password",
            "answer_ja": "SSIDは「Guest」です。", "answer_en": "The SSID is <Guest>.",
            "active": "1"}
    assert client.post("/staff/faq", data=form, follow_redirects=False).status_code == 303
    page = client.get("/staff/faq").text
    history = page[page.index('id="history"'):]
    assert "wifi" in history and "変更 · Sam Staff" in history
    assert "OfficeGate-Guest" in history  # the default answer, as it was before
    assert "The SSID is &lt;Guest&gt;." in history  # the new one, escaped
    assert "The SSID is <Guest>." not in page
