/* The compose form: choosing an event type fills the fields from its template (the area replaces {area}). */
(function () {
  "use strict";
  var select = document.querySelector("[data-templates]");
  if (!select) { return; }
  function set(id, value) {
    var field = document.getElementById(id);
    if (field && value !== null && value !== undefined && value !== "") { field.value = value; }
  }
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) { return; }
    var area = (document.getElementById("area_desc") || {}).value || window.CMC.gettext("the area");
    set("event", option.getAttribute("data-event"));
    set("category", option.getAttribute("data-category"));
    set("urgency", option.getAttribute("data-urgency"));
    set("severity", option.getAttribute("data-severity"));
    set("certainty", option.getAttribute("data-certainty"));
    set("headline", (option.getAttribute("data-headline") || "").replace("{area}", area));
    set("instruction", option.getAttribute("data-instruction"));
  });
}());
