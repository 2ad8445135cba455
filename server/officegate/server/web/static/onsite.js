/* Staff on-site page: start/end the roll call and mark people safe from a phone.
   Strings through og-i18n.js (gettext), in the page's language. */
(function () {
  "use strict";
  const list = document.getElementById("people");
  async function post(url, body) {
    const res = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : "{}",
    });
    if (!res.ok) throw new Error(String(res.status));
    return res.json();
  }
  const start = document.getElementById("start-rollcall");
  if (start) start.addEventListener("click", async () => { await post("/api/rollcalls"); location.reload(); });
  const end = document.getElementById("end-rollcall");
  if (end) end.addEventListener("click", async () => {
    await post(`/api/rollcalls/${end.dataset.id}/end`); location.reload();
  });
  list.addEventListener("click", async (event) => {
    const button = event.target.closest(".mark-safe");
    if (!button) return;
    const row = button.closest(".person");
    button.disabled = true;
    try {
      const call = await post(`/api/rollcalls/${list.dataset.rollcall}/safe`, { person: row.dataset.person });
      row.classList.add("safe");
      const done = document.createElement("span");
      done.className = "ok";
      done.textContent = gettext("Safe");
      button.replaceWith(done);
      document.getElementById("missing").textContent = String(call.missing);
    } catch (_) {
      button.disabled = false;
      button.textContent = gettext("Retry");
    }
  });
})();
