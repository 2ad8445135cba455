"""Gettext in the page templates: ``{{ _("Text") }}`` and ``{% trans %}`` speak the page's
language (the template's ``lang``, else the one negotiated from its ``request``)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from officegate.server.i18n import catalog, negotiate


def page_lang(context: Context) -> str:
    """The language a template renders in."""
    lang = context.get("lang")
    if isinstance(lang, str) and lang in catalog.LANGUAGES:
        return lang
    request = context.get("request")
    if request is None:
        return catalog.DEFAULT
    cached = getattr(request.state, "og_lang", None)
    if isinstance(cached, str):
        return cached
    return negotiate.choose(request, offered=catalog.STAFF_LANGUAGES)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return catalog.gettext(page_lang(context), message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return catalog.ngettext(page_lang(context), singular, plural, n)


@pass_context
def _script_catalog(context: Context) -> dict[str, str]:
    """The page's JavaScript translations (``{{ script_catalog()|tojson }}``)."""
    return catalog.script_catalog(page_lang(context))


def _visitor_catalogs() -> dict[str, dict[str, str]]:
    """Every visitor language's JavaScript translations (the pass page switches offline)."""
    return {lang: catalog.script_catalog(lang) for lang in catalog.LANGUAGES}


@pass_context
def _html_lang(context: Context) -> str:
    return catalog.HTML_LANG.get(page_lang(context), "ja")


def install(env: Environment) -> None:
    """Add the i18n extension and the page-language gettext to ``env``."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    globals_: dict[str, Any] = {"script_catalog": _script_catalog, "html_lang": _html_lang,
                                "visitor_catalogs": _visitor_catalogs,
                                "language_names": catalog.NAMES}
    env.globals.update(globals_)
