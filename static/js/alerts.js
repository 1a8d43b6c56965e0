/* Early alerts on every signed-in page: toasts, the navigation count, catching up after a dropped link,
 * and the live acknowledgement grid.
 *
 * The client keeps the highest alert id it has seen (per tab) and asks `alerts:sync {after_id}` on every
 * connect and reconnect; it drops duplicates by id, so nothing is lost across a dropped link and nothing
 * shows twice. */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var body = document.body;
  var userId = body.getAttribute("data-user-id") || "0";
  var storeKey = "cmc-alert-last-" + userId;
  // The tab's own high-water mark wins: alerts published while the tab was elsewhere are caught up.
  // A tab's first page starts from the newest alert already on the page (no toasts for old alerts).
  var pageLatest = Number(body.getAttribute("data-last-alert-id") || 0);
  var stored = window.sessionStorage.getItem(storeKey);
  var lastId = stored === null ? pageLatest : Number(stored);
  if (stored === null) { window.sessionStorage.setItem(storeKey, String(lastId)); }
  var seen = {};
  var toasts = document.getElementById("alert-toasts");
  var SYMBOL = { Extreme: "\u26a0", Severe: "\u26a0", Moderate: "\u25b2", Minor: "\u25cf", Unknown: "?" };

  function remember(id) {
    seen[id] = true;
    if (id > lastId) {
      lastId = id;
      window.sessionStorage.setItem(storeKey, String(lastId));
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function bumpCount(delta) {
    var badge = document.getElementById("alerts-count");
    if (!badge) { return; }
    var n = Math.max(0, Number(badge.getAttribute("data-count") || 0) + delta);
    badge.setAttribute("data-count", String(n));
    badge.firstChild.nodeValue = String(n);
    badge.classList.toggle("d-none", n === 0);
  }

  function show(alert) {
    var info = alert.infos[0] || {};
    var severity = info.severity || "Unknown";
    var urgent = severity === "Extreme" || severity === "Severe";
    var toast = el("div", "alert-toast severity-" + severity.toLowerCase());
    toast.setAttribute("data-alert-id", String(alert.id));
    var head = el("div", "d-flex justify-content-between align-items-start gap-2");
    var title = el("p", "mb-1 fw-semibold");
    title.appendChild(el("span", "severity-badge", SYMBOL[severity] + " " + severity));
    if (alert.status !== "Actual") { title.appendChild(el("span", "badge text-bg-dark ms-1", alert.status)); }
    if (alert.msg_type !== "Alert") { title.appendChild(el("span", "badge text-bg-secondary ms-1", alert.msg_type)); }
    title.appendChild(document.createTextNode(" " + (info.headline || "")));
    head.appendChild(title);
    var close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss alert");
    close.addEventListener("click", function () { toast.remove(); });
    head.appendChild(close);
    toast.appendChild(head);
    toast.appendChild(el("p", "small mb-2", alert.network.name + " \u00b7 " + alert.sender_party));
    var actions = el("div", "d-flex gap-2");
    var open = el("a", "btn btn-sm btn-light", "Open");
    open.href = "/alerts/" + alert.id;
    actions.appendChild(open);
    if (alert.msg_type !== "Cancel") {
      var ack = el("button", "btn btn-sm btn-dark", "Acknowledge");
      ack.type = "button";
      ack.addEventListener("click", function () {
        window.CMCLive.socket.emit("alert:ack", { id: alert.id }, function (answer) {
          if (answer && answer.ok) {
            ack.textContent = "Acknowledged";
            ack.disabled = true;
            bumpCount(-1);
          } else {
            ack.textContent = (answer && answer.error) || "Could not acknowledge";
          }
        });
      });
      actions.appendChild(ack);
    }
    toast.appendChild(actions);
    toasts.appendChild(toast);
    // Severe and Extreme are announced at once and stay until dismissed; the rest arrive politely.
    var announcer = document.getElementById(urgent ? "alert-announcer-urgent" : "alert-announcer");
    announcer.textContent = severity + " alert: " + (info.headline || "");
    if (!urgent) { window.setTimeout(function () { toast.remove(); }, 20000); }
  }

  function receive(alert) {
    if (!alert || typeof alert.id !== "number" || seen[alert.id]) { return; }
    remember(alert.id);
    show(alert);
    // The page's count already includes alerts up to the newest it was rendered with.
    if (alert.msg_type === "Alert" && alert.id > pageLatest) { bumpCount(1); }
    window.CMCLive.socket.emit("alert:received", { id: alert.id }, function () {});
    document.dispatchEvent(new CustomEvent("cmc:alert", { detail: alert }));
  }

  function sync() {
    window.CMCLive.socket.emit("alerts:sync", { after_id: lastId }, function (answer) {
      if (answer && answer.ok) { answer.alerts.forEach(receive); }
    });
  }

  window.CMCLive.on("connect", sync);
  window.CMCLive.on("alert:new", receive);
  window.CMCLive.on("alert:update", receive);
  function applyRow(gridRow) {
    var grid = document.getElementById("ack-grid");
    var row = grid && grid.querySelector('tr[data-party="' + gridRow.party + '"]');
    if (!row) { return; }
    var when = function (value) { return value ? new Date(value).toLocaleString() : "\u2014"; };
    row.querySelector(".delivered").textContent = gridRow.delivered_at ? "Delivered " + when(gridRow.delivered_at) : "Not yet";
    row.querySelector(".opened").textContent = gridRow.opened_at ? "Opened " + when(gridRow.opened_at) : "Not yet";
    row.querySelector(".acknowledged").textContent = gridRow.acknowledged_at ?
      "Acknowledged by " + gridRow.acknowledged_by + " at " + when(gridRow.acknowledged_at) : "Not yet";
    row.setAttribute("data-state", gridRow.acknowledged_at ? "acknowledged" : (gridRow.delivered_at ? "delivered" : "missing"));
  }

  window.CMCLive.on("alert:ack", function (event) {
    var grid = document.getElementById("ack-grid");
    if (!grid || Number(grid.getAttribute("data-alert-id")) !== event.alert_id) { return; }
    applyRow(event.row);
  });

  // After a (re)connect the grid catches up on what changed while the link was down.
  function refreshGrid() {
    var grid = document.getElementById("ack-grid");
    if (!grid) { return; }
    fetch("/api/v1/alerts/" + grid.getAttribute("data-alert-id") + "/grid", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) { (data.items || []).forEach(applyRow); })
      .catch(function () { /* the next reconnect tries again */ });
  }
  window.CMCLive.on("connect", refreshGrid);
  if (window.CMCLive.socket.connected) { sync(); }

  window.CMCAlerts = { lastId: function () { return lastId; }, seen: seen };
}());

/* In-app notifications (a draft waiting for approval, an agenda that changed, an overdue acknowledgement):
 * announced politely and shown briefly. */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var box = document.getElementById("alert-toasts");
  window.CMCLive.on("notification", function (note) {
    if (!note || !note.text || !box) { return; }
    var toast = document.createElement("div");
    toast.className = "alert-toast notification-toast";
    toast.setAttribute("data-kind", String(note.kind || ""));
    toast.textContent = note.text;
    box.appendChild(toast);
    var announcer = document.getElementById("alert-announcer");
    if (announcer) { announcer.textContent = note.text; }
    window.setTimeout(function () { toast.remove(); }, 15000);
  });
}());
