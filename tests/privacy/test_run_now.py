"""An admin's "run now" never overlaps a retention run under way: it takes the same run
lock as the scheduled job and says clearly (409, and on the page) that a run is going on."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from officegate.server.auth.service import create_user
from officegate.server.bootstrap import database_session
from officegate.server.privacy import jobs as privacy_jobs
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, bearer

ADMIN = "admin@example.com"
DEADLINE_S = 60.0  # generous: the machine may be busy


class HeldRun:
    """Makes the retention run wait inside until released (no sleeps: events)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inside, self.release = threading.Event(), threading.Event()
        real = privacy_jobs.run_retention

        def held(**kwargs: Any) -> privacy_jobs.RetentionReport:
            self.inside.set()
            assert self.release.wait(DEADLINE_S)
            return real(**kwargs)

        monkeypatch.setattr(privacy_jobs, "run_retention", held)


def test_run_now_while_a_run_is_under_way_is_refused_clearly(
        client: TestClient, settings: Settings, office: Office,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with database_session(settings) as db:
        create_user(db=db, email=ADMIN, password=PASSWORD, role="admin")
    admin = bearer(client, ADMIN)
    run = HeldRun(monkeypatch)
    answers: list[Any] = []
    first = threading.Thread(target=lambda: answers.append(
        client.post("/api/privacy/retention/run", headers=admin)))
    first.start()
    try:
        assert run.inside.wait(DEADLINE_S), "the first run never started"
        second = client.post("/api/privacy/retention/run", headers=admin)
        assert second.status_code == 409, second.text
        assert second.json()["detail"]["code"] == "retention_running"
        # The page's button says it in the admin's language.
        assert client.post("/login", data={"email": ADMIN, "password": PASSWORD},
                           follow_redirects=False).status_code == 303
        page = client.post("/staff/privacy/run?lang=en", follow_redirects=False)
        assert page.status_code == 409 and "Retention is already running" in page.text
        page_ja = client.post("/staff/privacy/run?lang=ja", follow_redirects=False)
        assert page_ja.status_code == 409 and "すでに実行中" in page_ja.text
    finally:
        run.release.set()
        first.join(DEADLINE_S)
    assert answers and answers[0].status_code == 200, answers
    assert answers[0].json()["visitors_erased"] == 0
    # Once it has finished, the button runs it again and says so.
    done = client.post("/staff/privacy/run?lang=en")
    assert done.status_code == 200 and "Retention ran:" in done.text
    actions = [e["action"] for e in client.get("/api/audit", headers=admin).json()]
    assert actions.count("retention.run_now") == 5  # every request, refused ones too
