/* The start page of a roll call: the preview of the chosen template's questions follows the select. Without
 * this script every preview is in the page and the first one shows; the server judges the choice anyway. */
(function () {
  "use strict";
  var select = document.getElementById("template_id");
  if (!select) { return; }
  function show() {
    document.querySelectorAll(".question-preview").forEach(function (preview) {
      preview.hidden = preview.getAttribute("data-template") !== select.value;
    });
  }
  select.addEventListener("change", show);
  show();
}());
