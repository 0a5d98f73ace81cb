// The “打印” buttons (button[data-print], templates/tracker/partials/_print_button.html): hidden in the HTML, shown
// here because they work only with JavaScript; each opens the browser's print dialogue. The print style sheet
// (portal.css, @media print) leaves out navigation, forms and buttons.
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
