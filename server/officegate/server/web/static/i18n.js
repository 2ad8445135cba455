/*
 * Every visible string of the pass page, from the gettext catalogs (Babel extracts each
 * gettext("...") below; docs/i18n.md). The page embeds the catalogs of the visitor languages
 * in <script id="og-catalogs">, so switching language needs no network (the pass works
 * offline). A message without a translation shows its English source.
 */
(function (global) {
  "use strict";

  const LANGS = ["ja", "en", "zh_CN"];
  // The toggle names the language it switches to, in that language.
  const NEXT = { ja: "en", en: "ja", zh_CN: "ja" };
  const NAMES = { ja: "日本語", en: "English", zh_CN: "简体中文" };
  const SWITCH = { ja: "日本語に切り替える", en: "Switch to English", zh_CN: "切换到简体中文" };

  let catalogs = {};
  try {
    const node = global.document && global.document.getElementById("og-catalogs");
    catalogs = node ? JSON.parse(node.textContent || "{}") : {};
  } catch (e) {
    catalogs = {};
  }

  function translator(lang) {
    const table = catalogs[lang] || {};
    return (message) => (Object.prototype.hasOwnProperty.call(table, message) ? table[message] : message);
  }

  function fill(message, values) {
    return message.replace(/%\((\w+)\)s/g, (m, key) => (key in values ? String(values[key]) : m));
  }

  function table(lang) {
    const gettext = translator(lang);
    const next = NEXT[lang] || "ja";
    return {
      pageTitle: gettext("Visitor pass"),
      privacyKept: gettext("My data (see, download, erase)"),
      privacyNotice: gettext("Privacy notice"),
      title: gettext("Visitor pass"),
      toggle: NAMES[next],
      toggleLabel: SWITCH[next],
      loading: gettext("Loading your pass…"),
      instruction: gettext("Hold this QR code to the gate camera"),
      instructionDoor: gettext("Hold this QR code to the camera at the door"),
      instructionGateDoor: gettext("Hold this QR code to the camera at the gate and at the meeting room door"),
      instructionCheckIn: gettext("When you arrive, scan the QR poster in the lobby with your phone's camera to check in"),
      instructionMachine: (machine) => fill(gettext("Hold this QR code to the camera of the %(machine)s"), { machine }),
      refreshIn: (s) => fill(gettext("New code in %(s)s s"), { s }),
      qrLabel: gettext("Entry QR code"),
      offline: gettext("You're offline — your pass still works"),
      brightness: gettext("Turn your screen brightness up and keep the screen on"),
      checkedIn: gettext("Checked in"),
      visitor: gettext("Visitor"),
      host: gettext("Your host"),
      when: gettext("Meeting time"),
      room: gettext("Room"),
      directions: gettext("Directions"),
      validFrom: (t) => fill(gettext("This pass can be used from %(t)s"), { t }),
      retry: gettext("Try again"),
      errBound: gettext("This link was already opened on another phone, so the pass can't be shown here. Please contact your host."),
      errExpired: gettext("This pass has expired."),
      errRevoked: gettext("This pass has been cancelled. Please contact your host."),
      errNotFound: gettext("This pass was not found. Please check the link."),
      errNetwork: gettext("Couldn't load your pass. Please try again where you have signal."),
      errBroken: gettext("The pass can't be shown. Please contact your host."),
      checkedOut: gettext("You have checked out. Thank you for visiting."),
    };
  }

  const STRINGS = {};
  for (const lang of LANGS) STRINGS[lang] = table(lang);

  /** The string `key` in `lang`, calling it with `args` when it is a template. */
  function t(lang, key, ...args) {
    const strings = STRINGS[lang] || STRINGS.ja;
    const value = strings[key];
    return typeof value === "function" ? value(...args) : value;
  }

  /**
   * A moment from the API (epoch seconds or ISO 8601 text) as a Date, or null if unreadable.
   * ISO text without a zone is taken as UTC, as the server means it: JS would read it as the
   * phone's local time and shift a Tokyo phone's pass window by nine hours.
   */
  function toDate(value) {
    if (value === null || value === undefined || value === "") return null;
    let d;
    if (typeof value === "number") {
      d = new Date(value * 1000);
    } else {
      const text = String(value);
      const zoned = /T.*(Z|[+-]\d\d:?\d\d)$/i.test(text) || !text.includes("T");
      d = new Date(zoned ? text : text + "Z");
    }
    return isNaN(d.getTime()) ? null : d;
  }

  /** The site's time zone from <html data-time-zone> (undefined: the phone's own zone). */
  function siteZone() {
    const doc = global.document;
    return (doc && doc.documentElement && doc.documentElement.dataset.timeZone) || undefined;
  }

  // Times read as the office's clock, even on a phone still set to the visitor's home zone.
  function format(lang, value, opts) {
    const d = toDate(value);
    const zoned = { ...opts, timeZone: siteZone() };
    const locale = lang === "en" ? "en-GB" : lang === "zh_CN" ? "zh-CN" : "ja-JP";
    return d ? new Intl.DateTimeFormat(locale, zoned).format(d) : "";
  }

  /** The day of a date/time (epoch seconds or ISO text) for `lang`, or "" if unreadable. */
  function formatDate(lang, value) {
    return format(lang, value, { month: "short", day: "numeric", weekday: "short" });
  }

  /** The clock time (HH:MM) of a date/time for `lang`, or "" if unreadable. */
  function formatTime(lang, value) {
    return format(lang, value, { hour: "2-digit", minute: "2-digit" });
  }

  /** The page's language now (<html lang> as pass.js sets it): ja, en or zh_CN. */
  function pageLang() {
    const tag = (global.document && global.document.documentElement.lang) || "ja";
    return tag === "zh-Hans" ? "zh_CN" : LANGS.includes(tag) ? tag : "ja";
  }

  global.OfficeGateI18n = { STRINGS, LANGS, NEXT, t, toDate, formatDate, formatTime, siteZone,
                            translator, fill, pageLang };
})(self);
