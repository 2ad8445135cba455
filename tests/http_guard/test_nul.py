"""NUL (U+0000) is no character of any text the office keeps, and PostgreSQL refuses it in
text columns: in a JSON body, a form, the query or the path it is a 400 with the reason,
never a 500 (schemathesis found one on /api/invitations)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from messaging.conftest import Office, bearer


def test_nul_anywhere_is_a_400_with_its_reason(client: TestClient, office: Office) -> None:
    host = bearer(client, office.host)
    answers = [
        client.post("/api/invitations", headers={**host, "content-type": "application/json"},
                    content=b'{"visitors": [{"name": "A\\u0000B", "email": "a@example.org"}]}'),
        client.post("/login", data={"email": "a\x00@example.com", "password": "x"}),
        client.get("/api/visits?q=%00", headers=host),
        client.get("/p/abc%00def"),
    ]
    assert [r.status_code for r in answers] == [400, 400, 400, 400]
    assert all(r.json()["detail"]["code"] == "nul_character" for r in answers)
    # An escaped backslash followed by "u0000" is text, not NUL: it reaches the route.
    r = client.post("/api/invitations", headers={**host, "content-type": "application/json"},
                    content=b'{"visitors": [{"name": "A\\\\u0000B"}]}')
    assert r.status_code == 422
