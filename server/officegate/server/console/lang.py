"""The language a staff page speaks, one at a time, and its strings.

Every string is written in English (the message id, as gettext would have it), with
``%(name)s`` placeholders as Jinja's new-style gettext takes them, and looked up in the
Japanese table of ``console/ja.py``. With the Babel catalogs (docs/i18n.md) the templates
need no change: drop ``_`` from :func:`page_context` so the environment's gettext answers,
extract, and move ``ja.py``'s pairs into ``ja/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from officegate.server.console.ja import JA

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
COOKIE = "og_lang"

Translate = Callable[..., str]


def translator(lang: str) -> Translate:
    """``_`` for ``lang``: the string in that language (English when no translation), with
    ``%(name)s`` placeholders filled from keyword arguments, as Jinja's new-style gettext
    does: ``_("Alarm %(id)s", id=3)``."""
    table = JA if lang == "ja" else {}

    def gettext(text: str, **values: object) -> str:
        found = table.get(text, text)
        return found % values if values else found

    return gettext


def choose(*, query: str | None = None, cookie: str | None = None, user: Any = None,
           accept: str = "") -> str:
    """The page language: ``?lang=``, then the cookie the switcher set, then the user's own
    setting (``user.language`` when the user model has one), then Accept-Language."""
    for value in (query, cookie, getattr(user, "language", None)):
        if value in LANGS:
            return str(value)
    for part in accept.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag[:2] in LANGS:
            return tag[:2]
    return DEFAULT_LANG


def own_language(user: Any) -> str | None:
    """The language ``user`` chose in their account (``users.lang``)."""
    column = getattr(user, "lang", None)  # users.lang, which the switcher saves too
    return column if isinstance(column, str) and column in LANGS else None


def request_lang(request: Request, user: Any = None) -> str:
    """:func:`choose` for a request (the user's own setting read from the database)."""
    own = own_language(user)
    return choose(query=request.query_params.get("lang"), cookie=request.cookies.get(COOKIE),
                  user=_Chosen(own) if own else user,
                  accept=request.headers.get("accept-language", ""))


class _Chosen:
    """A stand-in carrying a stored language as ``.language``."""

    def __init__(self, language: str) -> None:
        self.language = language


def page_context(request: Request, user: Any, **values: Any) -> dict[str, Any]:
    """A staff page's template context: ``lang``, ``_`` and ``user`` plus ``values``."""
    lang = request_lang(request, user)
    return {"lang": lang, "_": translator(lang), "user": user, **values}
