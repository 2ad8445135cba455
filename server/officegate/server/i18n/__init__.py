"""Translations: gettext catalogs (Babel) for the pages, one language at a time.

See docs/i18n.md for how to mark strings, extract and translate them.
"""
