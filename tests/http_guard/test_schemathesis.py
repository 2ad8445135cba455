"""Schemathesis over the whole OpenAPI document, as every role and anonymous: no request it
can generate gets a 5xx. Conformance failures (undocumented status codes, error bodies
shaped unlike the document) are counted and printed, not yet asserted: see the report.

A few examples per operation keep the run under a few minutes on CI; the counts printed
are what the README quotes.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from messaging.conftest import Office, bearer
from schemathesis.core.failures import FailureGroup

EXAMPLES = 3
STREAMS = re.compile(r"/stream$|/feed$")  # server-sent events never end by themselves
QUIET = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                 phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=list(HealthCheck))


def _run(operation: Any, headers: dict[str, str], app: Any) -> tuple[int, Counter[str]]:
    """(server errors, conformance failures by kind) of ``operation`` as ``headers``."""
    errors = 0
    failures: Counter[str] = Counter()

    @QUIET
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        nonlocal errors
        response = case.call(headers=headers, app=app)
        if response.status_code >= 500:
            errors += 1
            return
        try:
            case.validate_response(response)
        except FailureGroup as group:  # each kind of failure is counted
            for kind in group.exceptions:
                failures[type(kind).__name__] += 1

    check()
    return errors, failures


@pytest.mark.timeout(600)
def test_no_operation_gives_a_server_error_to_any_role(client: TestClient,
                                                       office: Office) -> None:
    app = client.app
    staff = bearer(client, office.staff)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=staff)
    roles = {"anonymous": {}, "host": bearer(client, office.host), "staff": staff}
    report: dict[str, tuple[int, Counter[str], int]] = {}
    for role, headers in roles.items():
        errors, failures, operations = 0, Counter[str](), 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if STREAMS.search(operation.path):
                continue
            client.app.state.throttle.reset()  # type: ignore[attr-defined]
            operations += 1
            e, f = _run(operation, headers, app)
            errors += e
            failures.update({f"{operation.method.upper()} {operation.path}: {k}": v
                             for k, v in f.items()})
        report[role] = (errors, failures, operations)
    for role, (errors, failures, operations) in report.items():
        kinds = Counter(name.rsplit(": ", 1)[1] for name in failures)
        print(f"schemathesis {role}: {operations} operations, {errors} server errors, "
              f"{len(failures)} distinct conformance failures {dict(kinds)}")
        for name in sorted(failures):
            print(f"  {name}")
    assert all(errors == 0 for errors, _f, _n in report.values()), report
