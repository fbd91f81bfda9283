// Residents' channel: fill the location fields from the device, and count SMS length.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-locate]");
    if (!button || !navigator.geolocation) { return; }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("longitude").value = pos.coords.longitude.toFixed(6);
      button.disabled = false;
    }, function () { button.disabled = false; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  function gsm(text) { return /^[\x00-\x7f]*$/.test(text); }
  function count(field) {
    var out = document.querySelector("[data-sms-count]");
    if (!out) { return; }
    var text = field.value, plain = gsm(text), n = text.length;
    var one = plain ? 160 : 70, many = plain ? 153 : 67;
    var parts = n <= one ? 1 : Math.ceil(n / many);
    out.textContent = n + " ký tự · " + parts + " tin · " + (plain ? "không dấu (GSM-7)" : "có dấu (UCS-2)");
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-sms-counter]")) { count(event.target); }
  });
  var initial = document.querySelector("[data-sms-counter]");
  if (initial) { count(initial); }
})();
