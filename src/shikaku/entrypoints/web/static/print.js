// The 「印刷」 button of a page (staff/_print.html) and the print time on paper: the moment the
// browser prints, not the moment the page was shown. No inline script (the pages' CSP).
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function stamp() {
    var now = new Date();
    var text = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " +
      pad(now.getHours()) + ":" + pad(now.getMinutes());
    document.querySelectorAll("[data-printed-at]").forEach(function (el) { el.textContent = text; });
  }
  window.addEventListener("beforeprint", stamp);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { stamp(); window.print(); }
  });
})();
