/* Lobby check-in: the poster's QR opened this page; the visitor's pass is already on this
 * phone (localStorage "og.pass.<token>", written by pass.js). We prove we hold it with its
 * current rotating code, check in, then store the new pass (with the gate zone) for pass.js.
 */
(function () {
  "use strict";
  const body = document.body;
  const $ = (id) => document.getElementById(id);
  const Totp = self.OfficeGateTotp;
  // The language chosen on the pass page (this phone), else the one the server chose.
  const I18n = self.OfficeGateI18n;
  const chosen = localStorage.getItem("og.lang");
  const lang = I18n.LANGS.includes(chosen) ? chosen
    : I18n.LANGS.includes(body.dataset.lang) ? body.dataset.lang : "ja";
  // Every string through the catalogs (docs/i18n.md), one language at a time.
  const M = ((gettext) => ({
    title: gettext("Check in"),
    checking: gettext("Checking your pass…"),
    agree: gettext("Agree and check in"),
    done: gettext("You are checked in"),
    toPass: gettext("Show my pass QR"),
    noPass: gettext("There is no pass on this phone. Open the link from your invitation, then scan the poster again."),
    working: gettext("Checking you in…"),
    held: gettext("One moment please: we are checking, and your host has been told. Please wait here."),
    network: gettext("Could not connect. Please try again."),
    refused: gettext("You cannot enter today. Please contact your host."),
    failed: gettext("Could not check you in. Please contact your host."),
    read: gettext("Please read and accept."),
  }))(I18n.translator(lang));
  document.documentElement.lang = lang === "zh_CN" ? "zh-Hans" : lang;
  document.title = M.title;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = M[node.dataset.i18n];

  function say(text, ng) {
    $("primary").textContent = text;
    $("primary").classList.toggle("ng", !!ng);
  }

  /** The server's reason in Japanese or English; on a page in another language, ours. */
  function reason(detail) {
    if (detail && lang === "ja" && detail.message_ja) return detail.message_ja;
    if (detail && lang === "en" && detail.message_en) return detail.message_en;
    return detail ? M.failed : M.network;
  }

  function findPass() {
    const now = Date.now();
    const found = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith("og.pass.")) continue;
      try {
        const pass = JSON.parse(localStorage.getItem(key));
        if (pass && pass.code_secret && Date.parse(pass.valid_until) > now) {
          found.push({ token: key.slice(8), pass });
        }
      } catch (_) { /* not ours */ }
    }
    // The visit nearest to now first (a phone may hold tomorrow's pass too).
    found.sort((a, b) => Math.abs(Date.parse(a.pass.starts_at) - now) - Math.abs(Date.parse(b.pass.starts_at) - now));
    return found[0] || null;
  }

  async function code(pass) {
    return Totp.totp(Totp.fromBase64(pass.code_secret), Date.now() / 1000,
                     pass.code_period || 10, pass.code_digits || 8);
  }

  async function reopen(token) {
    const device = localStorage.getItem("og.device") || "";
    const res = await fetch(`/api/p/${encodeURIComponent(token)}/open`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ device_id: device }), cache: "no-store" });
    if (res.ok) localStorage.setItem("og.pass." + token, JSON.stringify(await res.json()));
  }

  async function attempt(found, ackVersion) {
    say(M.working);
    let res;
    try {
      res = await fetch("/api/checkin", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ site: body.dataset.site, day: body.dataset.day,
          poster_code: body.dataset.code, token: found.token, code: await code(found.pass),
          ack_version: ackVersion || null }) });
    } catch (_) { say(M.network, true); return; }
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const d = data && data.detail;
      say(reason(d), true);
      return;
    }
    if (data.status === "needs_ack") {
      // The site's own text, written in Japanese and English: the page's language only.
      $("ack-text").textContent = (lang === "ja" ? data.ack_text_ja : data.ack_text_en) || data.ack_text_ja;
      $("ack").hidden = false;
      $("agree").onclick = () => { $("ack").hidden = true; attempt(found, data.ack_version); };
      say(M.read);
      return;
    }
    if (data.status === "held") { say(M.held); wait(found); return; }
    await done(found.token, data);
  }

  async function done(token, data) {
    if (data.new_pass) localStorage.setItem("og.pass." + token, JSON.stringify(data.new_pass));
    else await reopen(token); // approved later: fetch the new pass like the pass page does
    $("status").hidden = true;
    $("done").hidden = false;
    $("room").textContent = data.room || "";
    $("directions").textContent = data.directions || "";
    $("to-pass").href = `/p/${encodeURIComponent(token)}`;
  }

  function wait(found) {
    const timer = setInterval(async () => {
      const res = await fetch(`/api/p/${encodeURIComponent(found.token)}/arrival`, { cache: "no-store" }).catch(() => null);
      const info = res && res.ok ? await res.json() : null;
      if (!info) return;
      if (info.checkin === "checked_in") { clearInterval(timer); done(found.token, {}); }
      if (info.checkin === "refused") { clearInterval(timer); say(M.refused, true); }
    }, 4000);
  }

  const found = findPass();
  if (!found) say(M.noPass, true); else attempt(found, null);
  self.officegateCheckin = { findPass };
})();
