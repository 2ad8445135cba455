/* An employee's room-door passes: each meeting's signed pass with its rotating code (the same
 * QR text as the visitor's pass page: prefix + TOTP + pass), redrawn when the code changes. */
(function () {
  "use strict";
  const cards = [...document.querySelectorAll("[data-meeting]")];

  async function load(card) {
    const res = await fetch(`/api/meetings/${card.dataset.meeting}/pass`, { credentials: "same-origin" });
    if (!res.ok) {
      card.querySelector(".status").textContent = gettext("No pass for this meeting.");
      return null;
    }
    const pass = await res.json();
    return { card, pass, secret: OfficeGateTotp.fromBase64(pass.code_secret), counter: null };
  }

  async function tick(item) {
    const now = Date.now() / 1000;
    const period = item.pass.code_period || 10;
    const counter = Math.floor(now / period);
    if (counter === item.counter) return;
    item.counter = counter;
    const code = await OfficeGateTotp.totp(item.secret, now, period, 8);
    const canvas = item.card.querySelector("canvas");
    OfficeGateQr.draw(canvas, "OG1R" + code + item.pass.cose_b45);
    canvas.dataset.text = "OG1R" + code + item.pass.cose_b45;
  }

  Promise.all(cards.map(load)).then((items) => {
    const live = items.filter(Boolean);
    const all = () => live.forEach((item) => tick(item));
    all();
    setInterval(all, 1000);
  });
})();
