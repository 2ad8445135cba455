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
    body, tag: `og-${n.type || ""}${n.id || ""}`, icon: "/static/icon.svg",
    data: { url: typeof n.url === "string" && n.url.startsWith("/") ? n.url : "/host" },
    requireInteraction: n.kind === "held_for_approval" || n.type === "alarm",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/host";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((wins) => {
    const open = wins.find((w) => new URL(w.url).pathname === url);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
