/* The host's meetings page: book a meeting and import an .ics file through the API. */
"use strict";
const show = async (r) => { const body = await r.json(); document.getElementById('result').textContent =
  r.ok ? JSON.stringify(body, null, 2) : ((body.detail && body.detail.message_ja) ? body.detail.message_ja + ' / ' + body.detail.message_en : JSON.stringify(body.detail)); if (r.ok) setTimeout(() => location.reload(), 1500); };
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
