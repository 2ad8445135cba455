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
      throw new Error(d && d.message_ja ? `${d.message_ja} / ${d.message_en}` : `HTTP ${res.status}`);
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
    li.replaceChildren(
      el("div", "t", `${n.title_ja} / ${n.title_en}`),
      el("div", "b", `${n.body_ja}\n${n.body_en}`),
      el("div", "muted", new Date(n.at).toLocaleString("ja-JP", {
        timeZone: document.documentElement.dataset.timeZone || undefined,  // the office's clock
        dateStyle: "short", timeStyle: "short" })));
    const actions = el("div", "actions");
    if (n.kind === "held_for_approval" && n.visit_id) {
      const allow = el("button", "", "入館を許可 / Let in");
      const refuse = el("button", "secondary", "お断りする / Refuse");
      allow.onclick = () => decide(n, true, li);
      refuse.onclick = () => decide(n, false, li);
      actions.append(allow, refuse);
    }
    if (PRESENT.includes(n.kind) && n.visit_id && !n.acknowledged && !met.has(n.visit_id)) {
      const meet = el("button", "met", "お会いしました / I've met them");
      meet.title = "ロビーでの待ち時間の再通知を止めます / Stops the lobby waiting reminders";
      meet.onclick = () => markMet(n, li);
      actions.append(meet);
    }
    if (!n.acknowledged) {
      const ack = el("button", "secondary", "確認しました / Got it");
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
      seen.get(n.id).append(el("p", "ok", "お会いしました。再通知は止まります / Met: no more reminders"));
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
      const rm = el("button", "link", "削除 / Remove");
      rm.onclick = async () => { await call("DELETE", `/api/notify/targets/${tg.id}`); load(); };
      li.append(rm);
      return li;
    }));
  }

  function live() {
    const source = new EventSource("/api/notify/feed");
    source.onopen = () => { $("live").classList.add("on"); $("live-text").textContent = "リアルタイム更新中 / Live"; };
    source.onerror = () => { $("live").classList.remove("on"); $("live-text").textContent = "再接続中… / Reconnecting…"; };
    source.addEventListener("notice", (e) => show(JSON.parse(e.data)));
  }

  function b64urlToBytes(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  async function enablePush() {
    const status = $("push-status");
    if (!("serviceWorker" in navigator) || !("PushManager" in self)) {
      status.textContent = "このブラウザはプッシュ通知に対応していません / This browser has no push support."; return;
    }
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = "通知が許可されませんでした / Notifications were not allowed."; return;
      }
      const reg = await navigator.serviceWorker.register("/host/sw.js", { scope: "/host" });
      await navigator.serviceWorker.ready;
      const { public_key } = await call("GET", "/api/notify/vapid");
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true,
        applicationServerKey: b64urlToBytes(public_key) });
      await call("POST", "/api/notify/targets", { kind: "webpush", subscription: sub.toJSON() });
      status.textContent = "この端末に通知します / Push is on for this device.";
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
      e.target.reset(); $("form-status").textContent = "追加しました / Added."; load();
    } catch (err) { $("form-status").textContent = err.message; }
  };
  $("prefs").onsubmit = async (e) => {
    e.preventDefault();
    try {
      await call("PUT", "/api/notify/prefs", { fallback_url: e.target.fallback_url.value || null,
        ack_minutes: Number(e.target.ack_minutes.value) });
      $("form-status").textContent = "保存しました / Saved.";
    } catch (err) { $("form-status").textContent = err.message; }
  };
  load().catch((e) => { $("form-status").textContent = e.message; });
  live();
})();
