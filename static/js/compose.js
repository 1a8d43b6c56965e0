/* The compose form: choosing an event type fills the fields from its template (the area replaces {area}).
   The first block (English) takes the type's own texts; each other language's block takes that language's
   template (data-texts: {"es": {"event", "headline", "instruction"}}) where the coordinator wrote one, and is
   left as it is otherwise. */
(function () {
  "use strict";
  var select = document.querySelector("[data-templates]");
  if (!select) { return; }
  function set(id, value) {
    var field = document.getElementById(id);
    if (field && value !== null && value !== undefined && value !== "") { field.value = value; }
  }
  function texts(option) {
    try {
      var parsed = JSON.parse(option.getAttribute("data-texts") || "{}");
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (ignored) {
      return {};  // an unreadable attribute fills the English block only
    }
  }
  function withArea(template, area) {
    return (template || "").split("{area}").join(area);
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
    set("headline", withArea(option.getAttribute("data-headline"), area));
    set("instruction", option.getAttribute("data-instruction"));
    var byLanguage = texts(option);
    Object.keys(byLanguage).forEach(function (code) {
      var text = byLanguage[code] || {};
      if (!/^[a-z]{2}$/.test(code) || code === "en") { return; }
      set("headline_" + code, withArea(text.headline, area));
      set("instruction_" + code, text.instruction);
    });
  });
}());
