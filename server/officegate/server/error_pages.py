"""Errors as a page, in Japanese and English, for a person whose browser opened a page.

API clients (``/api/...``, or anything not asking for HTML) keep the JSON ``detail``; a
browser that navigates to a staff or host page gets this page instead of raw JSON.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

TITLES: dict[int, tuple[str, str]] = {
    400: ("リクエストが正しくありません", "Bad request"),
    401: ("ログインが必要です", "Sign-in needed"),
    403: ("このページは開けません", "Not allowed"),
    404: ("ページが見つかりません", "Not found"),
    405: ("この操作はできません", "Not allowed here"),
    409: ("操作できませんでした", "Could not do that"),
    410: ("もう使えません", "No longer available"),
    422: ("入力内容が正しくありません", "Check what you entered"),
}
FALLBACK = ("エラーが発生しました", "Something went wrong")


def wants_page(request: Request) -> bool:
    """A browser navigating to a page (not the API, not a script's fetch of JSON)."""
    return (not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", ""))


def error_page(request: Request, status: int, message_ja: str, message_en: str,
               reasons: list[str] | None = None) -> Response | None:
    """The error as a bilingual page when a person asked for a page, else None."""
    if not wants_page(request):
        return None
    title_ja, title_en = TITLES.get(status, FALLBACK)
    templates = request.app.state.officegate.templates
    return templates.TemplateResponse(request, "error.html", {
        "status": status, "title_ja": title_ja, "title_en": title_en,
        "message_ja": message_ja, "message_en": message_en, "reasons": reasons or [],
        "user": None}, status_code=status)
