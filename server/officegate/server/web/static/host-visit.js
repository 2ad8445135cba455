/* One visit: its state (live from the host's feed), the actions on the pass, and the reply. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const page = $("visit-page");
  const visitId = page.dataset.visit;
  const state = $("state");
  state.textContent = visitStateName(state.dataset.state);

  async function call(url, body) {
    const res = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const d = data && data.detail;
      const lang = document.documentElement.lang;
      throw new Error(d && d.message_en ? (lang === "ja" ? d.message_ja : d.message_en) : `HTTP ${res.status}`);
    }
    return data;
  }

  function act(id, url, done, ask) {
    const button = $(id);
    if (!button) return;
    button.addEventListener("click", async () => {
      if (ask && !window.confirm(ask)) return;
      button.disabled = true;
      try {
        await call(url, id === "rebind-go" ? { confirmed: $("rebind-confirm").checked } : {});
        $("action-status").textContent = done;
        if (id !== "resend") setTimeout(() => location.reload(), 600);
      } catch (e) {
        $("action-status").textContent = e.message;
      } finally {
        button.disabled = false;
      }
    });
  }

  act("resend", `/api/visits/${visitId}/resend`, gettext("A new link was sent. The old link no longer works."));
  act("revoke", `/api/visits/${visitId}/revoke`, gettext("The pass was revoked."),
      gettext("Revoke the pass? Doors will refuse it."));
  act("cancel", `/api/visits/${visitId}/cancel`, gettext("The visit was cancelled."),
      gettext("Cancel this visit? The pass stops working."));
  act("rebind-go", `/api/visits/${visitId}/rebind`, gettext("A link for the new phone was sent."));
  // A printed pass is made (staff only, audited) and opened as a printable page.
  const printPass = $("print-pass");
  if (printPass) {
    printPass.addEventListener("click", async () => {
      printPass.disabled = true;
      try {
        const made = await call(`/api/visits/${visitId}/printed-pass`);
        location.href = `/host/visits/${visitId}/printed/${encodeURIComponent(made.pass_id)}`;
      } catch (e) {
        $("action-status").textContent = e.message;
        printPass.disabled = false;
      }
    });
  }
  if ($("rebind")) $("rebind").onclick = () => { $("rebind-box").hidden = !$("rebind-box").hidden; };

  // The conversation, live: what the visitor writes (and the bot answers) appears here as
  // it happens, so the host can answer from this page. Each entry is shown once.
  const shown = new Set();
  const LABELS = { incoming: gettext("Visitor"), outgoing: gettext("To the visitor") };
  function addMessage(m) {
    if (!m || shown.has(m.id) || (m.kind !== "incoming" && m.kind !== "outgoing")) return;
    shown.add(m.id);
    const empty = $("timeline").querySelector("li.muted");
    if (empty) empty.remove();
    const li = document.createElement("li");
    li.className = m.kind;
    li.dataset.message = m.id;
    const when = document.createElement("span");
    when.className = "when";
    const at = new Date(m.at);
    when.textContent = `${isNaN(at) ? "" : at.toLocaleTimeString(OfficeGateL10n.locale(),
      { hour: "2-digit", minute: "2-digit" })} · ${LABELS[m.kind]}`;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = m.body; // text only: never HTML from the network
    li.append(when, body);
    $("timeline").append(li);
  }
  if (page.dataset.conversation && window.EventSource) {
    const chat = new EventSource(`/api/conversations/${page.dataset.conversation}/stream`);
    chat.addEventListener("message", (ev) => {
      try { addMessage(JSON.parse(ev.data)); } catch (e) { /* skip */ }
    });
  }

  const reply = $("reply");
  if (reply) {
    reply.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = $("reply-text").value.trim();
      if (!text) return;
      try {
        addMessage(await call(`/api/conversations/${page.dataset.conversation}/messages`, { text }));
        $("reply-text").value = "";
      } catch (e) {
        $("action-status").textContent = e.message;
      }
    });
  }

  // Live: a notice about this visit re-reads its state.
  const source = new EventSource("/api/notify/feed");
  source.addEventListener("notice", async (ev) => {
    let notice = {};
    try { notice = JSON.parse(ev.data); } catch (e) { return; }
    if (String(notice.visit_id) !== String(visitId)) return;
    // The visitor wrote for the first time: the page gains its conversation and reply box.
    if (!page.dataset.conversation && String(notice.kind).startsWith("chat_")) {
      location.reload();
      return;
    }
    const res = await fetch(`/api/visits/${visitId}`, { credentials: "same-origin" });
    if (!res.ok) return;
    const v = await res.json();
    state.className = `state ${v.state}`;
    state.dataset.state = v.state;
    state.textContent = visitStateName(v.state);
  });
})();
