"""The access log as CSV: every row of a search, streamed page by page (keyset), with
cells a spreadsheet would run as a formula defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from officegate.server.access.search import LogQuery, LogRow, search
from officegate.server.auth.models import User
from officegate.server.db import session_scope
from officegate.server.localtime import format_local

HEADER = ("time_utc", "time_local", "source", "kind", "decision", "label", "device", "zone",
          "visit_id", "visitor", "host", "detail", "by_user", "severity", "acknowledged")
PAGE = 1000
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"); a leading apostrophe makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: object) -> str:
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _line(row: LogRow, time_zone: str) -> list[str]:
    return [cell(v) for v in (
        row.at.isoformat(), format_local(row.at, time_zone, "seconds"), row.source, row.kind,
        row.code, row.label_en, row.device, row.zone, row.visit_id, row.visitor, row.host,
        row.detail, row.by_user, row.severity, "yes" if row.acknowledged else "")]


def rows_csv(*, sessions: sessionmaker[Session], viewer: User, site: str, q: LogQuery,
             time_zone: str) -> Iterator[str]:
    """The CSV text of every row ``q`` finds (ignoring its page size and cursor), in chunks;
    one short session per page, so a long download holds no transaction open."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    page = replace(q, after=None, limit=PAGE)
    while True:
        with session_scope(sessions) as db:
            rows = search(db=db, viewer=viewer, site=site, q=page)
        for row in rows:
            writer.writerow(_line(row, time_zone))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < PAGE:
            return
        page = replace(page, after=(rows[-1].at, rows[-1].key))
