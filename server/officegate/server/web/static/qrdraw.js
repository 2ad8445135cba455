/* Draws the pass QR on a canvas with the vendored qrcode-generator (no CDN, works offline). */
(function (global) {
  "use strict";

  /** Draw `text` as a QR (alphanumeric mode, level L) with a 4-module quiet zone, crisp.
   * Level L, not M: the pass is a version 8 symbol instead of 10, so each module is 15 %
   * bigger on the same screen and a gate camera reads it sooner and from further away
   * (benchmarks/presentation.py). A phone screen does not get dirty or torn like paper. */
  function draw(canvas, text) {
    let qr = qrcode(0, "L");
    try {
      qr.addData(text, "Alphanumeric");
      qr.make();
    } catch (_) {
      qr = qrcode(0, "L"); // text outside the alphanumeric set: still readable in byte mode
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
