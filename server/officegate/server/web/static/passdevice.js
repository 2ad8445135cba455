/* The pass page's first script (in <head>): names this phone and opens the pass at once.
 *
 * Every fetch to /api/p/..., /api/chat/... and /api/checkin carries the X-Pass-Device header
 * (the server refuses a pass link used from another phone). The id is random, made once on
 * this phone and kept in localStorage ("og.device"). The open call starts here, while the
 * rest of the page is still downloading, so the QR is not one more round trip away (pass.js
 * takes the answer).
 */
(function () {
  "use strict";
  const own = window.fetch.bind(window);
  const PASS_API = /^\/api\/(p\/|chat\/|checkin$)/;

  function stored() {
    try { return localStorage.getItem("og.device") || ""; } catch (_) { return ""; }
  }

  /** This phone's id, made on first use. */
  function id() {
    let value = stored();
    if (!/^[0-9a-f]{32}$/.test(value)) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      value = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      try { localStorage.setItem("og.device", value); } catch (_) { /* private mode */ }
    }
    return value;
  }

  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    const path = url.startsWith(location.origin) ? url.slice(location.origin.length) : url;
    const device = stored();
    if (!PASS_API.test(path) || !device) return own(input, init);
    const options = Object.assign({}, init || {});
    const headers = new Headers(options.headers || (typeof input === "string" ? {} : input.headers));
    headers.set("X-Pass-Device", device);
    options.headers = headers;
    return own(input, options);
  };

  /** POST /api/p/{token}/open for this phone. */
  function open(token) {
    return window.fetch(`/api/p/${encodeURIComponent(token)}/open`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ device_id: id() }),
      cache: "no-store",
    });
  }

  // On the pass page itself (/p/{token}), the first open is already on its way.
  const match = /^\/p\/([^/]+)$/.exec(location.pathname);
  let early = match ? open(decodeURIComponent(match[1])) : null;
  if (early) early.catch(() => {}); // a failure is read (and shown) by pass.js

  self.OfficeGatePassDevice = {
    id,
    open,
    /** The open call started as the page loaded (once), else a new one. */
    openOnce(token) {
      const pending = early;
      early = null;
      return pending || open(token);
    },
  };
})();
