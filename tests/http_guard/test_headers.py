"""Security headers on every answer; no inline script anywhere; the API document for
signed-in users only."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from messaging.conftest import Office, bearer

import officegate.server.app as server_app

TEMPLATES = Path(server_app.__file__).parent / "web" / "templates"


def _csp(r) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in r.headers["content-security-policy"].split(";"))
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def test_pages_api_and_refusals_carry_the_headers(client: TestClient) -> None:
    answers = [client.get("/login"), client.get("/p/" + "x" * 32),
               client.get("/api/auth/me"), client.get("/static/pass.js"),
               client.post("/api/auth/token", content=b"[" * 100_000,
                           headers={"content-type": "application/json"})]
    assert [r.status_code for r in answers] == [200, 404, 401, 200, 400]
    for r in answers:
        csp = _csp(r)
        assert csp["script-src"] == "'self'"  # no inline script, no eval
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"]
        assert "strict-transport-security" not in r.headers  # plain http here
    assert answers[1].headers["referrer-policy"] == "no-referrer"  # the pass page's own


def test_hsts_behind_https(client: TestClient) -> None:
    secure = TestClient(client.app, base_url="https://testserver")
    assert secure.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_no_template_has_inline_script_or_handlers() -> None:
    # JSON data blocks (<script type="application/json">) never run: the CSP allows them.
    inline = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"
                        r"|\son[a-z]+\s*=|javascript:", re.I)
    found = [f"{p.name}: {m.group()}" for p in TEMPLATES.glob("*.html")
             for m in inline.finditer(p.read_text())]
    assert not found, found


def test_the_api_document_needs_a_sign_in(client: TestClient, office: Office) -> None:
    assert client.get("/openapi.json").status_code == 401
    docs = client.get("/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"].startswith("/login")
    assert client.get("/openapi.json", headers={"Authorization": "Bearer nope"}).status_code \
        == 401
    staff = bearer(client, office.host)
    assert client.get("/openapi.json", headers=staff).json()["paths"]
    assert client.get("/docs", headers=staff).status_code == 200
