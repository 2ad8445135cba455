/* The staff console's live parts: one server-sent event stream per page.
   - #live-panel[data-panel]: re-read the panel when the events it names arrive (Today, Alarms).
   - #log[data-rows]: prepend new access log rows matching the page's search (live tail).
   - any page: a new alarm shows a banner with a link to it.
   - form[data-json]: submit as JSON to the API, show each error next to its field. */
(function () {
  "use strict";
  const state = document.getElementById("live-state");
  const lang = document.documentElement.lang || "ja";

  function refreshPanel(panel) {
    if (panel.dataset.busy) { panel.dataset.again = "1"; return; }
    panel.dataset.busy = "1";
    fetch(panel.dataset.panel, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => { panel.innerHTML = html; })
      .catch(() => {})
      .finally(() => {
        delete panel.dataset.busy;
        if (panel.dataset.again) { delete panel.dataset.again; refreshPanel(panel); }
      });
  }

  function tail(table) {
    fetch(table.dataset.rows, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const tmp = document.createElement("tbody");
        tmp.innerHTML = html;
        const body = table.tBodies[0];
        const empty = body.querySelector("tr.empty");
        const fresh = Array.from(tmp.rows).filter(
          (row) => !body.querySelector(`tr[data-key="${CSS.escape(row.dataset.key || "")}"]`));
        if (fresh.length && empty) empty.remove();
        fresh.reverse().forEach((row) => body.insertBefore(row, body.firstChild));
      })
      .catch(() => {});
  }

  function banner(alarm) {
    if (alarm.level > 0 || alarm.acknowledged || alarm.severity === "info") return;
    let box = document.getElementById("alarm-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "alarm-banner";
      box.className = "card";
      box.setAttribute("role", "alert");
      document.querySelector("main").prepend(box);
    }
    const link = document.createElement("a");
    link.href = alarm.url;
    link.textContent = lang === "ja" ? alarm.title_ja : alarm.title_en;
    box.replaceChildren(link);
  }

  function listen() {
    if (!state || !window.EventSource) return;
    const panel = document.getElementById("live-panel");
    const table = document.querySelector("table[data-rows]");
    const wanted = new Set(((panel && panel.dataset.events) || "").split(" "));
    const source = new EventSource("/api/console/feed");
    source.addEventListener("open", () => { state.dataset.connected = "1"; state.classList.remove("ng"); });
    source.addEventListener("error", () => { delete state.dataset.connected; state.classList.add("ng"); });
    source.addEventListener("notice", (ev) => {
      let item = {};
      try { item = JSON.parse(ev.data); } catch (_) { return; }
      if (item.type === "alarm") banner(item);
      if (panel && wanted.has(item.type)) refreshPanel(panel);
      if (table && (item.type === "access" || item.type === "alarm")) tail(table);
    });
  }

  function showErrors(form, detail) {
    form.querySelectorAll(".field-error[data-made]").forEach((el) => el.remove());
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    /* A validation error's field: the innermost part of its location that names an input. */
    const fieldOf = (loc) => (loc || []).slice().reverse().find(
      (part) => typeof part === "string" && form.querySelector(`[name="${CSS.escape(part)}"]`));
    const items = Array.isArray(detail) ? detail.map((d) => ({ field: fieldOf(d.loc), text: d.msg }))
      : [{ field: detail && detail.field, text: detail && (lang === "ja" ? detail.message_ja : detail.message_en) }];
    items.forEach((item, i) => {
      const input = item.field ? form.querySelector(`[name="${CSS.escape(String(item.field))}"]`) : null;
      const note = document.createElement("span");
      note.className = "field-error";
      note.dataset.made = "1";
      note.id = `${form.id || "form"}-err-${i}`;
      note.textContent = item.text || "?";
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", note.id);
        input.closest("label") ? input.closest("label").append(note) : input.after(note);
      } else {
        note.setAttribute("role", "alert");
        form.prepend(note);
      }
    });
  }

  function jsonForms() {
    document.querySelectorAll("form[data-json]").forEach((form) => {
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
        const body = form.dataset.body ? JSON.parse(form.dataset.body) : {};
        new FormData(form).forEach((value, key) => {
          const input = form.elements[key];
          const type = input && input.dataset ? input.dataset.type : "";
          const lines = String(value).split("\n").map((s) => s.trim()).filter(Boolean);
          if (type === "int" || type === "float") body[key] = value === "" ? null : Number(value);
          else if (type === "lines") body[key] = lines;
          else if (type === "lines-keep") { if (lines.length) body[key] = lines; } /* empty: keep */
          else if (type === "json") body[key] = JSON.parse(String(value) || "null");
          else if (type === "points") /* "lat, lon" a line; an unreadable one goes as text and is named */
            body[key] = lines.map((line) => {
              const parts = line.split(/[\s,]+/).filter(Boolean);
              const nums = parts.map(Number);
              return parts.length === 2 && nums.every(Number.isFinite) ? nums : line;
            });
          else if (type === "text-or-null") body[key] = value === "" ? null : value;
          else if (type !== "bool" && !(input && input.dataset && input.dataset.list)) body[key] = value;
        });
        form.querySelectorAll("input[type=checkbox][data-type=bool]").forEach((box) => { body[box.name] = box.checked; });
        form.querySelectorAll("input[type=checkbox][data-list]").forEach((box) => {
          const list = (body[box.dataset.list] = body[box.dataset.list] || []);
          if (box.checked) list.push(Number(box.value));
        });
        fetch(form.dataset.json, {
          method: form.dataset.method || "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
        }).then((r) => {
          if (!r.ok) return r.json().then((j) => showErrors(form, j.detail));
          if (r.status === 204 || !(r.headers.get("content-type") || "").includes("json")) return window.location.reload();
          return r.json().then((j) => {
            if (!j.link) return window.location.reload();
            const out = document.createElement("output"); /* no mail server: the admin passes it on */
            out.className = "flash"; out.textContent = j.link;
            form.append(out);
          });
        })
          .catch(() => showErrors(form, { message_en: "Network error", message_ja: "通信エラー" }));
      });
    });
  }

  listen();
  jsonForms();
})();
