/*
 * Times in the site's time zone, in the browser. The server writes the zone's IANA name on
 * <html data-time-zone="Asia/Tokyo">, so a staff member or visitor whose laptop or phone is set
 * to another zone still reads and types the office's wall-clock time.
 */
(function (global) {
  "use strict";

  /** The site's IANA time zone, or undefined (then the device's own zone is used). */
  function siteZone() {
    const doc = global.document;
    return (doc && doc.documentElement && doc.documentElement.dataset.timeZone) || undefined;
  }

  /** `date` (a Date or ISO text) formatted for `locale` in the site's zone. */
  function format(date, locale, opts) {
    const d = date instanceof Date ? date : new Date(date);
    if (isNaN(d.getTime())) return "";
    return new Intl.DateTimeFormat(locale, { ...opts, timeZone: siteZone() }).format(d);
  }

  /** How far the site's clock is ahead of UTC at the moment `ms` (milliseconds). */
  function offsetAt(ms, zone) {
    const parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(ms)).forEach((p) => { parts[p.type] = p.value; });
    const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour,
                          +parts.minute, +parts.second);
    return wall - Math.floor(ms / 1000) * 1000;
  }

  /**
   * A <input type="datetime-local"> value ("2026-11-23T15:00") read as the site's wall-clock
   * time, as ISO 8601 UTC text for the API; "" when unreadable.
   */
  function fromLocalInput(text) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(text || "");
    if (!m) return "";
    const zone = siteZone();
    if (!zone) return new Date(text).toISOString();
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let utc = wall - offsetAt(wall, zone);
    const second = offsetAt(utc, zone);  // the offset may differ across a DST change
    if (wall - second !== utc) utc = wall - second;
    return new Date(utc).toISOString();
  }

  global.OfficeGateTime = { siteZone, format, fromLocalInput };
})(self);
