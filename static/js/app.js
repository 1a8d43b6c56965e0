/* Behaviour shared by every page (no inline scripts: the CSP forbids them).
 * - A form that comes back with errors moves focus to its error summary (as GOV.UK does).
 * - A button inside a form marked data-confirm asks before doing something hard to undo. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
}());
