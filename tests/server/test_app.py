"""Start-up, migrations, and the files the pass page needs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from officegate.server.app import STATIC_DIR, WEB_DIR
from officegate.server.db import run_migrations
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, bearer, token_of, visit_body


def test_migrations_create_every_table_and_rerun_harmlessly(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url)
    try:
        run_migrations(engine)
        run_migrations(engine)
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"users", "sites", "zones", "devices", "visitors", "visits", "passes",
            "signing_keys", "access_events", "api_tokens"} <= tables


def test_settings_read_plain_database_and_mqtt_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/officegate")
    monkeypatch.setenv("MQTT_URL", "mqtt://broker:1883")
    monkeypatch.setenv("OFFICEGATE_SITE", "osaka")
    s = Settings()
    assert (s.database_url, s.mqtt_url, s.site) == (
        "postgresql+psycopg://db/officegate", "mqtt://broker:1883", "osaka")


def test_pass_page_and_service_worker(client: TestClient, office: Office) -> None:
    made = client.post("/api/visits", headers=bearer(client, office.host),
                       json=visit_body(office)).json()
    token = token_of(made["pass_url"])
    page = client.get(f"/p/{token}", headers={"accept-language": "ja,en;q=0.5"})
    unknown = client.get("/p/" + "Z" * 32)
    if (WEB_DIR / "templates" / "pass.html").exists():
        assert page.status_code == 200 and token in page.text
        assert unknown.status_code == 404
    else:  # the front-end part is not installed in this checkout
        assert page.status_code == 503 and "Traceback" not in page.text
    sw = client.get("/sw.js")
    if (STATIC_DIR / "sw.js").exists():
        assert sw.status_code == 200 and sw.headers["service-worker-allowed"] == "/"
    else:
        assert sw.status_code == 404


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_server_thread_serves_over_real_http(settings: Settings, office: Office,
                                             broker: object) -> None:
    import httpx

    from officegate.server.broker import free_port
    from officegate.server.runner import RedactPassLinks, ServerThread

    port = free_port()
    s = settings.model_copy(update={"port": port, "base_url": f"http://127.0.0.1:{port}"})
    with ServerThread(s, broker=broker) as server:  # type: ignore[arg-type]
        assert server.broker == broker
        r = httpx.post(f"http://127.0.0.1:{port}/api/auth/token",
                       json={"email": office.admin, "password": PASSWORD})
        assert r.status_code == 200
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s "%s %s"',
                               ("1.2.3.4", "GET", "/api/p/" + "a" * 32 + "/open"), None)
    RedactPassLinks().filter(record)
    assert "a" * 32 not in record.getMessage()


def test_pass_link_tokens_are_masked_in_the_access_log_chat_included() -> None:
    from officegate.server.runner import RedactPassLinks

    token = "Tk_" + "b" * 40
    for path in (f"/p/{token}", f"/api/p/{token}/status", f"/api/chat/{token}",
                 f"/api/chat/{token}/messages", f"/api/chat/{token}/stream?x=1"):
        record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s "%s %s"',
                                   ("1.2.3.4", "GET", path), None)
        RedactPassLinks().filter(record)
        assert token not in record.getMessage(), path
        assert "***" in record.getMessage()
