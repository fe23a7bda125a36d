// 「住所を検索」 of the address form (staff/_address_fields.html): looks the postcode up with the
// staff session (/staff/postcodes/…) and puts 都道府県・市区町村・町域 into the address field,
// keeping what the clerk typed after a place the look-up filled before. No inline script (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-postcode-lookup]");
    if (!button) { return; }
    var form = button.closest("[data-address-form]");
    var postcode = form.querySelector("[data-postcode]");
    var address = form.querySelector("[data-address]");
    var status = form.querySelector("[data-postcode-status]");
    status.textContent = "検索しています…";
    fetch("/staff/postcodes/" + encodeURIComponent(postcode.value.trim() || "-"),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (answer) {
        var ok = answer[0], body = answer[1];
        if (!ok) { status.textContent = body.message || "検索できませんでした"; postcode.focus(); return; }
        var place = body.prefecture + body.city + body.town;
        var before = address.dataset.place || "";
        var rest = before && address.value.indexOf(before) === 0 ? address.value.slice(before.length) : "";
        postcode.value = body.postcode;
        address.value = place + rest;
        address.dataset.place = place;
        status.textContent = place + " を入力しました。続けて番地を入力してください";
        address.focus();
        address.setSelectionRange(address.value.length, address.value.length);
      })
      .catch(function () { status.textContent = "検索できませんでした（通信エラー）"; });
  });
})();
