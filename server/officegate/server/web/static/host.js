/* Host page: live notices (SSE), acknowledge, approve held visitors, Web Push subscription,
 * apprise targets and the fallback contact. Everything goes through the JSON API with the
 * session cookie. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const list = $("notices");
  const seen = new Map();
  const met = new Set(); // visits met here, or checked out: their notices lose the button
  // The visitor is here and nobody has met them yet: these notices offer "met".
  const PRESENT = ["arrived", "checked_in", "waiting"];

  async function call(method, url, body) {
    const res = await fetch(url, { method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const d = data && data.detail;
      const ja = document.documentElement.lang === "ja";
      throw new Error(d && d.message_en ? (ja ? d.message_ja : d.message_en) : `HTTP ${res.status}`);
    }
    return data;
  }

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text) n.textContent = text;
    return n;
  }

  function show(n) {
    if (n.kind === "checked_out" && n.visit_id) noLongerWaiting(n.visit_id);
    let li = seen.get(n.id);
    if (!li) {
      li = el("li", "notice");
      seen.set(n.id, li);
      list.prepend(li);
    }
    li.className = `notice ${n.kind}${n.acknowledged ? " acked" : ""}`;
    li.dataset.visit = n.visit_id || "";
    const ja = document.documentElement.lang === "ja";
    li.replaceChildren(
      el("div", "t", ja ? n.title_ja : n.title_en),
      el("div", "b", ja ? n.body_ja : n.body_en),
      el("div", "muted", new Date(n.at).toLocaleString(OfficeGateL10n.locale(), {
        timeZone: document.documentElement.dataset.timeZone || undefined,  // the office's clock
        dateStyle: "short", timeStyle: "short" })));
    const actions = el("div", "actions");
    if (n.kind === "held_for_approval" && n.visit_id) {
      const allow = el("button", "", gettext("Let in"));
      const refuse = el("button", "secondary", gettext("Refuse"));
      allow.onclick = () => decide(n, true, li);
      refuse.onclick = () => decide(n, false, li);
      actions.append(allow, refuse);
    }
    if (String(n.kind).startsWith("chat_") && n.visit_id) {  // answer on the visit page
      const open = el("a", "button", gettext("Reply"));
      open.href = `/host/visits/${encodeURIComponent(n.visit_id)}`;
      actions.append(open);
    }
    if (PRESENT.includes(n.kind) && n.visit_id && !n.acknowledged && !met.has(n.visit_id)) {
      const meet = el("button", "met", gettext("I've met them"));
      meet.title = gettext("Stops the lobby waiting reminders");
      meet.onclick = () => markMet(n, li);
      actions.append(meet);
    }
    if (!n.acknowledged) {
      const ack = el("button", "secondary", gettext("Got it"));
      ack.onclick = async () => show(await call("POST", `/api/notify/notices/${n.id}/ack`));
      actions.append(ack);
    }
    li.append(actions);
    $("empty").hidden = seen.size > 0;
  }

  async function decide(n, allow, li) {
    try {
      await call("POST", `/api/visits/${n.visit_id}/approval`, { allow });
      show(await call("POST", `/api/notify/notices/${n.id}/ack`));
    } catch (e) {
      li.append(el("p", "error", e.message));
    }
  }

  function noLongerWaiting(visitId) {
    met.add(visitId);
    for (const li of seen.values()) {
      if (li.dataset.visit === String(visitId)) li.querySelectorAll("button.met").forEach((b) => b.remove());
    }
  }

  async function markMet(n, li) {
    try {
      await call("POST", `/api/visits/${n.visit_id}/met`);
      noLongerWaiting(n.visit_id);
      show(await call("POST", `/api/notify/notices/${n.id}/ack`));
      seen.get(n.id).append(el("p", "ok", gettext("Met: no more reminders")));
    } catch (e) {
      li.append(el("p", "error", e.message));
    }
  }

  async function load() {
    const notices = await call("GET", "/api/notify/notices");
    notices.forEach((n) => { if (n.kind === "checked_out" && n.visit_id) met.add(n.visit_id); });
    notices.reverse().forEach(show);
    $("empty").hidden = seen.size > 0;
    renderTargets(await call("GET", "/api/notify/targets"));
  }

  function renderTargets(targets) {
    $("targets").replaceChildren(...targets.map((tg) => {
      const li = el("li", "", `${tg.label} `);
      const rm = el("button", "link", gettext("Remove"));
      rm.onclick = async () => { await call("DELETE", `/api/notify/targets/${tg.id}`); load(); };
      li.append(rm);
      return li;
    }));
  }

  function live() {
    const source = new EventSource("/api/notify/feed");
    source.onopen = () => { $("live").classList.add("on"); $("live-text").textContent = gettext("Live"); };
    source.onerror = () => { $("live").classList.remove("on"); $("live-text").textContent = gettext("Reconnecting…"); };
    source.addEventListener("notice", (e) => show(JSON.parse(e.data)));
  }

  function b64urlToBytes(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  async function enablePush() {
    const status = $("push-status");
    if (!("serviceWorker" in navigator) || !("PushManager" in self)) {
      status.textContent = gettext("This browser has no push support."); return;
    }
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = gettext("Notifications were not allowed."); return;
      }
      const reg = await navigator.serviceWorker.register("/host/sw.js", { scope: "/host" });
      await navigator.serviceWorker.ready;
      const { public_key } = await call("GET", "/api/notify/vapid");
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true,
        applicationServerKey: b64urlToBytes(public_key) });
      await call("POST", "/api/notify/targets", { kind: "webpush", subscription: sub.toJSON() });
      status.textContent = gettext("Push is on for this device.");
      load();
    } catch (e) {
      status.textContent = e.message;
    }
  }

  $("push").onclick = enablePush;
  $("add-target").onsubmit = async (e) => {
    e.preventDefault();
    try {
      await call("POST", "/api/notify/targets", { kind: "apprise", url: e.target.url.value });
      e.target.reset(); $("form-status").textContent = gettext("Added."); load();
    } catch (err) { $("form-status").textContent = err.message; }
  };
  $("prefs").onsubmit = async (e) => {
    e.preventDefault();
    try {
      await call("PUT", "/api/notify/prefs", { fallback_url: e.target.fallback_url.value || null,
        ack_minutes: Number(e.target.ack_minutes.value) });
      $("form-status").textContent = gettext("Saved.");
    } catch (err) { $("form-status").textContent = err.message; }
  };
  load().catch((e) => { $("form-status").textContent = e.message; });
  live();
})();
