// Live character count for the written report (a text area with data-limit); the server enforces the limit.
// Counts code points after trimming, with line breaks as one character, as the server does.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-limit]").forEach(function (area) {
    var out = document.getElementById(area.id + "-count");
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    if (!out || !limit) { return; }
    function update() {
      var length = Array.from(area.value.trim()).length;
      out.textContent = String(length);
      out.parentNode.classList.toggle("is-over", length > limit);
    }
    area.addEventListener("input", update);
    update();
  });
})();
