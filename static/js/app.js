/* Behaviour shared by every page (no inline scripts: the CSP forbids them).
 * - A form that comes back with errors moves focus to its error summary (as GOV.UK does).
 * - A button inside a form marked data-confirm asks before doing something hard to undo.
 * - Sign-in forms carry the browser's time zone (used once, until the person chooses one in settings).
 * - The menu button of small screens (data-bs-toggle="collapse") folds and unfolds the navigation: the only
 *   part of Bootstrap's scripts the pages used, so its 80 KB bundle is not loaded (Bootstrap's CSS still styles
 *   .collapse and .show). */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  // A first sign-in tells the server this browser's time zone, so dates are shown in it from the start.
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { input.value = ""; }
  });
  if (summary) { summary.focus(); }

  // A link to a part of the page folded in <details> (#translate) opens it.
  function openTarget() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var folded = target && target.closest("details");
    if (folded) { folded.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  document.querySelectorAll("[data-bs-toggle=collapse]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-bs-target"));
    if (!target) { return; }
    button.addEventListener("click", function () {
      var open = target.classList.toggle("show");
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.classList.toggle("collapsed", !open);
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
}());
