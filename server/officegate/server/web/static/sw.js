/* OfficeGate pass page service worker: the pass keeps working with no signal.
 *
 * Static files and the pass page itself come from the cache at once and are refreshed behind
 * it (stale-while-revalidate), so a pass opened before shows its QR at once, even on a slow
 * basement signal, and a new release reaches phones on their next visit. The API is never
 * cached here: the page keeps its own copy of the open answer and asks the server at once, so
 * a revoked or changed pass still shows as soon as the phone is online.
 */
"use strict";

const CACHE = "officegate-pass-v2";
const SHELL = [
  "/static/pass.css",
  "/static/passdevice.js",
  "/static/pass-bundle.js",
  "/static/manifest.webmanifest",
  "/static/icon.svg",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("officegate-pass-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
    // The page that registered us loaded before we existed: keep a copy of it for offline use.
    const cache = await caches.open(CACHE);
    for (const client of await self.clients.matchAll({ type: "window" })) {
      const url = new URL(client.url);
      if (url.origin === self.location.origin && url.pathname.startsWith("/p/")) {
        try {
          const res = await fetch(client.url, { cache: "no-store" });
          if (res.ok) await cache.put(client.url, res);
        } catch (_) { /* offline right after install: cached on the next visit */ }
      }
    }
  })());
});

/** Cached copy at once (works offline); a fresh copy is fetched behind it for next time. */
async function staleWhileRevalidate(event) {
  const cache = await caches.open(CACHE);
  const refresh = fetch(event.request).then((res) => {
    if (res.ok) return cache.put(event.request, res.clone()).then(() => res);
    return res;
  });
  // Static files ignore the query (?v=...); a pass page is its own address.
  const hit = await cache.match(event.request, { ignoreSearch: !isPassPage(event.request) });
  if (hit) {
    event.waitUntil(refresh.catch(() => {}));
    return hit;
  }
  return refresh;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  } catch (err) {
    const hit = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
    if (hit) return hit;
    throw err;
  }
}

function isPassPage(request) {
  return new URL(request.url).pathname.startsWith("/p/");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(event));
  } else if (/^\/p\/[^/]+$/.test(url.pathname)) {
    event.respondWith(staleWhileRevalidate(event)); // the pass page: its QR at once
  } else if (url.pathname.startsWith("/p/")) {
    event.respondWith(networkFirst(request)); // what is kept, privacy: fresh when online
  }
});

/* Web Push from the server (a drink offer, a reply from the host). A reply is not shown
 * while the pass page is on screen: its chat shows the reply already. */
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (_) { data = {}; }
  const title = data.title || "OfficeGate";
  event.waitUntil((async () => {
    if (data.kind === "chat_reply") {
      const wins = await self.clients.matchAll({ type: "window" });
      if (wins.some((w) => w.visibilityState === "visible" && new URL(w.url).pathname.startsWith("/p/"))) return;
    }
    await self.registration.showNotification(title, {
      body: data.body || "",
      icon: "/static/icon.svg",
      tag: data.kind === "chat_reply" ? `chat-${Date.now()}` : (data.kind || "officegate"),
      lang: data.lang || "",
      data: { url: typeof data.url === "string" && data.url.startsWith("/p/") ? data.url : "/" },
    });
  })());
});

/* Tapping it focuses the open pass page, or opens it. */
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // The push names no pass link (the server keeps only its hash): open this phone's own
  // pass page, an open tab first, else the one this worker cached when the pass was opened.
  event.waitUntil((async () => {
    const isPass = (url) => new URL(url).pathname.startsWith("/p/");
    for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
      if (isPass(client.url) && "focus" in client) return client.focus();
    }
    const cached = (await (await caches.open(CACHE)).keys()).find((req) => isPass(req.url));
    return self.clients.openWindow(cached ? cached.url : "/");
  })());
});
