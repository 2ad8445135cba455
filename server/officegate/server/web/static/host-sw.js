/* Host page service worker (scope /host): shows Web Push notices, opens the host page. */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let n = {};
  try { n = event.data ? event.data.json() : {}; } catch (_) { n = {}; }
  const ja = (self.navigator.language || "ja").startsWith("ja");
  const title = (ja ? n.title_ja : n.title_en) || "OfficeGate";
  const body = ja ? `${n.body_ja || ""}\n${n.body_en || ""}` : `${n.body_en || ""}\n${n.body_ja || ""}`;
  event.waitUntil(self.registration.showNotification(title, {
    body, tag: `og-${n.id || ""}`, data: { url: "/host" }, icon: "/static/icon.svg",
    requireInteraction: n.kind === "held_for_approval",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((wins) => {
    const open = wins.find((w) => new URL(w.url).pathname.startsWith("/host"));
    return open ? open.focus() : self.clients.openWindow("/host");
  }));
});
