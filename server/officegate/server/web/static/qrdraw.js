/* Draws the pass QR on a canvas with the vendored qrcode-generator (no CDN, works offline). */
(function (global) {
  "use strict";

  /** Draw `text` as a QR (alphanumeric mode, level M) with a 4-module quiet zone, crisp. */
  function draw(canvas, text) {
    let qr = qrcode(0, "M");
    try {
      qr.addData(text, "Alphanumeric");
      qr.make();
    } catch (_) {
      qr = qrcode(0, "M"); // text outside the alphanumeric set: still readable in byte mode
      qr.addData(text, "Byte");
      qr.make();
    }
    const modules = qr.getModuleCount() + 8;
    const dpr = Math.max(1, self.devicePixelRatio || 1);
    const cssSize = Math.min(canvas.parentElement.clientWidth - 16, 440); // card padding 8 px
    const px = Math.max(2, Math.floor((cssSize * dpr) / modules));
    canvas.width = canvas.height = px * modules;
    canvas.style.width = canvas.style.height = `${(px * modules) / dpr}px`;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#000000";
    for (let r = 0; r < modules - 8; r++) {
      for (let c = 0; c < modules - 8; c++) {
        if (qr.isDark(r, c)) ctx.fillRect((c + 4) * px, (r + 4) * px, px, px);
      }
    }
  }

  global.OfficeGateQr = { draw };
})(self);
