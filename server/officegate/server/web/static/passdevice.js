/* The pass page's calls name this phone: every fetch to /api/p/... and /api/chat/... carries
 * the X-Pass-Device header (the server refuses a pass link used from another phone). The id
 * is the one pass.js makes once and keeps in localStorage ("og.device"). */
(function () {
  "use strict";
  const own = window.fetch.bind(window);
  const PASS_API = /^\/api\/(p|chat)\//;

  function device() {
    try { return localStorage.getItem("og.device") || ""; } catch (_) { return ""; }
  }

  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    const path = url.startsWith(location.origin) ? url.slice(location.origin.length) : url;
    const id = device();
    if (!PASS_API.test(path) || !id) return own(input, init);
    const options = Object.assign({}, init || {});
    const headers = new Headers(options.headers || (typeof input === "string" ? {} : input.headers));
    headers.set("X-Pass-Device", id);
    options.headers = headers;
    return own(input, options);
  };
})();
