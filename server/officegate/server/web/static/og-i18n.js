/*
 * gettext for the pages' JavaScript. The server embeds the page language's translations in
 * <script id="og-catalog" type="application/json">; Babel extracts every gettext("...") call
 * from the .js files into the catalogs (docs/i18n.md). Without a translation the English
 * source text is shown.
 */
(function (global) {
  "use strict";
  let catalog = {};
  try {
    const node = global.document && global.document.getElementById("og-catalog");
    catalog = node ? JSON.parse(node.textContent || "{}") : {};
  } catch (e) {
    catalog = {};
  }

  /** `message` in the page's language. */
  function gettext(message) {
    return Object.prototype.hasOwnProperty.call(catalog, message) ? catalog[message] : message;
  }

  /** Fill `%(name)s` placeholders of a translated message from `values`. */
  function interpolate(message, values) {
    return message.replace(/%\((\w+)\)s/g, (m, key) => (key in values ? String(values[key]) : m));
  }

  /** The page's language (the <html lang>), for dates and numbers. */
  function locale() {
    const lang = (global.document && global.document.documentElement.lang) || "ja";
    return lang === "en" ? "en-GB" : lang === "zh-Hans" ? "zh-CN" : "ja-JP";
  }

  global.gettext = gettext;
  global.interpolate = interpolate;
  global.OfficeGateL10n = { gettext, interpolate, locale };
})(self);
