/* Pass page: arrival (location sharing with consent, visit day only, until arrival),
 * OwnTracks set-up, check-in state (held / checked in -> pick up the new pass) and check-out.
 * Locations go to the server one fix at a time and are not stored there: only the
 * approach/arrival decisions are.
 */
(function () {
  "use strict";

  const box = document.getElementById("arrival");
  const token = document.body.dataset.token || "";
  if (!box || !token) return;
  const POLL_MS = 20000;
  const SEND_EVERY_MS = 15000;

  // Every string through the pass page's catalogs (i18n.js; docs/i18n.md).
  const S = (gettext) => ({
    ask: gettext("Share your location today, until you arrive, so your host knows you are coming?"),
    privacy: gettext("Your location itself is not stored: only the time, distance and accuracy when you approach and arrive. Sharing stops by itself when you arrive."),
    share: gettext("Share location"),
    later: gettext("Not now"),
    owntracks: gettext("Share with the OwnTracks app"),
    openApp: gettext("Load the settings into OwnTracks"),
    sharing: gettext("Sharing location (until you arrive)"),
    approaching: (m) => OfficeGateI18n.fill(gettext("Almost there (about %(m)s min)"), { m }),
    arrived: gettext("You have arrived. Scan the QR poster in the lobby to check in."),
    denied: gettext("Location was not allowed. When you arrive, scan the poster in the lobby."),
    held: gettext("One moment please: we are checking and your host has been told."),
    checkedIn: gettext("When you leave, please check out here."),
    checkout: gettext("Check out"),
    checkedOut: gettext("You have checked out. Thank you for visiting."),
    refused: gettext("You cannot enter today. Please contact your host."),
  });
  const lang = () => (self.officegate && self.officegate.language && self.officegate.language()) ||
    OfficeGateI18n.pageLang();
  const t = (key, ...args) => {
    const v = S(OfficeGateI18n.translator(lang()))[key];
    return typeof v === "function" ? v(...args) : v;
  };

  const style = document.createElement("style");
  style.textContent = `.arrival{margin:1rem 0;padding:1rem;border-radius:12px;background:rgba(15,76,129,.08)}
  .arrival p{margin:.3rem 0}.arrival .small{font-size:.85em;opacity:.8}
  .arrival button,.arrival a.btn{display:inline-block;margin:.4rem .4rem 0 0;padding:.6rem 1rem;border-radius:8px;border:0;font:inherit;background:#0f4c81;color:#fff;text-decoration:none}
  .arrival button.secondary{background:transparent;color:inherit;border:1px solid currentColor}`;
  document.head.appendChild(style);

  const state = { info: null, watch: null, lastSent: 0, denied: false, setup: null, done: null };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.assign(node, attrs || {});
    if (text) node.textContent = text;
    return node;
  }

  function render() {
    const info = state.info;
    box.replaceChildren();
    if (!info) { box.hidden = true; return; }
    box.hidden = false;
    if (state.done) { box.append(el("p", {}, t(state.done))); return; }
    if (info.checkin === "held") { box.append(el("p", {}, t("held"))); return; }
    if (info.checkin === "refused") { box.append(el("p", {}, t("refused"))); return; }
    if (info.checkin === "checked_in") {
      box.append(el("p", {}, t("checkedIn")));
      const out = el("button", { type: "button", className: "secondary" }, t("checkout"));
      out.addEventListener("click", checkOut);
      box.append(out);
      return;
    }
    if (info.arrived) { box.append(el("p", {}, t("arrived"))); return; }
    if (!info.share_location) { box.hidden = true; return; }
    if (state.denied) { box.append(el("p", {}, t("denied"))); return; }
    if (info.consent) {
      box.append(el("p", {}, info.approached && info.eta_s != null
        ? t("approaching", Math.max(1, Math.round(info.eta_s / 60))) : t("sharing")));
      if (state.setup) box.append(el("a", { className: "btn", href: state.setup }, t("openApp")));
      return;
    }
    if (sessionStorage.getItem("og.arrival.later") === token) { box.hidden = true; return; }
    box.append(el("p", {}, t("ask")), el("p", { className: "small" }, t("privacy")));
    const yes = el("button", { type: "button" }, t("share"));
    yes.addEventListener("click", () => agree(false));
    const app = el("button", { type: "button", className: "secondary" }, t("owntracks"));
    app.addEventListener("click", () => agree(true));
    const no = el("button", { type: "button", className: "secondary" }, t("later"));
    no.addEventListener("click", () => { sessionStorage.setItem("og.arrival.later", token); render(); });
    box.append(yes, app, no);
  }

  async function api(path, body) {
    const res = await fetch(`/api/p/${encodeURIComponent(token)}${path}`, body === undefined
      ? { cache: "no-store" }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    return { ok: res.ok, status: res.status, data: await res.json().catch(() => null) };
  }

  async function refresh() {
    if (!navigator.onLine) return;
    let r;
    try { r = await api("/arrival"); } catch (_) { return; }
    if (!r.ok || !r.data) return;
    const before = state.info;
    state.info = r.data;
    const cached = JSON.parse(localStorage.getItem("og.pass." + token) || "null");
    if (r.data.checkin === "checked_in" && cached && cached.pass_id !== r.data.pass_id &&
        self.officegate && self.officegate.reopen) {
      self.officegate.reopen(); // the pass with the gate zone, issued at check-in
    }
    if (r.data.consent && r.data.share_location) startWatching(); else stopWatching();
    if (!before || JSON.stringify(before) !== JSON.stringify(r.data)) render();
  }

  async function agree(withApp) {
    const r = await api("/arrival/consent", {});
    if (!r.ok) { refresh(); return; }
    state.info = r.data;
    if (withApp) {
      const setup = await api("/owntracks", {});
      if (setup.ok) { state.setup = setup.data.config_link; location.href = state.setup; }
    } else {
      startWatching();
    }
    render();
  }

  function startWatching() {
    if (state.watch !== null || state.setup || !("geolocation" in navigator)) return;
    state.watch = navigator.geolocation.watchPosition(send, (err) => {
      if (err.code === err.PERMISSION_DENIED) { state.denied = true; stopWatching(); render(); }
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  }

  function stopWatching() {
    if (state.watch !== null) navigator.geolocation.clearWatch(state.watch);
    state.watch = null;
  }

  async function send(position) {
    const now = Date.now();
    if (now - state.lastSent < SEND_EVERY_MS) return;
    state.lastSent = now;
    const c = position.coords;
    const r = await api("/location", { lat: c.latitude, lon: c.longitude, acc: c.accuracy,
                                       at: position.timestamp / 1000 }).catch(() => null);
    if (r && r.ok && state.info) {
      Object.assign(state.info, r.data);
      if (r.data.arrived) stopWatching();
      render();
    } else if (r && r.status === 409) {
      stopWatching();
      refresh();
    }
  }

  async function checkOut() {
    const cached = JSON.parse(localStorage.getItem("og.pass." + token) || "null");
    if (!cached) return;
    const code = await self.OfficeGateTotp.totp(self.OfficeGateTotp.fromBase64(cached.code_secret),
      Date.now() / 1000, cached.code_period || 10, cached.code_digits || 8);
    const r = await api("/checkout", { code });
    if (r.ok) { state.done = "checkedOut"; render(); }
  }

  document.getElementById("lang-toggle").addEventListener("click", () => setTimeout(render, 0));
  addEventListener("online", refresh);
  refresh();
  setInterval(refresh, POLL_MS);
})();
