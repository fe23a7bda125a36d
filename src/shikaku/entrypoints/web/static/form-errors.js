// A form sent back with errors (issue 14, item 6): the first refused field takes the focus, so
// that the clerk types there at once; the error list above it names every field and links to
// it. Without a refused control (a refusal about the whole form), the list itself takes it.
(function () {
  "use strict";
  function focusFirstError() {
    const summary = document.getElementById("form-errors");
    if (!summary) return;
    const first = document.querySelector(
      "form input[aria-invalid=true], form select[aria-invalid=true], form textarea[aria-invalid=true]");
    (first || summary).focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
