// 加入者検索: a 個人番号 typed into a field of the GET search form would land in the address bar
// and the browser history (issue 12, item 7). Such a request is cancelled and the number moved to
// the POST form "個人番号で検索", which the clerk then submits.
(function () {
  "use strict";
  function looksLikeMyNumber(text) {
    const digits = text.normalize("NFKC").replace(/[\s-]/g, "");
    return /^[0-9]{12}$/.test(digits);
  }
  function guard(event) {
    const form = event.target.closest && event.target.closest("form[role=search]");
    const target = document.getElementById("f-my_number");
    if (!form || !target) return;
    for (const input of form.querySelectorAll("input")) {
      if (looksLikeMyNumber(input.value)) {
        event.preventDefault();
        target.value = input.value;
        input.value = "";
        target.focus();
        return;
      }
    }
  }
  document.addEventListener("htmx:configRequest", guard);
  document.addEventListener("submit", guard, true);
})();
