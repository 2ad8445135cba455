/* My visits: today / upcoming / past, searched by name or company; a visit's row is
 * re-read whenever the host's live feed (SSE) tells of it, so states change without a reload. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let period = "today";
  let query = "";
  let timer = null;
  const L = OfficeGateL10n.locale();

  function when(v) {
    const day = OfficeGateTime.format(v.starts_at, L, { month: "short", day: "numeric", weekday: "short" });
    const from = OfficeGateTime.format(v.starts_at, L, { hour: "2-digit", minute: "2-digit" });
    const to = OfficeGateTime.format(v.ends_at, L, { hour: "2-digit", minute: "2-digit" });
    return `${day} ${from}–${to}`;
  }

  function item(v) {
    const li = document.createElement("li");
    li.className = "visit";
    li.dataset.visit = v.visit_id;
    const a = document.createElement("a");
    a.href = `/host/visits/${v.visit_id}`;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = v.visitor_name + (v.company ? ` (${v.company})` : "");
    const state = document.createElement("span");
    state.className = `state ${v.state}`;
    state.dataset.state = v.state;
    state.textContent = visitStateName(v.state);
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [when(v), v.room, v.host_name].filter(Boolean).join(" · ");
    a.append(name, state, meta);
    li.append(a);
    return li;
  }

  async function load() {
    const params = new URLSearchParams({ period });
    if (query) params.set("q", query);
    const res = await fetch(`/api/visits?${params}`, { credentials: "same-origin" });
    if (!res.ok) return;
    const rows = await res.json();
    $("visits").replaceChildren(...rows.map(item));
    $("empty").hidden = rows.length > 0;
  }

  document.querySelectorAll("[data-period]").forEach((tab) => {
    tab.addEventListener("click", () => {
      period = tab.dataset.period;
      document.querySelectorAll("[data-period]").forEach((t) => t.setAttribute("aria-selected", String(t === tab)));
      load();
    });
  });
  $("search").addEventListener("submit", (ev) => { ev.preventDefault(); query = $("q").value.trim(); load(); });
  $("q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { query = $("q").value.trim(); load(); }, 250);
  });

  function live() {
    const source = new EventSource("/api/notify/feed");
    source.onopen = () => { $("live-text").textContent = gettext("Live: states update by themselves"); };
    source.onerror = () => { $("live-text").textContent = gettext("Reconnecting…"); };
    source.onmessage = () => load();  // a notice about one of my visits: re-read the list
    source.addEventListener("notice", () => load());
  }
  load();
  live();
})();
