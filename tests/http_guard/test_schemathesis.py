"""Schemathesis over the whole OpenAPI document, anonymous and as every role (host, staff,
admin): no request it can generate gets a 5xx, and no answer breaks the document (status
codes, content types, bodies, schema-valid requests refused). The counts are printed; the
README quotes them.

What the services check beyond JSON types is in the document as patterns and formats; the
formats are named (``apprise-url``, ``iana-time-zone``, ``push-endpoint``, ``icalendar``) and
given generators here, as schemathesis asks for rules a JSON Schema cannot spell. Rules
between fields (a visit ends after it starts) are :data:`RULES`: each maps a generated request
onto the rule, so the request stays schema-valid and also means something.

Two examples per operation and role, and operations that need no user (pass page, webhooks,
OwnTracks, sign-in) run anonymous only, keep four roles within the time three took.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from messaging.conftest import Office, bearer
from schemathesis.core.failures import FailureGroup
from support.office import ADMIN, HOST, OTHER_HOST, STAFF, build_office

from officegate.server.meetings.service import create_room
from officegate.server.settings import Settings

EXAMPLES = 2  # per operation and role: four roles stay within the time three took
STREAMS = re.compile(r"/stream$|/feed$")  # server-sent events never end by themselves
QUIET = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                 phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=list(HealthCheck))
PUBLIC_HOST = "hooks.office.invalid"  # never resolves: the guard allows it, nothing is sent
ROOM = "sakura"  # the office's one meeting room
CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            "UID:{uid}@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
            f"DTEND:{{end}}\r\nSUMMARY:Review\r\nLOCATION:{ROOM}\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")


def _calendar(uid: int) -> str:
    start = datetime.now().replace(microsecond=0) + timedelta(days=1)
    return CALENDAR.format(uid=uid, start=f"{start:%Y%m%dT%H%M%S}",
                           end=f"{start + timedelta(hours=1):%Y%m%dT%H%M%S}")


schemathesis.openapi.format("apprise-url", st.sampled_from([
    f"json://{PUBLIC_HOST}/hook", f"ntfy://{PUBLIC_HOST}/office", "mailto://ops@example.com"]))
schemathesis.openapi.format("iana-time-zone", st.sampled_from(
    sorted(z for z in available_timezones() if "/" in z)))
schemathesis.openapi.format("push-endpoint", st.just(f"https://{PUBLIC_HOST}/push/abc"))
schemathesis.openapi.format("icalendar", st.integers(0, 10**6).map(_calendar))
schemathesis.serializer.alias("text/calendar", "text/plain")


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _visit(case: Any) -> None:
    """A visit is not over yet, ends after it starts and lasts under 14 days; its host,
    zones and room are ones the office has (a generator cannot guess them)."""
    body = case.body
    if not isinstance(body, dict):
        return
    start = _moment(body.get("starts_at"))
    if start is not None:
        now = datetime.now(UTC)
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        start = min(max(start, now), datetime(9000, 1, 1, tzinfo=UTC))
        body["starts_at"], body["ends_at"] = (start.isoformat(),
                                              (start + timedelta(hours=1)).isoformat())
    if "host" in body:
        body["host"] = HOST[0]
    body.pop("site", None)  # this server's site, the default
    body["zones"], body["doors"] = ["lobby"], []
    if "visitors" in body:  # an invitation books the office's room, or none
        body.pop("doors")
        body["room"] = ROOM if body.get("room") else None


def _search(case: Any) -> None:
    """A search starts before it ends; its cursor is one the server gave (none here)."""
    query = case.query
    if not isinstance(query, dict):
        return
    query.pop("after", None)
    if query.get("start") and query.get("end") and query["start"] >= query["end"]:
        query.pop("end")


RULES: dict[str, Callable[[Any], None]] = {
    "POST /api/visits": _visit, "POST /api/invitations": _visit,
    "GET /api/access/log": _search, "GET /api/access/log.csv": _search}


@pytest.fixture
def office(settings: Settings) -> Office:
    """The messaging office plus an admin, so every role is tried."""
    o = Office(site=settings.site, gate=f"gate-{settings.site}")
    build_office(settings, people=[ADMIN, STAFF, HOST, OTHER_HOST],
                 devices=[(o.gate, "gate", "lobby"), (f"door-{ROOM}", "door", "floor3")],
                 then=lambda db: create_room(db=db, site=o.site, name=ROOM, label="Sakura",
                                             door=f"door-{ROOM}"))
    return o


def _run(operation: Any, headers: dict[str, str], app: Any
         ) -> tuple[int, Counter[str], dict[str, str]]:
    """(server errors, conformance failures by kind, an answer of each kind) of
    ``operation`` as ``headers``."""
    errors = 0
    failures: Counter[str] = Counter()
    answers: dict[str, str] = {}
    rule = RULES.get(f"{operation.method.upper()} {operation.path}")

    @QUIET
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        nonlocal errors
        if rule is not None:
            rule(case)
        response = case.call(headers=headers, app=app)
        if response.status_code >= 500:
            errors += 1
            return
        try:
            case.validate_response(response)
        except FailureGroup as group:  # each kind of failure is counted
            for kind in group.exceptions:
                name = f"{type(kind).__name__} ({response.status_code})"
                failures[name] += 1
                answers.setdefault(name, response.text[:200])

    check()
    return errors, failures, answers


@pytest.mark.surface
@pytest.mark.timeout(600)
def test_every_operation_answers_as_documented_to_every_role(client: TestClient,
                                                             office: Office) -> None:
    app = client.app
    staff = bearer(client, office.staff)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=staff)
    # No text holds U+0000: the server refuses it everywhere with 400 nul_character (the
    # document says so in its description; tests/http_guard/test_nul.py checks the refusal).
    schema.config.generation.update(allow_x00=False)
    roles = {"anonymous": {}, "host": bearer(client, office.host), "staff": staff,
             "admin": bearer(client, ADMIN[0])}
    report: dict[str, tuple[int, Counter[str], int]] = {}
    answers: dict[str, str] = {}
    for role, headers in roles.items():
        errors, failures, operations = 0, Counter[str](), 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if STREAMS.search(operation.path):
                continue
            if headers and not operation.definition.raw.get("security"):
                continue  # needs no user: answers the same whoever asks (run anonymous)
            client.app.state.throttle.reset()  # type: ignore[attr-defined]
            operations += 1
            e, f, a = _run(operation, headers, app)
            errors += e
            label = f"{operation.method.upper()} {operation.path}"
            failures.update({f"{label}: {k}": v for k, v in f.items()})
            answers.update({f"{label}: {k}": v for k, v in a.items()})
        report[role] = (errors, failures, operations)
    for role, (errors, failures, operations) in report.items():
        kinds = Counter(name.rsplit(": ", 1)[1].split(" (")[0] for name in failures)
        print(f"schemathesis {role}: {operations} operations, {errors} server errors, "
              f"{len(failures)} distinct conformance failures {dict(kinds)}")
        for name in sorted(failures):
            print(f"  {name}: {answers[name]}")
    assert all(errors == 0 for errors, _f, _n in report.values()), report
    assert all(not failures for _e, failures, _n in report.values()), report
