/* Every visible string of the pass page, in Japanese and English. */
(function (global) {
  "use strict";

  const STRINGS = {
    ja: {
      pageTitle: "来訪者パス",
      privacyKept: "保存されている私の情報（確認・ダウンロード・削除）",
      privacyNotice: "個人情報の取り扱い",
      title: "来訪者パス",
      toggle: "English",
      toggleLabel: "Switch to English",
      loading: "パスを読み込んでいます…",
      instruction: "この QR コードをゲートのカメラにかざしてください",
      instructionDoor: "この QR コードをドアのカメラにかざしてください",
      instructionGateDoor: "この QR コードをゲートと会議室のドアのカメラにかざしてください",
      instructionCheckIn: "到着したら、ロビーのポスターの QR をスマートフォンのカメラで読み取ってチェックインしてください",
      instructionMachine: (machine) => `この QR コードを${machine}のカメラにかざしてください`,
      refreshIn: (s) => `あと ${s} 秒で新しいコードに変わります`,
      qrLabel: "入館用 QR コード",
      offline: "オフラインです。パスはそのまま使えます",
      brightness: "画面の明るさを上げ、画面を点けたままにしてください",
      checkedIn: "チェックイン済み",
      visitor: "来訪者",
      host: "担当者",
      when: "日時",
      room: "会議室",
      directions: "道順",
      validFrom: (t) => `このパスは ${t} から使えます`,
      retry: "もう一度読み込む",
      errBound: "このリンクは別の端末ですでに開かれています。この端末ではパスを表示できません。担当者にお問い合わせください。",
      errExpired: "このパスは有効期限が切れています。",
      errRevoked: "このパスは取り消されました。担当者にお問い合わせください。",
      errNotFound: "パスが見つかりません。リンクをご確認ください。",
      errNetwork: "パスを読み込めませんでした。電波の良い場所でもう一度お試しください。",
      errBroken: "パスを表示できませんでした。担当者にお問い合わせください。",
      checkedOut: "チェックアウトしました。ご来訪ありがとうございました。",
    },
    en: {
      pageTitle: "Visitor pass",
      privacyKept: "My data (see, download, erase)",
      privacyNotice: "Privacy notice",
      title: "Visitor pass",
      toggle: "日本語",
      toggleLabel: "日本語に切り替える",
      loading: "Loading your pass…",
      instruction: "Hold this QR code to the gate camera",
      instructionDoor: "Hold this QR code to the camera at the door",
      instructionGateDoor: "Hold this QR code to the camera at the gate and at the meeting room door",
      instructionCheckIn: "When you arrive, scan the QR poster in the lobby with your phone's camera to check in",
      instructionMachine: (machine) => `Hold this QR code to the camera of the ${machine}`,
      refreshIn: (s) => `New code in ${s} s`,
      qrLabel: "Entry QR code",
      offline: "You're offline — your pass still works",
      brightness: "Turn your screen brightness up and keep the screen on",
      checkedIn: "Checked in",
      visitor: "Visitor",
      host: "Your host",
      when: "Meeting time",
      room: "Room",
      directions: "Directions",
      validFrom: (t) => `This pass can be used from ${t}`,
      retry: "Try again",
      errBound: "This link was already opened on another phone, so the pass can't be shown here. Please contact your host.",
      errExpired: "This pass has expired.",
      errRevoked: "This pass has been cancelled. Please contact your host.",
      errNotFound: "This pass was not found. Please check the link.",
      errNetwork: "Couldn't load your pass. Please try again where you have signal.",
      errBroken: "The pass can't be shown. Please contact your host.",
      checkedOut: "You have checked out. Thank you for visiting.",
    },
  };

  /** The string `key` in `lang`, calling it with `args` when it is a template. */
  function t(lang, key, ...args) {
    const table = STRINGS[lang] || STRINGS.ja;
    const value = table[key];
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
    return d ? new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", zoned).format(d) : "";
  }

  /** The day of a date/time (epoch seconds or ISO text) for `lang`, or "" if unreadable. */
  function formatDate(lang, value) {
    return format(lang, value, { month: "short", day: "numeric", weekday: "short" });
  }

  /** The clock time (HH:MM) of a date/time for `lang`, or "" if unreadable. */
  function formatTime(lang, value) {
    return format(lang, value, { hour: "2-digit", minute: "2-digit" });
  }

  global.OfficeGateI18n = { STRINGS, t, toDate, formatDate, formatTime, siteZone };
})(self);
