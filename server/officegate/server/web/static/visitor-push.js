/* OfficeGate pass page: opt-in notifications ("通知を受け取る" / "Get notified").
 *
 * Nothing is asked on load: only when the visitor taps the button do we ask for permission,
 * subscribe through the pass page's service worker (sw.js shows the push) and send the
 * subscription to POST /api/p/{token}/push-subscription with this phone's id (the server
 * only accepts the phone the pass is bound to). "Turn off" withdraws it (DELETE).
 */
(function () {
  "use strict";

  const token = document.body.dataset.token || "";
  const box = document.getElementById("visitor-push");
  if (!box || !token || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) return;
  const api = `/api/p/${encodeURIComponent(token)}/push-subscription`;
  // Every string through the pass page's catalogs (i18n.js; docs/i18n.md).
  const TEXT = (gettext) => ({
    ask: gettext("Get notified"),
    on: gettext("Notifications are on"),
    off: gettext("Turn off"),
    denied: gettext("Notifications are blocked (allow them in the browser settings)"),
    failed: gettext("Could not turn on notifications. Please try again."),
  });

  // A few rules of our own (pass.css belongs to the pass page), in the page's colours.
  const style = document.createElement("style");
  style.textContent = ".visitor-push{margin:.75rem 0;text-align:center}" +
    ".visitor-push button{font:inherit;border-radius:10px;padding:.6rem 1rem;cursor:pointer;" +
    "border:1px solid var(--accent);background:var(--surface);color:var(--accent);min-height:2.75rem}" +
    ".visitor-push button.link{border-color:var(--line);color:var(--text);margin-top:.4rem}" +
    ".visitor-push p{margin:.4rem 0 0;color:var(--muted);font-size:.9em}";
  document.head.appendChild(style);

  // In the page's language (pass.js sets <html lang> and its toggle switches it).
  function pair(key, tag) {
    const node = document.createElement(tag || "span");
    node.textContent = TEXT(OfficeGateI18n.translator(OfficeGateI18n.pageLang()))[key];
    return node;
  }
  let shown = null;

  function b64urlToBytes(text) {
    const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function send(method, body) {
    const res = await fetch(api, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  }

  function show(state) {
    shown = state;
    box.replaceChildren();
    box.hidden = false;
    if (state === "on") {
      box.appendChild(pair("on", "p"));
      const off = pair("off", "button");
      off.type = "button";
      off.className = "link";
      off.addEventListener("click", turnOff);
      box.appendChild(off);
      return;
    }
    if (state === "denied") { box.appendChild(pair("denied", "p")); return; }
    const ask = pair("ask", "button");
    ask.type = "button";
    ask.addEventListener("click", turnOn);
    box.appendChild(ask);
    if (state === "failed") box.appendChild(pair("failed", "p"));
  }

  async function turnOn() {
    try {
      if ((await Notification.requestPermission()) !== "granted") { show("denied"); return; }
      const reg = await navigator.serviceWorker.ready;
      const key = (await (await fetch("/api/notify/vapid")).json()).public_key;
      const sub = (await reg.pushManager.getSubscription()) ||
        (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(key) }));
      await send("POST", { device_id: localStorage.getItem("og.device") || "", subscription: sub.toJSON() });
      show("on");
    } catch (_) {
      show("failed");
    }
  }

  async function turnOff() {
    try {
      const reg = await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.getSubscription();
      if (sub) {
        await send("DELETE", { device_id: localStorage.getItem("og.device") || "", endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      show("ask");
    } catch (_) {
      show("failed");
    }
  }

  async function start() {
    if (Notification.permission === "denied") { show("denied"); return; }
    let subscribed = false;
    try {
      const reg = await navigator.serviceWorker.getRegistration("/");
      subscribed = Notification.permission === "granted" && !!(reg && (await reg.pushManager.getSubscription()));
    } catch (_) { /* no worker yet: offer the button */ }
    show(subscribed ? "on" : "ask");
  }

  new MutationObserver(() => { if (shown) show(shown); })
    .observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  start();
})();
