"""The gettext catalogs: one ``.po`` per language under ``locale/``, compiled when loaded.

The ``.po`` files are the source of truth and ship inside the package; each is compiled to
a ``.mo`` image in memory the first time it is needed (Babel's own compiler), so a fresh
clone, an editable install and a wheel all translate without a build step. ``pybabel
compile`` output (a ``.mo`` newer than its ``.po``) is used as is when present.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("ja", "en", "zh_CN")  # every catalog; pages choose which of them they offer
STAFF_LANGUAGES = ("ja", "en")  # host and staff pages (zh_CN is for visitors)
DEFAULT = "ja"
NAMES = {"ja": "日本語", "en": "English", "zh_CN": "简体中文"}
HTML_LANG = {"ja": "ja", "en": "en", "zh_CN": "zh-Hans"}


def _po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (an unknown language: the source strings)."""
    if lang not in LANGUAGES:
        return NullTranslations()
    po = _po(lang)
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    """``message`` in ``lang``."""
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message in ``lang`` for ``n``."""
    return translations(lang).ngettext(singular, plural, n)


@cache
def script_catalog(lang: str) -> dict[str, str]:
    """The translations of the strings the pages' JavaScript uses (``gettext("...")`` in a
    ``.js`` file), for the page to embed: ``{source: translation}``."""
    po = _po(lang)
    if lang not in LANGUAGES or not po.is_file():
        return {}
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    out: dict[str, str] = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.fuzzy:
            continue
        if any(path.endswith(".js") for path, _line in message.locations) and message.string:
            out[message.id] = str(message.string)
    return out
