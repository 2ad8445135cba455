"""The language a staff page speaks: the one per-user choice every page uses
(``i18n.negotiate``: ``?lang=``, the user's setting, the switcher's cookie, the browser), and
the strings from the gettext catalogs (docs/i18n.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from officegate.server.i18n import catalog, negotiate

Translate = Callable[..., str]


def translator(lang: str) -> Translate:
    """``_`` for ``lang`` outside a template (mail, chart labels): the catalog's string with
    ``%(name)s`` placeholders filled from keyword arguments, as Jinja's new-style gettext
    does: ``_("Alarm %(id)s", id=3)``."""

    def gettext(text: str, **values: object) -> str:
        found = catalog.gettext(lang, text)
        return found % values if values else found

    return gettext


def request_lang(request: Request, user: Any = None) -> str:
    """The page language of ``request`` for ``user`` (None: not signed in), remembered on
    the request so the shared header speaks it too."""
    return negotiate.page_language(request, getattr(user, "lang", None))


def page_context(request: Request, user: Any, **values: Any) -> dict[str, Any]:
    """A staff page's template context: ``lang``, ``languages`` and ``user`` plus
    ``values`` (the templates' ``_`` is the environment's gettext)."""
    return {"lang": request_lang(request, user), "languages": catalog.STAFF_LANGUAGES,
            "user": user, **values}
