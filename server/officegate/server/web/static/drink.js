/* OfficeGate pass page: the free drink. "お飲み物はいかがですか？ / Would you like a drink?"
 *
 * Polls GET /api/p/{token}/drink; shows the offer with each machine's menu, the order and
 * what happened to it (served, or why not). Orders with POST .../drink/order. Lives in the
 * #drink placeholder of pass.html; the pass page itself knows nothing about drinks.
 */
(function () {
  "use strict";

  const body = document.body;
  const token = body.dataset.token || "";
  const box = document.getElementById("drink");
  if (!box || !token) return;
  const base = `/api/p/${encodeURIComponent(token)}/drink`;
  const POLL_MS = 10000;
  const WAITING_POLL_MS = 3000; // an order waits: the visitor may be at the machine now
  const T = {
    ja: { offer: "お飲み物はいかがですか？", yours: "無料ドリンク",
          free: (n) => `無料（ご訪問につき ${n} 本まで）。お選びいただくと注文します。`, left: (n) => `残り ${n}`,
          cancel: "注文を取り消す", waiting: "受け取り待ち", served: "お受け取り済み", notServed: "お出しできませんでした",
          again: "別のお飲み物をお選びいただけます", failed: "ご注文できませんでした", retry: "通信できませんでした。もう一度お試しください。" },
    en: { offer: "Would you like a drink?", yours: "Your free drink",
          free: (n) => (n === 1 ? "Free, one per visit. Tap one to order it." : `Free, up to ${n} per visit. Tap one to order it.`), left: (n) => `${n} left`,
          cancel: "Cancel the order", waiting: "Waiting for you", served: "Served", notServed: "Not served",
          again: "You can choose another drink", failed: "Could not order", retry: "No connection. Please try again." },
  };
  let status = null;
  let notice = null; // { en, ja } from a refused order
  let notified = false;

  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "/static/drink.css";
  document.head.appendChild(css);

  function lang() {
    const chosen = localStorage.getItem("og.lang");
    if (chosen === "ja" || chosen === "en") return chosen;
    return body.dataset.lang === "en" ? "en" : "ja";
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Primary line in the chosen language, the other language underneath (smaller). */
  function pair(en, ja, cls) {
    const wrap = el("div", cls || "pair");
    const l = lang();
    wrap.appendChild(el("p", "primary", l === "ja" ? ja : en));
    const other = el("p", "other", l === "ja" ? en : ja);
    other.lang = l === "ja" ? "en" : "ja";
    wrap.appendChild(other);
    return wrap;
  }

  /** Tell the pass page (pass.js) where to hold the QR: at this machine while an order waits. */
  function tellWaiting() {
    const order = status && status.order;
    const waiting = order && order.status === "ordered" ? { label_en: order.label_en, label_ja: order.label_ja } : null;
    document.dispatchEvent(new CustomEvent("og:drink-waiting", { detail: waiting }));
  }

  function render() {
    tellWaiting();
    box.replaceChildren();
    if (!status || !status.offered) { box.hidden = true; return; }
    const t = T[lang()];
    box.hidden = false;
    const order = status.order;
    // The question while there is a choice to make; once ordered or served, "your drink".
    const asking = !order || status.machines.length > 0;
    box.appendChild(asking ? pair(T.en.offer, T.ja.offer, "pair title") : pair(T.en.yours, T.ja.yours, "pair title"));
    if (order) {
      const cls = order.status === "served" ? "order ok" : order.status === "ordered" ? "order" : "order bad";
      const card = el("div", cls);
      const state = order.status === "ordered" ? t.waiting : order.status === "served" ? t.served : t.notServed;
      card.appendChild(el("p", "state", state));
      card.appendChild(el("p", "drink-name", lang() === "ja" ? order.name_ja : order.name_en));
      card.appendChild(pair(order.message_en, order.message_ja));
      if (order.status === "ordered") {
        const cancel = el("button", "secondary", t.cancel);
        cancel.type = "button";
        cancel.addEventListener("click", () => send(`${base}/cancel`, null));
        card.appendChild(cancel);
      }
      box.appendChild(card);
    }
    if (notice) box.appendChild(pair(notice.en, notice.ja, "pair bad"));
    if (!status.machines.length) {
      if (!order) box.appendChild(pair(status.message_en, status.message_ja));
      return;
    }
    if (order && order.status !== "ordered" && order.status !== "served") box.appendChild(el("p", "note", t.again));
    box.appendChild(el("p", "note", t.free(status.drinks_per_visit)));
    for (const m of status.machines) {
      box.appendChild(el("h3", "machine", lang() === "ja" ? m.label_ja : m.label_en));
      const list = el("div", "menu");
      for (const item of m.menu) {
        const b = el("button", "choice");
        b.type = "button";
        b.appendChild(el("span", "name", lang() === "ja" ? item.name_ja : item.name_en));
        b.appendChild(el("span", "left", t.left(item.left)));
        b.addEventListener("click", () => send(`${base}/order`, { machine: m.machine, slot: item.slot }));
        list.appendChild(b);
      }
      box.appendChild(list);
    }
  }

  function maybeNotify() {
    // A notice while the page is open, if the visitor already allowed notifications.
    // (Push to a closed page needs the server's Web Push, which this page does not own.)
    if (notified || !status || !status.offered || status.order) return;
    notified = true;
    if ("Notification" in self && Notification.permission === "granted" && document.hidden) {
      try { new Notification(lang() === "ja" ? T.ja.offer : T.en.offer, { tag: "og-drink" }); } catch (_) { /* some browsers allow it only from a worker */ }
    }
  }

  async function poll() {
    try {
      const res = await fetch(base, { cache: "no-store" });
      if (!res.ok) return; // the pass page itself shows revoked/expired passes
      status = await res.json();
      render();
      maybeNotify();
    } catch (_) { /* offline: keep what we showed */ }
  }

  async function send(url, payload) {
    notice = null;
    for (const b of box.querySelectorAll("button")) b.disabled = true;
    try {
      const res = await fetch(url, {
        method: "POST", cache: "no-store",
        headers: payload ? { "Content-Type": "application/json" } : {},
        body: payload ? JSON.stringify(payload) : undefined,
      });
      const data = await res.json().catch(() => null);
      if (res.ok && data) {
        status = data;
      } else {
        const d = data && data.detail;
        notice = d && d.message_en ? { en: d.message_en, ja: d.message_ja }
          : { en: T.en.failed, ja: T.ja.failed };
        await poll();
      }
    } catch (_) {
      notice = { en: T.en.retry, ja: T.ja.retry };
    }
    render();
  }

  // The pass page's language button re-renders its own texts; follow it.
  const toggle = document.getElementById("lang-toggle");
  if (toggle) toggle.addEventListener("click", () => setTimeout(render, 0));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  async function loop() {
    await poll();
    const waiting = status && status.order && status.order.status === "ordered";
    setTimeout(loop, waiting ? WAITING_POLL_MS : POLL_MS);
  }
  loop();
})();
