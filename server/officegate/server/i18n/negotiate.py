"""Which language a page speaks: the one asked for in the address (``?lang=``), else the
signed-in user's setting, else the language cookie, else the browser's Accept-Language,
else Japanese."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request

from officegate.server.i18n.catalog import DEFAULT, LANGUAGES, STAFF_LANGUAGES

COOKIE = "og_lang"


def normalise(tag: str | None, offered: Sequence[str] = LANGUAGES) -> str | None:
    """The offered language a tag means (``zh-Hans-CN`` -> ``zh_CN``, ``en-GB`` -> ``en``)."""
    if not tag:
        return None
    tag = tag.strip().replace("-", "_")
    low = tag.lower()
    for lang in offered:
        if low == lang.lower():
            return lang
    base = low.split("_", 1)[0]
    if base == "zh" and "zh_CN" in offered and not any(x in low for x in ("tw", "hk", "hant")):
        return "zh_CN"
    return base if base in offered and base != "zh" else None


def accept_language(header: str, offered: Sequence[str] = LANGUAGES) -> str | None:
    """The best offered language of an Accept-Language header (RFC 9110 q-values)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = normalise(tag, offered)
        if lang is not None and q > 0:
            ranked.append((-q, index, lang))
    return sorted(ranked)[0][2] if ranked else None


def choose(request: Request, *, user_lang: str | None = None,
           offered: Sequence[str] = LANGUAGES) -> str:
    """The language of this request's page among ``offered``."""
    return (normalise(request.query_params.get("lang"), offered)
            or normalise(user_lang, offered)
            or normalise(request.cookies.get(COOKIE), offered)
            or accept_language(request.headers.get("accept-language", ""), offered)
            or (DEFAULT if DEFAULT in offered else offered[0]))


def page_language(request: Request, user_lang: str | None,
                  offered: Sequence[str] = STAFF_LANGUAGES) -> str:
    """The language of a signed-in page: :func:`choose`, remembered on the request so the
    shared header (base.html) speaks it too."""
    lang = choose(request, user_lang=user_lang, offered=offered)
    request.state.og_lang = lang
    return lang
