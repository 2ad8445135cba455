/* OfficeGate pass page: the free drink ("Would you like a drink?"), in the page's language.
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
  // Every string through the pass page's catalogs (i18n.js; docs/i18n.md), in its language.
  const TEXT = (gettext) => ({
    offer: gettext("Would you like a drink?"),
    yours: gettext("Your free drink"),
    freeOne: gettext("Free, one per visit. Tap one to order it."),
    freeMany: gettext("Free, up to %(n)s per visit. Tap one to order it."),
    left: gettext("%(n)s left"),
    cancel: gettext("Cancel the order"),
    waiting: gettext("Waiting for you"),
    served: gettext("Served"),
    notServed: gettext("Not served"),
    again: gettext("You can choose another drink"),
    failed: gettext("Could not order"),
    retry: gettext("No connection. Please try again."),
  });
  const I18n = self.OfficeGateI18n;
  let status = null;
  let notice = null; // { en, ja } from a refused order, or { key } of ours
  let notified = false;

  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "/static/drink.css";
  document.head.appendChild(css);

  /** The pass page's language now (pass.js sets <html lang>; its switch tells us). */
  function lang() {
    return I18n.pageLang();
  }

  function texts() {
    return TEXT(I18n.translator(lang()));
  }

  /** The server's words (drink names, machine labels, messages) come in Japanese and
   * English: the page's language, English on a page in another language. */
  function pick(en, ja) {
    return lang() === "ja" ? ja : en;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** One line in the page's language. */
  function line(text, cls) {
    const wrap = el("div", cls || "pair");
    wrap.appendChild(el("p", "primary", text));
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
    const t = texts();
    box.hidden = false;
    const order = status.order;
    // The question while there is a choice to make; once ordered or served, "your drink".
    const asking = !order || status.machines.length > 0;
    box.appendChild(line(asking ? t.offer : t.yours, "pair title"));
    if (order) {
      const cls = order.status === "served" ? "order ok" : order.status === "ordered" ? "order" : "order bad";
      const card = el("div", cls);
      const state = order.status === "ordered" ? t.waiting : order.status === "served" ? t.served : t.notServed;
      card.appendChild(el("p", "state", state));
      card.appendChild(el("p", "drink-name", pick(order.name_en, order.name_ja)));
      card.appendChild(line(pick(order.message_en, order.message_ja)));
      if (order.status === "ordered") {
        const cancel = el("button", "secondary", t.cancel);
        cancel.type = "button";
        cancel.addEventListener("click", () => send(`${base}/cancel`, null));
        card.appendChild(cancel);
      }
      box.appendChild(card);
    }
    if (notice) box.appendChild(line(notice.key ? t[notice.key] : pick(notice.en, notice.ja), "pair bad"));
    if (!status.machines.length) {
      if (!order) box.appendChild(line(pick(status.message_en, status.message_ja)));
      return;
    }
    if (order && order.status !== "ordered" && order.status !== "served") box.appendChild(el("p", "note", t.again));
    const n = status.drinks_per_visit;
    box.appendChild(el("p", "note", n === 1 ? t.freeOne : I18n.fill(t.freeMany, { n })));
    for (const m of status.machines) {
      box.appendChild(el("h3", "machine", pick(m.label_en, m.label_ja)));
      const list = el("div", "menu");
      for (const item of m.menu) {
        const b = el("button", "choice");
        b.type = "button";
        b.appendChild(el("span", "name", pick(item.name_en, item.name_ja)));
        b.appendChild(el("span", "left", I18n.fill(t.left, { n: item.left })));
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
      try { new Notification(texts().offer, { tag: "og-drink" }); } catch (_) { /* some browsers allow it only from a worker */ }
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
        // The server's reason in Japanese or English; on a page in another language, ours.
        notice = d && d.message_en && (lang() === "ja" || lang() === "en")
          ? { en: d.message_en, ja: d.message_ja } : { key: "failed" };
        await poll();
      }
    } catch (_) {
      notice = { key: "retry" };
    }
    render();
  }

  // The pass page's language switch (pass.js) re-renders its own texts; follow it.
  document.addEventListener("og:lang", render);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  async function loop() {
    await poll();
    const waiting = status && status.order && status.order.status === "ordered";
    setTimeout(loop, waiting ? WAITING_POLL_MS : POLL_MS);
  }
  loop();
})();
