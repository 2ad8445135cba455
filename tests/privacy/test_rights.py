"""The visitor's rights from the pass page: a privacy notice in one language, what is kept and
until when, a download, consent given and withdrawn, erasure that reaches the doors."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from support.mqtt import wait_for_message

from officegate.mqtt import BrokerAddress
from officegate.protocol import topics
from officegate.protocol.messages import Revocations
from officegate.server.auth.service import create_user
from officegate.server.bootstrap import database_session
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, bearer, invite
from .helpers import where_found

NAME, EMAIL = "Mika Wombat", "mika.wombat@example.org"


def test_the_notice_speaks_one_language_and_the_invitation_links_it(
        client: TestClient, office: Office, smtp_server: object) -> None:
    ja = client.get("/privacy", headers={"accept-language": "ja"})
    en = client.get("/privacy?lang=en")
    assert ja.status_code == en.status_code == 200
    assert "個人情報の取り扱い" in ja.text and "How we handle" not in ja.text
    assert "How we handle your personal data" in en.text and "個人情報" not in en.text
    assert "30" in en.text and "365" in en.text  # the retention it promises
    invite(client, office, name=NAME, email=EMAIL)
    (mail,) = [m for m in smtp_server.messages if m["To"] == EMAIL]  # type: ignore[attr-defined]
    assert re.search(r"http://testserver/privacy\?lang=(ja|en)", mail.get_content())


def test_the_visitor_sees_downloads_and_consents(client: TestClient, office: Office) -> None:
    visit = invite(client, office, name=NAME, email=EMAIL)
    token = visit["token"]
    page = client.get(f"/p/{token}")
    assert f'href="/p/{token}/privacy' in page.text and 'href="/privacy' in page.text
    kept = client.get(f"/p/{token}/privacy?lang=en")
    assert kept.status_code == 200 and NAME in kept.text and "What we keep about you" in kept.text
    assert "保存されている" not in kept.text and kept.headers["cache-control"] == "no-store"
    r = client.get(f"/api/p/{token}/privacy?download=true")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["visitor"] == {"subject": data["visitor"]["subject"], "name": NAME,
                               "email": EMAIL, "created_at": data["visitor"]["created_at"]}
    assert {"channel": "email", "address": EMAIL} in data["contact_points"]
    assert any("ご面会" in m["text"] or "You are invited" in m["text"] for m in data["messages"])
    assert data["kept_until"]["identity_and_messages"] > visit["valid_until"][:10]
    assert data["requests"] == []  # this download is recorded as the first request:
    assert [(q["kind"], q["source"], q["state"]) for q in client.get(
        f"/api/p/{token}/privacy").json()["requests"]] == [("access", "pass_page", "done")]
    # Consent: given with the notice's version, withdrawn as easily (the page's buttons).
    r = client.post(f"/p/{token}/privacy/consent", data={"purpose": "marketing",
                                                         "given": "true"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/p/{token}/privacy").json()["consents"][str(visit["visit_id"])] \
        == {"location": None, "marketing": "2026-12"}
    client.post(f"/p/{token}/privacy/consent", data={"purpose": "marketing", "given": "false"})
    assert client.post(f"/api/p/{token}/consent/location", json={"given": False}).json() \
        == {"location": None, "marketing": None}
    assert client.post(f"/api/p/{token}/consent/spam", json={"given": True}).status_code == 422
    assert client.get("/p/not-a-real-token-000000000000/privacy").status_code == 404


def test_erasure_from_the_pass_page_reaches_the_doors(
        client: TestClient, settings: Settings, office: Office,
        mqtt_broker: BrokerAddress) -> None:
    visit = invite(client, office, name=NAME, email=EMAIL)
    token = visit["token"]
    client.post(f"/api/chat/{token}/messages", json={"text": f"I am {NAME}"})
    r = client.post(f"/p/{token}/privacy/erase?lang=en", follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "have been erased" in page.text and NAME not in page.text
    assert where_found(settings.resolved_database_url, ["Wombat", "mika.wombat"]) == []
    # The pass is revoked, and the doors hear it (their offline revocation list).
    assert client.get(f"/api/p/{token}/status").json()["revoked"] is True
    retained = wait_for_message(
        mqtt_broker, topics.site_revocations(settings.site),
        accept=lambda p: visit["pass_id"] in Revocations.from_json(p).pass_ids)
    assert visit["pass_id"] in Revocations.from_json(retained).pass_ids
    assert client.post(f"/api/p/{token}/privacy/erase").status_code == 409
    staff = bearer(client, office.staff)
    requests = client.get("/api/privacy/requests", headers=staff).json()
    assert [(q["kind"], q["source"], q["state"]) for q in requests] == \
        [("erasure", "pass_page", "done")]
    assert "Wombat" not in json.dumps(requests)


def test_admins_set_retention_on_a_page_in_their_language(
        client: TestClient, settings: Settings, office: Office) -> None:
    with database_session(settings) as db:
        create_user(db=db, email="admin@example.com", password=PASSWORD, role="admin")
    staff_page = client.get("/staff/privacy")  # signed out: to the login page
    assert staff_page.url.path == "/login"
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD,
                                "next": "/staff"})
    page = client.get("/staff/privacy?lang=en")
    assert page.status_code == 200 and "Retention" in page.text and "保存期間" not in page.text
    assert 'value="30"' in page.text and 'value="365"' in page.text
    form = {"identity_days": "14", "access_days": "180", "arrival_days": "3",
            "audit_days": "400", "operator": "Test Tower K.K.", "contact": "dpo@example.com"}
    saved = client.post("/staff/privacy?lang=en", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert client.get("/privacy?lang=en").text.count("Test Tower K.K.") == 1
    too_long = client.post("/staff/privacy", data={**form, "identity_days": "99999"})
    assert too_long.status_code == 422
    admin = bearer(client, "admin@example.com")
    (entry,) = client.get("/api/audit?action=settings.retention", headers=admin).json()
    assert '"identity_days":30' in entry["before"] and '"identity_days":14' in entry["after"]
    assert client.get("/staff/privacy", headers={"accept-language": "ja"}).text.count(
        "保存期間の設定") >= 1


KANA = re.compile(r"[\u3040-\u30ff]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _without_language_names(page: str) -> str:
    """The page minus the switcher's names (each in its own language, by design)."""
    return page.replace("日本語", "").replace("简体中文", "")


def test_the_visitor_pages_speak_chinese_and_only_one_language(
        client: TestClient, office: Office) -> None:
    token = invite(client, office, name=NAME, email=EMAIL)["token"]
    headings = {"/privacy": "我们如何处理您的个人信息", f"/p/{token}/privacy": "我们保存的您的信息"}
    for path, heading in headings.items():
        zh = client.get(path, headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
        assert zh.status_code == 200 and 'lang="zh-Hans"' in zh.text and heading in zh.text
        assert not KANA.search(zh.text), KANA.findall(zh.text)[:10]  # no Japanese left over
        en = client.get(path, params={"lang": "en"})
        assert not CJK.search(_without_language_names(en.text)), \
            CJK.findall(_without_language_names(en.text))[:10]
        ja = client.get(path, params={"lang": "ja"})
        assert 'lang="ja"' in ja.text and heading not in ja.text
    notice = client.get("/privacy", params={"lang": "zh_CN"}).text
    assert "来访结束后 30 天" in notice  # the policy's figure inside the sentence
    # The consent buttons answer in the same language.
    r = client.post(f"/p/{token}/privacy/consent?lang=zh_CN",
                    data={"purpose": "marketing", "given": "true"})
    assert r.status_code == 200 and "撤回同意" in r.text and "已同意" in r.text


def test_the_audit_page_speaks_the_admins_language(
        client: TestClient, settings: Settings, office: Office) -> None:
    with database_session(settings) as db:
        create_user(db=db, email="admin@example.com", password=PASSWORD, role="admin")
    assert client.post("/login", data={"email": "admin@example.com", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    en = client.get("/staff/audit", params={"lang": "en"})
    assert en.status_code == 200 and "No tampering found" in en.text
    assert not CJK.search(_without_language_names(en.text)), \
        CJK.findall(_without_language_names(en.text))[:10]
    ja = client.get("/staff/audit", params={"lang": "ja"})
    assert "改ざんは見つかりませんでした" in ja.text and "No tampering" not in ja.text
    settings_page = client.get("/staff/privacy", params={"lang": "en"})
    assert "Apply retention now" in settings_page.text
    assert not CJK.search(_without_language_names(settings_page.text))
