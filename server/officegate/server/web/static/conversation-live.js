/* Live timeline of a conversation: reload on a new entry unless a reply is being typed
 * (then just say so). The stream's address is on #live (data-stream). */
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!window.EventSource || !live) return;
  const es = new EventSource(live.dataset.stream);
  es.addEventListener("message", function () {
    const typing = Array.from(document.querySelectorAll("textarea")).some(function (t) { return t.value.trim(); });
    if (typing) { live.hidden = false; } else { location.reload(); }
  });
})();
