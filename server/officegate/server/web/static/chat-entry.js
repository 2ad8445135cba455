/* A chat opened from a QR or link (/chat/{entry}): no account. The first visit asks the server
 * for a chat key and keeps it on this phone ("og.chat.<entry>"); the chat itself is chat.js,
 * pointed at this key's API. A pass opened later on this phone joins the two (chat.js). */
(function () {
  "use strict";
  const body = document.body;
  const entry = body.dataset.entry || "";
  const slot = "og.chat." + entry;

  async function key() {
    let value = localStorage.getItem(slot);
    if (value && /^[A-Za-z0-9_-]{32,64}$/.test(value)) {
      const known = await fetch("/api/entry-chat/" + encodeURIComponent(value), { cache: "no-store" });
      if (known.status !== 404) return value; // (a chat erased since: start a new one)
    }
    const r = await fetch(`/api/entry/${encodeURIComponent(entry)}/start`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ lang: body.dataset.lang || "ja" }) });
    if (!r.ok) throw new Error(String(r.status));
    value = (await r.json()).key;
    localStorage.setItem(slot, value);
    return value;
  }

  key().then((value) => {
    body.dataset.chatApi = "/api/entry-chat/" + encodeURIComponent(value);
    const script = document.createElement("script");
    script.src = "/static/chat.js";
    document.body.append(script);
  }).catch(() => {
    document.getElementById("entry-error").hidden = false;
  });
})();
