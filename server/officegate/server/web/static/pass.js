/* OfficeGate visitor pass page: opens the pass once, then shows the rotating QR, online or not.
 *
 * QR text = prefix + TOTP(code_secret, now) + cose_b45 (docs/contracts.md). The open-API answer
 * is kept in localStorage per token so the page works with no signal after the first open.
 */
(function () {
  "use strict";

  const { t, toDate, formatDate, formatTime } = self.OfficeGateI18n;
  const Totp = self.OfficeGateTotp;
  const body = document.body;
  const token = body.dataset.token || "";
  const $ = (id) => document.getElementById(id);
  const PASS_KEY = "og.pass." + token;
  const POLL_MS = 15000;

  const state = {
    lang: pickLanguage(),
    pass: null,      // the open-API answer
    secret: null,    // Uint8Array
    error: null,     // { key } or { en, ja } from the server
    text: null,      // the QR text currently drawn
    counter: null,   // TOTP counter of the drawn code
    checkedIn: false,
    networkDown: false,
    machine: null,   // the vending machine where an ordered drink waits (drink.js says)
  };

  function pickLanguage() {
    const chosen = localStorage.getItem("og.lang");
    if (OfficeGateI18n.LANGS.includes(chosen)) return chosen;
    return OfficeGateI18n.LANGS.includes(body.dataset.lang) ? body.dataset.lang : "ja";
  }

  // ---- rendering -------------------------------------------------------------------------

  function show(section) {
    for (const id of ["loading", "error", "pass"]) $(id).hidden = id !== section;
  }

  function applyLanguage() {
    const lang = state.lang;
    document.documentElement.lang = lang === "zh_CN" ? "zh-Hans" : lang;
    document.title = t(lang, "pageTitle");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      el.textContent = t(lang, el.dataset.i18n);
    }
    const toggle = $("lang-toggle");
    toggle.textContent = t(lang, "toggle");
    toggle.setAttribute("aria-label", t(lang, "toggleLabel"));
    toggle.lang = OfficeGateI18n.NEXT[lang] === "zh_CN" ? "zh-Hans" : OfficeGateI18n.NEXT[lang];
    for (const choice of document.querySelectorAll("[data-lang-choice]")) {
      choice.hidden = choice.dataset.langChoice === lang;
    }
    $("qr").setAttribute("aria-label", t(lang, "qrLabel"));
    renderDetails();
    renderError();
    renderCountdown();
  }

  function renderDetails() {
    const p = state.pass;
    if (!p) return;
    const lang = state.lang;
    $("site-name").textContent = p.site_name || "";
    $("visitor-name").textContent = p.visitor_name || "";
    $("host-name").textContent = p.host_name || "";
    const start = formatTime(lang, p.starts_at);
    const end = formatTime(lang, p.ends_at);
    $("meeting-day").textContent = formatDate(lang, p.starts_at);
    $("meeting-hours").textContent = start && end ? `${start} – ${end}` : start;
    $("room-row").hidden = !p.room;
    $("room").textContent = p.room || "";
    $("directions-box").hidden = !p.directions;
    $("directions").textContent = p.directions || "";
    $("checked-in").hidden = !state.checkedIn;
    $("instruction").textContent = instruction(p, lang);
    const from = toSeconds(p.valid_from);
    const early = from !== null && nowSeconds() < from;
    $("not-yet").hidden = !early;
    const fromText = `${formatDate(lang, p.valid_from)} ${formatTime(lang, p.valid_from)}`;
    $("not-yet").textContent = early ? t(lang, "validFrom", fromText) : "";
  }

  /** Where to hold the QR now: the machine with the drink waiting, the door of a meeting
   * pass, the gate; a pass that opens nothing yet is for checking in at the lobby poster. */
  function instruction(p, lang) {
    if (state.machine) {
      return t(lang, "instructionMachine", lang === "ja" ? state.machine.label_ja : state.machine.label_en);
    }
    if (!Array.isArray(p.zones) || !Array.isArray(p.doors)) return t(lang, "instruction");
    if (p.doors.length) return t(lang, p.zones.length ? "instructionGateDoor" : "instructionDoor");
    return t(lang, p.zones.length ? "instruction" : "instructionCheckIn");
  }

  function renderError() {
    const e = state.error;
    if (!e) return;
    $("error").classList.toggle("error", !e.done); // a visit that ended well is no error
    $("error").classList.toggle("done", !!e.done);
    // One language: ours from the catalogs; a server message we have no words for in
    // Japanese or English only on a page in that language, else our general one.
    const lang = state.lang;
    $("error-primary").textContent = e.key ? t(lang, e.key) : e[lang] || t(lang, e.fallback || "errBroken");
    $("retry").hidden = !e.retry;
  }

  /** Chat, arrival, drink and push code, and the service worker: after the first QR (or the
   * first answer that there is none), so a slow phone spends its bandwidth on the QR first. */
  let laterLoaded = false;
  function loadLater() {
    if (laterLoaded) return;
    laterLoaded = true;
    for (const src of (body.dataset.later || "").split(/\s+/).filter(Boolean)) {
      const script = document.createElement("script");
      script.src = src;
      script.async = false; // in the listed order
      document.body.append(script);
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    }
  }

  function fail(error) {
    loadLater();
    state.error = error;
    state.pass = null;
    state.text = null;
    renderError();
    show("error");
  }

  function renderCountdown() {
    const p = state.pass;
    if (!p) return;
    const period = p.code_period || 10;
    const left = period - (nowSeconds() % period);
    $("bar").style.transform = `scaleX(${left / period})`;
    $("refresh").textContent = t(state.lang, "refreshIn", Math.ceil(left));
  }

  // ---- the rotating code -----------------------------------------------------------------

  function nowSeconds() {
    return Date.now() / 1000;
  }

  function toSeconds(value) {
    const d = toDate(value);
    return d ? d.getTime() / 1000 : null;
  }

  async function tick() {
    const p = state.pass;
    if (!p || !state.secret) return;
    const until = toSeconds(p.valid_until);
    if (until !== null && nowSeconds() >= until) {
      forget();
      fail({ key: "errExpired" });
      return;
    }
    renderCountdown();
    const now = nowSeconds();
    const period = p.code_period || 10;
    const counter = Math.floor(now / period);
    if (counter === state.counter) return;
    state.counter = counter;
    const code = await Totp.totp(state.secret, now, period, p.code_digits || 8);
    if (state.counter !== counter || state.pass !== p) return; // a newer tick won the race
    const text = (p.prefix || "OG1R") + code + p.cose_b45;
    self.OfficeGateQr.draw($("qr"), text);
    if (!state.text && !performance.getEntriesByName("og:qr-drawn").length) {
      performance.mark("og:qr-drawn"); // benchmarks/pass_page.py: time to the first QR
    }
    state.text = text;
    loadLater();
  }

  function showPass(pass) {
    try {
      state.secret = Totp.fromBase64(pass.code_secret);
    } catch (_) {
      fail({ key: "errBroken" });
      return;
    }
    state.pass = pass;
    state.error = null;
    state.counter = null;
    renderDetails();
    show("pass");
    tick();
  }

  // ---- network ---------------------------------------------------------------------------

  function remember(pass) {
    try {
      localStorage.setItem(PASS_KEY, JSON.stringify(pass));
    } catch (_) { /* storage full or disabled: the pass still works while the page is open */ }
  }

  function forget() {
    localStorage.removeItem(PASS_KEY);
  }

  function setNetworkDown(down) {
    state.networkDown = down;
    $("offline").hidden = !(down || !navigator.onLine);
  }

  // The server's error codes we say in every visitor language from the catalogs.
  const KNOWN = { bound_to_other_device: "errBound", pass_revoked: "errRevoked",
                  pass_expired: "errExpired" };

  function serverMessage(detail, key) {
    if (detail && typeof detail === "object" && KNOWN[detail.code]) return { key: KNOWN[detail.code] };
    if (detail && typeof detail === "object" && (detail.message_en || detail.message_ja)) {
      return { en: detail.message_en, ja: detail.message_ja, fallback: key };
    }
    return { key };
  }

  async function openPass() {
    const cached = readCache();
    if (cached) showPass(cached);
    let res;
    try {
      res = await self.OfficeGatePassDevice.openOnce(token); // started in <head>
    } catch (_) {
      setNetworkDown(true);
      if (!cached) fail({ key: "errNetwork", retry: true });
      return;
    }
    setNetworkDown(false);
    let data = null;
    try {
      data = await res.json();
    } catch (_) { /* a proxy's HTML error page: handled below by status */ }
    if (res.ok && data && data.cose_b45 && data.code_secret) {
      remember(data);
      if (!cached || JSON.stringify(cached) !== JSON.stringify(data)) showPass(data);
      return;
    }
    const detail = data && data.detail;
    if (res.status === 409) {
      fail(serverMessage(detail, "errBound"));
    } else if (res.status === 410 && detail && detail.code === "pass_revoked") {
      forget();
      fail(await revoked(serverMessage(detail, "errRevoked")));
    } else if (res.status === 404 || res.status === 410) {
      forget();
      fail(serverMessage(detail, res.status === 410 ? "errExpired" : "errNotFound"));
    } else if (!cached) {
      const retry = res.status >= 500;
      fail({ ...serverMessage(detail, retry ? "errNetwork" : "errBroken"), retry });
    }
  }

  /** Checking out ends the pass too: thank the visitor rather than say it was cancelled. */
  async function revoked(otherwise) {
    try {
      const res = await fetch(`/api/p/${encodeURIComponent(token)}/arrival`, { cache: "no-store" });
      const info = res.ok ? await res.json() : null;
      if (info && info.checkin === "checked_out") return { key: "checkedOut", done: true };
    } catch (_) { /* offline: say what the server said */ }
    return otherwise;
  }

  function readCache() {
    try {
      const pass = JSON.parse(localStorage.getItem(PASS_KEY) || "null");
      return pass && pass.cose_b45 && pass.code_secret ? pass : null;
    } catch (_) {
      return null;
    }
  }

  async function pollStatus() {
    if (!state.pass || !navigator.onLine) return;
    try {
      const res = await fetch(`/api/p/${encodeURIComponent(token)}/status`, { cache: "no-store" });
      if (!res.ok) return;
      const status = await res.json();
      setNetworkDown(false);
      if (status.revoked || status.expired) {
        forget();
        fail(status.revoked ? await revoked({ key: "errRevoked" }) : { key: "errExpired" });
        return;
      }
      state.checkedIn = !!status.checked_in;
      renderDetails();
    } catch (_) {
      setNetworkDown(true); // ignored otherwise: the pass keeps working offline
    }
  }

  // ---- wiring ----------------------------------------------------------------------------

  async function keepScreenOn() {
    if (document.visibilityState !== "visible" || !("wakeLock" in navigator)) return;
    try {
      await navigator.wakeLock.request("screen");
    } catch (_) { /* refused (battery saver): the brightness hint stays visible */ }
  }

  /** Tell the server the language chosen here (notices to this visitor then use it); a
   * choice made offline, or on an earlier pass on this phone, is sent when the page can. */
  function tellLanguage() {
    const chosen = localStorage.getItem("og.lang");
    const sentKey = "og.lang.sent." + token;
    // Notices are written in Japanese or English (a Chinese page keeps the invitation's).
    if (!token || (chosen !== "ja" && chosen !== "en") || localStorage.getItem(sentKey) === chosen) return;
    fetch("/api/chat/" + encodeURIComponent(token) + "/language", {
      method: "PUT", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lang: chosen }),
    }).then((r) => {
      if (r.ok || r.status === 404 || r.status === 410) localStorage.setItem(sentKey, chosen);
    }).catch(() => { /* offline: sent again when back online */ });
  }

  function chooseLanguage(lang) {
    state.lang = lang;
    localStorage.setItem("og.lang", state.lang);
    applyLanguage();
    tellLanguage();
    document.dispatchEvent(new CustomEvent("og:lang", { detail: lang })); // drink.js, chat.js
  }
  $("lang-toggle").addEventListener("click", () => chooseLanguage(OfficeGateI18n.NEXT[state.lang] || "ja"));
  for (const choice of document.querySelectorAll("[data-lang-choice]")) {
    choice.addEventListener("click", () => chooseLanguage(choice.dataset.langChoice));
  }
  document.addEventListener("og:drink-waiting", (e) => {
    state.machine = e.detail || null;
    renderDetails();
  });
  $("retry").addEventListener("click", () => {
    show("loading");
    openPass();
  });
  addEventListener("online", () => { setNetworkDown(false); pollStatus(); tellLanguage(); });
  addEventListener("offline", () => setNetworkDown(true));
  addEventListener("resize", () => { state.counter = null; tick(); });
  document.addEventListener("visibilitychange", () => {
    state.counter = null; // timers sleep in the background: redraw at once on return
    tick();
    keepScreenOn();
  });

  applyLanguage();
  setNetworkDown(false);
  setInterval(tick, 250);
  setInterval(pollStatus, POLL_MS);
  openPass().then(pollStatus);
  tellLanguage();
  keepScreenOn();
  setTimeout(loadLater, 5000); // a QR that takes longer must not keep the chat away

  /** For tests and the simulated phone: the QR text drawn right now (null when none). */
  self.officegate = {
    currentText: () => state.text,
    language: () => state.lang,
    reopen: () => openPass(), // arrival.js: a new pass was issued at check-in
  };
})();
