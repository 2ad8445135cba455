/* The names of a visit's live states, in the page's language (hosts.schemas.STATES). */
(function (global) {
  "use strict";
  const NAMES = {
    invited: () => gettext("Invited"),
    pass_opened: () => gettext("Pass opened"),
    approaching: () => gettext("Approaching"),
    arrived: () => gettext("Arrived"),
    checked_in: () => gettext("Checked in"),
    met: () => gettext("Met"),
    left: () => gettext("Left"),
    held: () => gettext("Held for approval"),
    refused: () => gettext("Refused"),
    no_show: () => gettext("No-show"),
    cancelled: () => gettext("Cancelled"),
    revoked: () => gettext("Pass revoked"),
  };
  global.visitStateName = (state) => (NAMES[state] ? NAMES[state]() : state);
})(self);
