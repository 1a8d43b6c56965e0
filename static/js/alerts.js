/* Early alerts on every signed-in page: toasts, the navigation count, catching up after a dropped link,
 * and the live acknowledgement grid.
 *
 * Catching up: the tab keeps a cursor, the id of the last alert it has in publication order (sessionStorage,
 * per tab), and on every connect and reconnect asks `alerts:sync {after_id: cursor}`. An answer is one page (at most 500
 * alerts) with `has_more` and `next_after_id`; the client asks again from `next_after_id` until `has_more`
 * is false, so a long outage is caught up whole. A page is confirmed with one `alert:received {ids}`. A
 * refused or failed page is asked again after a pause (a rate limit passes); a dropped link restarts the
 * catch-up from the cursor at the next connect. Live alerts move the cursor only when the tab is caught up:
 * a live alert arriving during a catch-up must not make the pages between the cursor and it unreachable.
 * Duplicates are dropped by id, so nothing shows twice.
 *
 * Languages: an alert carries every current info block; a toast shows the block in the page's language
 * (`<html lang>`), else the first (the author's). `alert:translation {alert_id, info}` is a new or replaced
 * block of an alert already sent: it changes the text of a toast on screen, and is never a new alert (no
 * toast, no receipt, no count). */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var _ = window.CMC.gettext;
  var ngettext = window.CMC.ngettext;
  var body = document.body;
  var userId = body.getAttribute("data-user-id") || "0";
  var storeKey = "cmc-alert-last-" + userId;
  // The tab's own cursor wins: alerts published while the tab was elsewhere are caught up.
  // A tab's first page starts from the newest alert already on the page (no toasts for old alerts).
  var pageLatest = Number(body.getAttribute("data-last-alert-id") || 0);
  var stored = window.sessionStorage.getItem(storeKey);
  var lastId = stored === null ? pageLatest : Number(stored);
  if (stored === null) { window.sessionStorage.setItem(storeKey, String(lastId)); }
  var seen = {};
  var toasts = document.getElementById("alert-toasts");
  var SYMBOL = { Extreme: "\u26a0", Severe: "\u26a0", Moderate: "\u25b2", Minor: "\u25cf", Unknown: "?" };
  // CAP's codes as the reader's language writes them (the same words the pages use).
  var WORDS = {
    Extreme: _("Extreme"), Severe: _("Severe"), Moderate: _("Moderate"), Minor: _("Minor"), Unknown: _("Unknown"),
    Exercise: _("Exercise"), System: _("System"), Test: _("Test"), Draft: _("Draft"),
    Update: _("Update"), Cancel: _("Cancel")
  };
  function word(code) { return WORDS[code] || code; }
  var pageLanguage = (document.documentElement.getAttribute("lang") || "en").split("-")[0];
  var known = {};  // alert id -> the alert as received, so a later translation can change its toast

  function blockOf(alert) {
    var infos = alert.infos || [];
    for (var i = 0; i < infos.length; i += 1) {
      if (infos[i].language === pageLanguage) { return infos[i]; }
    }
    return infos[0] || {};
  }
  // More missed alerts than this after a catch-up are summed up in one toast rather than one toast each.
  var MAX_CATCH_UP_TOASTS = 5;
  var RETRY_MS = 2000;
  var catchingUp = false;
  var generation = 0;
  var missed = [];  // caught up but not shown yet: shown together when the catch-up ends
  var pagesRead = 0;

  function advance(id) {
    // The cursor is the last alert in publication order, not the highest id: a draft approved late keeps
    // its low id, and must not be skipped (nor make the tab ask again for everything after it).
    lastId = id;
    window.sessionStorage.setItem(storeKey, String(lastId));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // The handling code as the pages' tag draws it (templates/macros/handling.html): the code, and the 4x4
  // evaluation when there is one. The codes are protocol values, the same in every language.
  var HANDLING_CLASS = { H1: "text-bg-warning", H2: "text-bg-danger", H3: "text-bg-info" };
  function handlingTag(parent, handling) {
    var code = (handling && handling.code) || "H0";
    var wrap = el("span", "alert-toast-handling");
    wrap.appendChild(el("span", "badge handling-tag handling-" + code.toLowerCase() + " " +
      (HANDLING_CLASS[code] || "text-bg-light border"), code));
    if (handling && (handling.source_reliability || handling.info_accuracy)) {
      wrap.appendChild(document.createTextNode(" "));
      wrap.appendChild(el("span", ["badge", "text-bg-light", "border", "handling-evaluation"].join(" "),
        (handling.source_reliability || "-") + (handling.info_accuracy || "-")));
    }
    parent.appendChild(wrap);
  }

  function show(alert) {
    var info = blockOf(alert);
    var severity = info.severity || "Unknown";
    var urgent = severity === "Extreme" || severity === "Severe";
    var toast = el("div", "alert-toast severity-" + severity.toLowerCase());
    toast.setAttribute("data-alert-id", String(alert.id));
    var head = el("div", "d-flex justify-content-between align-items-start gap-2");
    var title = el("p", "mb-1 fw-semibold");
    title.appendChild(el("span", "severity-badge", SYMBOL[severity] + " " + word(severity)));
    if (alert.status !== "Actual") { title.appendChild(el("span", "badge text-bg-dark ms-1", word(alert.status))); }
    if (alert.msg_type !== "Alert") { title.appendChild(el("span", "badge text-bg-secondary ms-1", word(alert.msg_type))); }
    title.appendChild(document.createTextNode(" "));
    handlingTag(title, alert.handling);
    title.appendChild(document.createTextNode(" "));
    var headline = el("span", "alert-toast-headline", info.headline || "");
    if (info.language) { headline.setAttribute("lang", info.language); }
    title.appendChild(headline);
    head.appendChild(title);
    var close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", _("Dismiss alert"));
    close.addEventListener("click", function () { toast.remove(); });
    head.appendChild(close);
    toast.appendChild(head);
    toast.appendChild(el("p", "small mb-2", alert.network.name + " \u00b7 " + alert.sender_party));
    var actions = el("div", "d-flex gap-2");
    var open = el("a", "btn btn-sm btn-light", _("Open"));
    // Through the notification centre: the alert's notification is marked read, then the alert opens.
    open.href = "/notifications/alert/" + alert.id + "/open";
    actions.appendChild(open);
    if (alert.msg_type !== "Cancel") {
      var ack = el("button", "btn btn-sm btn-dark", _("Acknowledge"));
      ack.type = "button";
      ack.addEventListener("click", function () {
        window.CMCLive.socket.emit("alert:ack", { id: alert.id }, function (answer) {
          if (answer && answer.ok) {
            ack.textContent = _("Acknowledged");
            ack.disabled = true;
            if (window.CMCParts) { window.CMCParts.refresh(); }  // the count and home's list, from the server
          } else {
            ack.textContent = (answer && answer.message) || _("Could not acknowledge");
          }
        });
      });
      actions.appendChild(ack);
    }
    toast.appendChild(actions);
    toasts.appendChild(toast);
    // Severe and Extreme are announced at once and stay until dismissed; the rest arrive politely.
    var announcer = document.getElementById(urgent ? "alert-announcer-urgent" : "alert-announcer");
    announcer.textContent = _("%(severity)s alert: %(headline)s", { severity: word(severity), headline: info.headline || "" });
    if (!urgent) { window.setTimeout(function () { toast.remove(); }, 20000); }
  }

  function accept(alert) {
    // Counts and tells the page's other scripts; the caller shows it (a toast, or a catch-up summary).
    seen[alert.id] = true;
    known[alert.id] = alert;
    // The navigation count and home's list follow from the event (parts.js asks the server for them).
    document.dispatchEvent(new CustomEvent("cmc:alert", { detail: alert }));
  }

  function receive(alert) {
    if (!alert || typeof alert.id !== "number" || seen[alert.id]) { return; }
    accept(alert);
    show(alert);
    if (!catchingUp) { advance(alert.id); }
    window.CMCLive.socket.emit("alert:received", { id: alert.id }, function () {});
  }

  function summarise(list) {
    var urgent = list.filter(function (alert) {
      var severity = (alert.infos[0] || {}).severity;
      return severity === "Extreme" || severity === "Severe";
    }).length;
    var text = urgent ?
      ngettext("%(num)d alert arrived while you were away (%(urgent)d Severe or Extreme).",
        "%(num)d alerts arrived while you were away (%(urgent)d Severe or Extreme).", list.length, { urgent: urgent }) :
      ngettext("%(num)d alert arrived while you were away.", "%(num)d alerts arrived while you were away.", list.length);
    var toast = el("div", "alert-toast alert-catch-up" + (urgent ? " severity-severe" : ""));
    toast.setAttribute("data-count", String(list.length));
    var head = el("div", "d-flex justify-content-between align-items-start gap-2");
    head.appendChild(el("p", "mb-1 fw-semibold", text));
    var close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", _("Dismiss"));
    close.addEventListener("click", function () { toast.remove(); });
    head.appendChild(close);
    toast.appendChild(head);
    var open = el("a", "btn btn-sm btn-light", _("See the alerts"));
    open.href = "/alerts";
    toast.appendChild(open);
    toasts.appendChild(toast);
    document.getElementById(urgent ? "alert-announcer-urgent" : "alert-announcer").textContent = text;
  }

  function sync() {
    // Every connect starts a catch-up from the cursor; one still running from before a dropped link is
    // superseded (its answers, if any come, are ignored), so a catch-up never waits on a lost answer.
    generation += 1;
    var mine = generation;
    var socket = window.CMCLive.socket;
    catchingUp = true;

    function page(afterId) {
      if (mine !== generation || !socket.connected) { return; }  // the next connect starts again
      socket.emit("alerts:sync", { after_id: afterId }, function (answer) {
        if (mine !== generation) { return; }
        if (!answer || !answer.ok) {
          if (answer && answer.error === "unauthenticated") { catchingUp = false; return; }
          window.setTimeout(function () { page(afterId); }, RETRY_MS);  // rate limited or a passing error
          return;
        }
        answer.alerts.forEach(function (alert) {
          if (!seen[alert.id]) { accept(alert); missed.push(alert); }
        });
        if (answer.alerts.length) {
          socket.emit("alert:received", { ids: answer.alerts.map(function (a) { return a.id; }) }, function () {});
        }
        advance(answer.next_after_id);
        pagesRead += 1;
        if (answer.has_more) { page(answer.next_after_id); return; }
        catchingUp = false;
        var shown = missed;
        missed = [];
        if (shown.length > MAX_CATCH_UP_TOASTS) { summarise(shown); } else { shown.forEach(show); }
      });
    }
    page(lastId);
  }

  function translated(event) {
    // A block in one language was added or replaced. Only the text of what is already shown changes.
    if (!event || !event.info || !known[event.alert_id]) { return; }
    var alert = known[event.alert_id];
    alert.infos = (alert.infos || []).filter(function (info) { return info.language !== event.info.language; });
    alert.infos.push(event.info);
    var info = blockOf(alert);
    var nodes = toasts.querySelectorAll('.alert-toast[data-alert-id="' + String(alert.id) + '"] .alert-toast-headline');
    Array.prototype.forEach.call(nodes, function (node) {
      node.textContent = info.headline || "";
      node.setAttribute("lang", info.language || "");
    });
  }

  window.CMCLive.on("connect", sync);
  window.CMCLive.on("alert:translation", translated);
  window.CMCLive.on("alert:new", receive);
  window.CMCLive.on("alert:update", receive);
  /* The acknowledgement grid (templates/alerts/_grid.html). A pushed row (alert:ack) or a row of the API's
   * grid changes its party's line; the summary ("1 of 2 acknowledged") is counted again from the lines, so it
   * always says what the table shows. Durations in the same words as cmc/services/alerts/grid.py. */
  function durationWords(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) { return _("less than a minute"); }
    if (minutes < 60) { return ngettext("%(num)d minute", "%(num)d minutes", minutes); }
    var hours = Math.floor(minutes / 60);
    var larger, smaller = "";
    if (hours < 24) {
      larger = ngettext("%(num)d hour", "%(num)d hours", hours);
      if (minutes % 60) { smaller = ngettext("%(num)d minute", "%(num)d minutes", minutes % 60); }
    } else {
      larger = ngettext("%(num)d day", "%(num)d days", Math.floor(hours / 24));
      if (hours % 24) { smaller = ngettext("%(num)d hour", "%(num)d hours", hours % 24); }
    }
    return smaller ? _("%(larger)s %(smaller)s", { larger: larger, smaller: smaller }) : larger;
  }

  function delayWords(seconds) {
    return seconds === null || seconds === undefined ? "" : _("after %(duration)s", { duration: durationWords(seconds) });
  }

  function gridSection() { return document.getElementById("ack-grid-section"); }

  function updateSummary() {
    var text = document.getElementById("ack-summary-text");
    var grid = document.getElementById("ack-grid");
    if (!text || !grid) { return; }
    var lines = grid.querySelectorAll('tbody tr[data-expected="true"]');
    var expected = lines.length, acknowledged = 0, overdue = 0;
    Array.prototype.forEach.call(lines, function (line) {
      if (line.getAttribute("data-state") === "acknowledged") { acknowledged += 1; }
      if (line.getAttribute("data-overdue") === "true") { overdue += 1; }
    });
    var words = overdue ?
      ngettext("%(acknowledged)d of %(num)d acknowledged, %(overdue)d overdue",
        "%(acknowledged)d of %(num)d acknowledged, %(overdue)d overdue", expected,
        { acknowledged: acknowledged, overdue: overdue }) :
      ngettext("%(acknowledged)d of %(num)d acknowledged", "%(acknowledged)d of %(num)d acknowledged", expected,
        { acknowledged: acknowledged });
    if (text.textContent !== words) { text.textContent = words; }
    var bar = document.getElementById("ack-progress");
    if (bar) {
      bar.max = expected;
      bar.value = acknowledged;
      bar.textContent = (expected ? Math.round(100 * acknowledged / expected) : 0) + "%";
    }
    var remind = document.getElementById("remind-button");
    if (remind && acknowledged === expected) {
      remind.closest("form").remove();
    } else if (remind) {
      remind.textContent = ngettext("Remind the missing party now", "Remind the %(num)d missing parties now",
        expected - acknowledged);
    }
  }

  function applyRow(gridRow) {
    var section = gridSection();
    var row = section && section.querySelector('[data-party="' + gridRow.party + '"]');
    if (!row) { return; }
    var when = window.CMC.showTime;
    var state = gridRow.acknowledged_at ? "acknowledged" : (gridRow.delivered_at ? "delivered" : "missing");
    var acknowledgedBy = gridRow.acknowledged_at ?
      _("Acknowledged by %(who)s at %(when)s", { who: gridRow.acknowledged_by, when: when(gridRow.acknowledged_at) }) : "";
    var wasAcknowledged = row.getAttribute("data-state") === "acknowledged";
    row.setAttribute("data-state", state);
    if (row.getAttribute("data-expected") !== "true") {  // a party not expected: its grey line says who acknowledged
      row.querySelector(".ack-who").textContent = acknowledgedBy ? "; " + acknowledgedBy : "";
      return;
    }
    row.querySelector(".delivered").textContent = gridRow.delivered_at ?
      _("Delivered %(when)s", { when: when(gridRow.delivered_at) }) : _("Not delivered yet");
    row.querySelector(".opened").textContent = gridRow.opened_at ?
      _("Opened %(when)s", { when: when(gridRow.opened_at) }) : _("Not opened yet");
    row.querySelector(".ack-who").textContent = acknowledgedBy || _("Not acknowledged yet");
    row.querySelector(".ack-delay").textContent = delayWords(gridRow.delay_seconds);
    row.setAttribute("data-overdue", gridRow.overdue ? "true" : "false");
    row.querySelector(".overdue-tag").classList.toggle("d-none", !gridRow.overdue);
    // A party that just acknowledged moves down, below the parties still missing.
    if (state === "acknowledged" && !wasAcknowledged) { row.parentNode.appendChild(row); }
    updateSummary();
  }

  window.CMCLive.on("alert:ack", function (event) {
    var section = gridSection();
    if (!section || Number(section.getAttribute("data-alert-id")) !== event.alert_id) { return; }
    applyRow(event.row);
  });

  // After a (re)connect the grid catches up on what changed while the link was down.
  function refreshGrid() {
    var section = gridSection();
    if (!section) { return; }
    fetch("/api/v1/alerts/" + section.getAttribute("data-alert-id") + "/grid", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) { (data.items || []).forEach(applyRow); })
      .catch(function () { /* the next reconnect tries again */ });
  }
  window.CMCLive.on("connect", refreshGrid);
  if (window.CMCLive.socket.connected) { sync(); }

  window.CMCAlerts = {
    lastId: function () { return lastId; },
    seen: seen,
    catchingUp: function () { return catchingUp; },
    pages: function () { return pagesRead; }
  };
}());

/* In-app notifications (a draft waiting for approval, an agenda that changed, an overdue acknowledgement):
 * announced politely and shown briefly, each a link to the stored notification (opening it marks it read); the
 * bell's count comes from the server (parts.js asks /parts on every notification). */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var box = document.getElementById("alert-toasts");
  window.CMCLive.on("notification", function (note) {
    if (!note || !note.text || !box) { return; }
    var toast = document.createElement("div");
    toast.className = "alert-toast notification-toast";
    toast.setAttribute("data-kind", String(note.kind || ""));
    var link = document.createElement(note.url ? "a" : "span");
    link.className = "notification-toast-link";
    link.textContent = note.text;
    if (note.url) {
      link.href = note.url;
      link.setAttribute("data-notification-id", String(note.id));
    }
    toast.appendChild(link);
    box.appendChild(toast);
    var announcer = document.getElementById("alert-announcer");
    if (announcer) { announcer.textContent = note.text; }
    window.setTimeout(function () { toast.remove(); }, 15000);
  });
}());
