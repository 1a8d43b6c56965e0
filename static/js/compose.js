/* The compose form.
   - Event types: choosing one fills the fields from its template (the area replaces {area}). The first block
     (English) takes the type's own texts; each other language's block takes that language's template
     (data-texts: {"es": {"event", "headline", "instruction"}}) where the coordinator wrote one, and is left as
     it is otherwise.
   - CAP choices: the one-line hint under severity, urgency, certainty and category follows the chosen value
     (the server drew it for the value it had; the meanings of all values are listed under each select).
   - Severe and Extreme: the publish button of the preview stays disabled until the confirmation is ticked
     (the server refuses without it; without scripts, the button is enabled and the server says so).
   - Autosave: a few seconds after a change, and when the page is left, the fields go to the server (never to
     the browser's storage: a shared computer keeps no alert text after sign-out). */
(function () {
  "use strict";
  var _ = window.CMC.gettext;
  var form = document.getElementById("alert-form");

  function set(id, value) {
    var field = document.getElementById(id);
    if (field && value !== null && value !== undefined && value !== "") {
      field.value = value;
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  /* --- event types ---------------------------------------------------------------------------------------- */
  var select = document.querySelector("[data-templates]");
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
  if (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) { return; }
      var area = (document.getElementById("area_desc") || {}).value || _("the area");
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
  }

  /* --- hints of the CAP choices --------------------------------------------------------------------------- */
  Array.prototype.forEach.call(document.querySelectorAll("select[data-cap-hint]"), function (choice) {
    var hint = document.getElementById(choice.getAttribute("data-cap-hint"));
    var list = document.getElementById(choice.id + "-meanings");
    if (!hint || !list) { return; }
    choice.addEventListener("change", function () {
      var items = list.querySelectorAll("dd[data-value]");
      for (var i = 0; i < items.length; i += 1) {
        if (items[i].getAttribute("data-value") === choice.value) {
          hint.textContent = items[i].getAttribute("data-hint");
          return;
        }
      }
      hint.textContent = "";
    });
  });

  /* --- second confirmation of a Severe or Extreme alert ----------------------------------------------------- */
  var tick = document.querySelector("[data-confirm-severe]");
  var publish = document.querySelector("#publish-button[data-needs-confirmation]");
  if (tick && publish) {
    var follow = function () { publish.disabled = !tick.checked; };
    tick.addEventListener("change", follow);
    follow();
  }

  /* --- autosave ----------------------------------------------------------------------------------------------- */
  if (!form || !form.getAttribute("data-autosave-url") || !window.fetch) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var token = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var SKIP = { csrf_token: true, form_nonce: true, idempotency_key: true, confirmation: true, action: true };
  var DELAY_MS = 3000;
  var timer = null;
  var dirty = false;
  var sent = false;  // the form itself was sent: what it carried is handled by the server

  function fields() {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.disabled || el.type === "submit" || el.type === "button") { return; }
      if (el.type === "checkbox" || el.type === "radio") { return; }
      if (el.type === "select-multiple") {
        found[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        found[el.name] = el.value;
      }
    });
    return found;
  }

  function say(text) { if (status) { status.textContent = text; } }

  function save(leaving) {
    window.clearTimeout(timer);
    timer = null;
    if (!dirty || sent) { return; }
    dirty = false;
    fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "X-Requested-With": "fetch" },
      body: JSON.stringify({ fields: fields() })
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (body) {
        if (answer.ok && body.saved_at) {
          say(_("Draft saved at %(time)s", { time: window.CMC.showTime(body.saved_at, "time") }));
        } else if (answer.status === 413) {
          say(_("Not saved: the draft is too large."));
        } else {
          dirty = true;
          say(_("Not saved. It will be tried again."));
        }
      });
    }).catch(function () {
      dirty = true;
      if (!leaving) { say(_("Not saved. It will be tried again.")); }
    });
  }

  function changed() {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, DELAY_MS);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { sent = true; window.clearTimeout(timer); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });
  window.addEventListener("pagehide", function () { save(true); });
}());
