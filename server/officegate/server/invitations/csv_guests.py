"""Visitors from a CSV a host pastes or uploads (a group): one visitor per line.

Columns by header name (English or Japanese), else in the order name, email, phone,
company, lang. Every bad line is reported with its number and field; good lines are kept.
"""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from officegate.server.invitations.schemas import CsvOut, CsvRowError, GuestIn

MAX_ROWS = 100
ORDER = ("name", "email", "phone", "company", "lang")
HEADERS = {
    "name": "name", "氏名": "name", "名前": "name", "姓名": "name",
    "email": "email", "e-mail": "email", "mail": "email", "メール": "email",
    "メールアドレス": "email", "邮箱": "email",
    "phone": "phone", "tel": "phone", "電話": "phone", "電話番号": "phone", "电话": "phone",
    "company": "company", "会社": "company", "会社名": "company", "公司": "company",
    "lang": "lang", "language": "lang", "言語": "lang", "语言": "lang",
}


def parse_guests(text: str) -> CsvOut:
    """The visitors in ``text`` and the errors of the lines that are not usable."""
    text = text.lstrip("\ufeff")  # Excel's UTF-8 BOM
    rows = list(csv.reader(io.StringIO(text)))
    columns = list(ORDER)
    start = 0
    if rows and any(cell.strip().lower() in HEADERS for cell in rows[0]):
        columns = [HEADERS.get(cell.strip().lower(), "") for cell in rows[0]]
        start = 1
    guests: list[GuestIn] = []
    errors: list[CsvRowError] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(guests) >= MAX_ROWS:
            errors.append(CsvRowError(line=number, field="", message=f"at most {MAX_ROWS} "
                                      "visitors at once"))
            break
        values = {col: cell.strip() for col, cell in zip(columns, row, strict=False)
                  if col and cell.strip()}
        try:
            guests.append(GuestIn.model_validate(values))
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else ""
                errors.append(CsvRowError(line=number, field=field, message=err["msg"]))
    return CsvOut(visitors=guests, errors=errors)
