/* OfficeGate pass page chat: ask the FAQ bot or your host; live replies over SSE.
 * Needs only the #og-chat placeholder and body[data-token]; follows the page language
 * (html[lang], switched by pass.js) and keeps working when the stream drops (reloads). */
(function () {
  "use strict";
  const root = document.getElementById("og-chat");
  const token = document.body.dataset.token || "";
  // A chat opened from a QR or link (chat-entry.js) names its own API; the pass page's is
  // the pass link's.
  const entryApi = document.body.dataset.chatApi || "";
  if (!root || (!token && !entryApi)) return;
  const api = entryApi || "/api/chat/" + encodeURIComponent(token);
  const alwaysOpen = root.dataset.open === "true";
  // Every string through the pass page's catalogs (i18n.js; docs/i18n.md).
  const T = (gettext) => ({
    open: gettext("Ask a question or talk to your host"),
    close: gettext("Close"),
    title: gettext("Chat"),
    hint: gettext("Ask about Wi-Fi, parking, toilets and more. Want a person? Just say so."),
    placeholder: gettext("Type a message"),
    send: gettext("Send"),
    bot: gettext("Bot"),
    you: gettext("You"),
    staff: gettext("Staff member"),
    system: gettext("Notice"),
    survey: gettext("How was your visit today? (1-5)"),
    thanks: gettext("Thank you for your feedback."),
    stop: gettext("Stop notices"),
    resume: gettext("Resume notices"),
    link: gettext("To continue on LINE or WhatsApp, send them this code:"),
    error: gettext("Could not send. Please try again."),
  });
  const seen = new Set();
  let state = { open: alwaysOpen, optedOut: false, surveyPending: false, linkCode: "" };
  const lang = () => OfficeGateI18n.pageLang();
  const t = (k) => T(OfficeGateI18n.translator(lang()))[k];

  const css = document.createElement("style");
  css.textContent = `
  #og-chat { margin: 1rem auto; max-width: 34rem; padding: 0 1rem; }
  #og-chat .toggle { width: 100%; padding: .8rem; border-radius: 12px; border: 0; font: inherit;
    font-weight: 600; background: var(--accent, #0f4c81); color: var(--accent-text, #fff); }
  #og-chat .box { background: var(--surface, #fff); color: var(--text, #121a23);
    border: 1px solid var(--line, #d5dbe2); border-radius: 12px; padding: .8rem; margin-top: .6rem; }
  #og-chat .hint, #og-chat .meta, #og-chat .small { color: var(--muted, #4a5663); font-size: .8rem; }
  #og-chat .log { display: flex; flex-direction: column; gap: .4rem; max-height: 22rem;
    overflow-y: auto; margin: .6rem 0; }
  #og-chat .msg { max-width: 85%; padding: .45rem .65rem; border-radius: 12px; white-space: pre-wrap;
    overflow-wrap: anywhere; }
  #og-chat .incoming { align-self: flex-end; background: var(--accent, #0f4c81); color: var(--accent-text, #fff); }
  #og-chat .incoming .meta { color: inherit; opacity: .85; }
  #og-chat .meta { display: block; }
  #og-chat .outgoing { align-self: flex-start; background: var(--bg, #f3f5f8); border: 1px solid var(--line, #d5dbe2); }
  #og-chat .activity { align-self: center; font-size: .75rem; color: var(--muted, #4a5663); }
  #og-chat form { display: flex; gap: .4rem; }
  #og-chat input { flex: 1; min-width: 0; font: inherit; padding: .55rem; border-radius: 8px;
    border: 1px solid var(--line, #d5dbe2); background: var(--surface, #fff); color: inherit; }
  #og-chat button.send, #og-chat .stars button { font: inherit; padding: .5rem .8rem; border-radius: 8px;
    border: 0; background: var(--accent, #0f4c81); color: var(--accent-text, #fff); }
  #og-chat .stars { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; margin: .4rem 0; }
  #og-chat .link { background: none; border: 0; color: var(--accent, #0f4c81); text-decoration: underline;
    padding: 0; font: inherit; font-size: .8rem; }
  #og-chat code { font-weight: 700; letter-spacing: .1em; }`;
  document.head.appendChild(css);

  root.innerHTML = `<button class="toggle" type="button" aria-expanded="false"></button>
    <div class="box" hidden><p class="hint"></p><div class="log" role="log" aria-live="polite"></div>
    <div class="stars" hidden></div>
    <form><input name="text" maxlength="4000" autocomplete="off" required><button class="send" type="submit"></button></form>
    <p class="small"><span class="linktext"></span> <code class="code"></code></p>
    <p class="small"><button class="link optout" type="button"></button> <span class="err" role="alert"></span></p></div>`;
  const $ = (sel) => root.querySelector(sel);
  const log = $(".log");
  if (alwaysOpen) { $(".toggle").hidden = true; $(".box").hidden = false; }

  function label() {
    $(".toggle").textContent = state.open ? t("close") : t("open");
    $(".toggle").setAttribute("aria-expanded", String(state.open));
    $(".hint").textContent = t("hint");
    $("input").placeholder = t("placeholder");
    $("input").setAttribute("aria-label", t("placeholder"));
    $(".send").textContent = t("send");
    $(".linktext").textContent = t("link");
    $(".code").textContent = state.linkCode;
    $(".optout").textContent = state.optedOut ? t("resume") : t("stop");
    const stars = $(".stars");
    stars.hidden = !state.surveyPending;
    stars.innerHTML = `<span>${t("survey")}</span>`;
    for (let i = 1; i <= 5; i++) {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = String(i);
      b.addEventListener("click", () => rate(i));
      stars.appendChild(b);
    }
  }

  function who(m) {
    if (m.kind === "incoming") return t("you");
    if (m.sender === "bot") return t("bot");
    if (m.sender === "user") return t("staff");
    return t("system");
  }

  const shown = [];

  function add(m) {
    if (seen.has(m.id) || m.kind === "note") return;
    seen.add(m.id);
    shown.push(m);
    draw(m);
  }

  function redraw() {  // labels ("You", "Bot", times) follow the page language
    log.textContent = "";
    shown.forEach(draw);
  }

  function draw(m) {
    const div = document.createElement("div");
    div.className = "msg " + m.kind;
    const meta = document.createElement("span");
    meta.className = "meta";
    const at = new Date(m.at);
    meta.textContent = (m.kind === "activity" ? "" : who(m) + " · ") +
      at.toLocaleTimeString(lang() === "ja" ? "ja-JP" : "en-GB", { hour: "2-digit", minute: "2-digit",
        timeZone: document.documentElement.dataset.timeZone || undefined });  // the office's clock
    const text = document.createElement("div");
    text.textContent = m.body;  // text only: never HTML from the network
    div.append(meta, text);
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    if (m.data && m.data.survey) { state.surveyPending = true; label(); }
  }

  async function load() {
    const r = await fetch(api, { cache: "no-store" });
    if (!r.ok) { root.hidden = true; return; }
    const d = await r.json();
    state.optedOut = d.opted_out; state.surveyPending = d.survey_pending; state.linkCode = d.link_code;
    d.messages.forEach(add);
    label();
  }

  function listen() {
    if (!window.EventSource) return;
    const es = new EventSource(api + "/stream");
    es.addEventListener("message", (e) => { try { add(JSON.parse(e.data)); } catch (_) { /* skip */ } });
    es.onerror = () => { es.close(); setTimeout(() => { load().then(listen); }, 3000); };
  }

  async function send(text) {
    $(".err").textContent = "";
    const r = await fetch(api + "/messages", { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    if (!r.ok) { $(".err").textContent = t("error"); return; }
    const d = await r.json();
    if (d.message) add(d.message);
    d.replies.forEach(add);
  }

  async function rate(n) {
    const r = await fetch(api + "/csat", { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify({ rating: n }) });
    state.surveyPending = false; label();
    if (r.ok || r.status === 409) $(".err").textContent = t("thanks");
  }

  $(".toggle").addEventListener("click", () => {
    state.open = !state.open;
    $(".box").hidden = !state.open;
    label();
    if (state.open) {
      log.scrollTop = log.scrollHeight; // the newest messages (drawn while the box was hidden)
      $("input").focus();
    }
  });
  $("form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("input");
    const text = input.value.trim();
    if (text) { input.value = ""; send(text); }
  });
  $(".optout").addEventListener("click", async () => {
    const r = await fetch(api + "/opt-out", { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify({ opt_out: !state.optedOut }) });
    if (r.ok) { state.optedOut = (await r.json()).opted_out; label(); }
  });
  new MutationObserver(() => { label(); redraw(); }).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  /** This phone chatted from a QR or link before it had this pass: one timeline now. */
  async function mergeEarlierChats() {
    if (entryApi) return;
    for (const name of Object.keys(localStorage).filter((k) => k.startsWith("og.chat."))) {
      try {
        const r = await fetch(api + "/merge-entry", { method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ key: localStorage.getItem(name) }) });
        if (r.ok || r.status === 404 || r.status === 422) localStorage.removeItem(name);
      } catch (_) { /* offline: tried again on the next visit */ }
    }
  }

  label();
  mergeEarlierChats().then(load).then(listen);
})();
