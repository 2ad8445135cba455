/* Lobby check-in: the poster's QR opened this page; the visitor's pass is already on this
 * phone (localStorage "og.pass.<token>", written by pass.js). We prove we hold it with its
 * current rotating code, check in, then store the new pass (with the gate zone) for pass.js.
 */
(function () {
  "use strict";
  const body = document.body;
  const $ = (id) => document.getElementById(id);
  const Totp = self.OfficeGateTotp;
  const lang = localStorage.getItem("og.lang") || body.dataset.lang || "ja";
  const M = {
    noPass: ["この端末にパスがありません。招待メールのリンクを開いてから、もう一度ポスターを読み取ってください。",
             "There is no pass on this phone. Open the link from your invitation, then scan the poster again."],
    working: ["チェックインしています…", "Checking you in…"],
    held: ["ただいま確認中です。担当者にお知らせしました。このままお待ちください。",
           "One moment please: we are checking, and your host has been told. Please wait here."],
    network: ["接続できませんでした。もう一度お試しください。", "Could not connect. Please try again."],
    refused: ["本日は入館できません。担当者にお問い合わせください。", "You cannot enter today. Please contact your host."],
  };

  function say(pair, ng) {
    const [ja, en] = lang === "en" ? [pair[1], pair[0]] : pair;
    $("primary").textContent = ja;
    $("secondary").textContent = en;
    $("primary").classList.toggle("ng", !!ng);
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
      say(d && d.message_ja ? [d.message_ja, d.message_en] : M.network, true);
      return;
    }
    if (data.status === "needs_ack") {
      $("ack-text").textContent = lang === "en" ? `${data.ack_text_en}\n\n${data.ack_text_ja}`
        : `${data.ack_text_ja}\n\n${data.ack_text_en}`;
      $("ack").hidden = false;
      $("agree").onclick = () => { $("ack").hidden = true; attempt(found, data.ack_version); };
      say(["内容をご確認ください。", "Please read and accept."]);
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
