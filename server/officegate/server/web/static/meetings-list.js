/* The meetings page: book a meeting and import an .ics file through the API. */
"use strict";
const show = async (r) => {
  // One language: the page's (og-i18n.js); an API error's message in that language.
  let body = {};
  try { body = await r.json(); } catch (_) { body = {}; }
  const ja = document.documentElement.lang === 'ja';
  const d = body.detail;
  const text = r.ok ? gettext('Saved.')
    : (d && d.message_en) ? (ja ? d.message_ja : d.message_en)
    : Array.isArray(d) ? d.map((x) => (x.loc || []).slice(-1)[0] + ': ' + x.msg).join('\n')
    : gettext('Network error');
  const out = document.getElementById('result');
  out.textContent = text;
  out.className = r.ok ? 'ok' : 'field-error';
  if (r.ok) setTimeout(() => location.reload(), 1500);
};
document.getElementById('book').addEventListener('submit', async (e) => {
  e.preventDefault(); const f = new FormData(e.target);
  const iso = (v) => OfficeGateTime.fromLocalInput(v);  // typed in the site's time
  const body = {room: f.get('room'), title: f.get('title'), starts_at: iso(f.get('starts_at')), ends_at: iso(f.get('ends_at')),
                visitors: f.get('visitor') ? [{name: f.get('visitor')}] : []};
  show(await fetch('/api/meetings', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}));
});
document.getElementById('ics').addEventListener('submit', async (e) => {
  e.preventDefault(); const f = new FormData(e.target);
  const room = encodeURIComponent(f.get('room')); f.delete('room');
  show(await fetch('/api/meetings/import?room=' + room, {method: 'POST', body: f}));
});
