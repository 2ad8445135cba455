"""Form checks for the staff pages: an error names its field, so the page shows the
message next to it."""

from __future__ import annotations

from datetime import UTC, datetime

from officegate.server.errors import InvalidInput
from officegate.server.localtime import zone


class FieldError(InvalidInput):
    """Invalid input in one form field (422; ``field`` is the input's name)."""

    def __init__(self, field: str, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(code, message_en, message_ja)
        self.field = field

    def detail(self) -> dict[str, str]:
        """The JSON ``detail``, with the field."""
        return {**super().detail(), "field": self.field}


def local_path(target: str, default: str) -> str:
    """``target`` when it is a path on this site (a redirect never leaves it), else
    ``default``: "/x" yes; "//evil", "/\\evil", "https://..." no."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and all(ch.isprintable() for ch in target):
        return target
    return default


def local_moment(field: str, text: str | None, time_zone: str) -> datetime | None:
    """A ``datetime-local`` input (site wall-clock time) as an aware UTC moment."""
    if not text or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FieldError(field, "bad_time", "Not a time: use the date and time picker.",
                         "日時の形式が正しくありません。") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(time_zone))
    if not 2000 <= moment.year <= 2200:
        raise FieldError(field, "bad_time", "Not a time: use the date and time picker.",
                         "日時の形式が正しくありません。")
    return moment.astimezone(UTC)
