/* Invite page: visitor rows (typed, or read from a CSV by the server), when, where, a note.
 * Errors from the API are shown next to the field they are about. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const list = $("guest-list");
  const FIELDS = ["name", "email", "company", "phone", "lang"];

  function renumber() {
    const rows = list.querySelectorAll(".guest");
    rows.forEach((row, i) => {
      row.querySelector(".guest-title").textContent =
        interpolate(gettext("Visitor %(n)s"), { n: i + 1 });
      row.querySelector(".remove").hidden = rows.length === 1;
      row.querySelectorAll("[data-f]").forEach((input) => {
        input.id = `g${i}-${input.dataset.f}`;
        input.closest(".field").querySelector("label").htmlFor = input.id;
      });
    });
  }

  function addGuest(values) {
    const row = $("guest-row").content.firstElementChild.cloneNode(true);
    FIELDS.forEach((f) => { if (values && values[f]) row.querySelector(`[data-f=${f}]`).value = values[f]; });
    row.querySelector(".remove").onclick = () => { row.remove(); renumber(); };
    list.append(row);
    renumber();
    return row;
  }

  function clearErrors() {
    document.querySelectorAll(".ferr").forEach((e) => { e.textContent = ""; });
    document.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  }

  function fieldError(input, holder, message) {
    if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", holder.id || ""); }
    holder.textContent = message;
  }

  const MESSAGES = {
    missing: () => gettext("Please fill this in."),
    string_pattern_mismatch: (loc) => (loc === "email" ? gettext("This is not an e-mail address.")
      : loc === "phone" ? gettext("Use digits, spaces, + and - only.") : gettext("Please check this.")),
    string_too_long: () => gettext("This is too long."),
    string_too_short: () => gettext("Please fill this in."),
  };

  function explain(err) {
    const last = err.loc[err.loc.length - 1];
    const make = MESSAGES[err.type];
    if (make) return make(last);
    if (/ends_at must be after/.test(err.msg)) return gettext("The end must be after the start.");
    if (/at most 14 days/.test(err.msg)) return gettext("A visit may last at most 14 days.");
    if (/book a room or choose/.test(err.msg)) return gettext("Book a room or choose at least one area.");
    return gettext("Please check this.");
  }

  function showApiErrors(detail) {
    if (Array.isArray(detail)) {
      detail.forEach((err) => {
        const loc = err.loc || [];
        if (loc[1] === "visitors" && loc.length >= 4) {
          const row = list.querySelectorAll(".guest")[Number(loc[2])];
          if (row) {
            fieldError(row.querySelector(`[data-f=${loc[3]}]`), row.querySelector(`[data-e=${loc[3]}]`), explain(err));
            return;
          }
        }
        const message = explain(err);
        if (/room or choose/.test(err.msg)) return fieldError(null, $("err-zones"), message);
        if (loc[1] === "starts_at" || loc[1] === "ends_at" || /ends_at|days/.test(err.msg)) return fieldError($("end"), $("err-when"), message);
        fieldError(null, $("err-form"), message);
      });
      return;
    }
    const code = detail && detail.code;
    const lang = document.documentElement.lang;
    const text = detail ? (lang === "ja" ? detail.message_ja : detail.message_en) : gettext("Something went wrong. Please try again.");
    if (code === "room_taken" || code === "unknown_room") return fieldError($("room"), $("err-room"), text);
    if (code && code.indexOf("zone") >= 0) return fieldError(null, $("err-zones"), text);
    if (code === "visit_over" || code === "bad_window") return fieldError($("end"), $("err-when"), text);
    fieldError(null, $("err-form"), text);
  }

  function collect() {
    const guests = [...list.querySelectorAll(".guest")].map((row) => {
      const g = {};
      FIELDS.forEach((f) => { const v = row.querySelector(`[data-f=${f}]`).value.trim(); if (v) g[f] = v; });
      return g;
    });
    const day = $("day").value;
    const body = {
      visitors: guests,
      starts_at: OfficeGateTime.fromLocalInput(`${day}T${$("start").value}`),
      ends_at: OfficeGateTime.fromLocalInput(`${day}T${$("end").value}`),
      zones: [...document.querySelectorAll("input[name=zones]:checked")].map((z) => z.value),
    };
    if ($("room").value) { body.room = $("room").value; body.zones = []; }
    if ($("note").value.trim()) body.note = $("note").value.trim();
    return body;
  }

  function checkLocally(body) {
    let ok = true;
    list.querySelectorAll(".guest").forEach((row, i) => {
      ["name", "email"].forEach((f) => {
        if (!body.visitors[i][f]) {
          fieldError(row.querySelector(`[data-f=${f}]`), row.querySelector(`[data-e=${f}]`), gettext("Please fill this in."));
          ok = false;
        }
      });
    });
    if (!body.starts_at || !body.ends_at) { fieldError($("day"), $("err-when"), gettext("Choose the date and times.")); ok = false; }
    else if (body.ends_at <= body.starts_at) { fieldError($("end"), $("err-when"), gettext("The end must be after the start.")); ok = false; }
    return ok;
  }

  function showResult(out) {
    const ul = $("result-list");
    ul.replaceChildren(...out.invited.map((i) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/host/visits/${i.visit_id}`;
      a.textContent = i.name;
      li.append(a, " — ", i.status === "held"
        ? gettext("held for approval: staff will decide before the invitation is sent")
        : gettext("invitation sent"));
      return li;
    }));
    $("invite").hidden = true;
    $("result").hidden = false;
    $("result").scrollIntoView();
  }

  $("invite").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors();
    const body = collect();
    if (!checkLocally(body)) return;
    $("send").disabled = true;
    try {
      const res = await fetch("/api/invitations", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const data = await res.json().catch(() => null);
      if (res.ok) showResult(data);
      else showApiErrors(data && data.detail);
    } catch (e) {
      fieldError(null, $("err-form"), gettext("Could not reach the server. Please try again."));
    } finally {
      $("send").disabled = false;
    }
  });

  $("csv-read").addEventListener("click", async () => {
    const errors = $("csv-errors");
    errors.replaceChildren();
    const file = $("csv-file").files[0];
    const data = file ? await file.arrayBuffer() : new TextEncoder().encode($("csv-text").value);
    const res = await fetch("/api/invitations/csv", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "text/csv" }, body: data });
    const out = await res.json().catch(() => null);
    if (!res.ok || !out) {
      const li = document.createElement("li");
      li.textContent = gettext("The list could not be read. Save it as CSV (UTF-8) and try again.");
      errors.append(li);
      return;
    }
    const blank = [...list.querySelectorAll(".guest")].filter((row) =>
      FIELDS.every((f) => !row.querySelector(`[data-f=${f}]`).value));
    blank.forEach((row) => row.remove());
    out.visitors.forEach((g) => addGuest(g));
    if (!list.children.length) addGuest();
    renumber();
    out.errors.forEach((e) => {
      const li = document.createElement("li");
      li.textContent = interpolate(gettext("Line %(line)s (%(field)s): %(message)s"), e);
      errors.append(li);
    });
  });

  $("add-guest").onclick = () => addGuest().querySelector("[data-f=name]").focus();
  $("again").onclick = () => { location.href = "/host/invite"; };
  const today = OfficeGateTime.format(new Date(), "en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
  $("day").value = today;
  $("room").addEventListener("change", () => { $("zone-box").hidden = !!$("room").value; });
  addGuest();
})();
