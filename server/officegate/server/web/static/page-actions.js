/* Small page actions without inline script (the CSP allows none): a button with
 * data-confirm asks first; a button with data-print prints the page. */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    const button = e.target.closest && e.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-print")) window.print();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) e.preventDefault();
  });
})();
