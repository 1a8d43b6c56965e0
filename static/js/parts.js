/* The parts of a page that follow alert events: home's "What needs you", the activity feeds, a workspace's
 * active alerts, the navigation count and the bell's unread notifications (cmc/web/live_parts.py).
 *
 * On every alert event (new, update, cancel: alerts.js's "cmc:alert"; an acknowledgement: "alert:ack") and
 * after a dropped link comes back, the page asks /parts once for all the parts it shows and puts in what the
 * server rendered: the count and the lists come from one answer, so they agree with each other and with the
 * server at every moment. Events arriving together make one request. The script never counts on its own.
 * A part with a data-src (the alerts list, with its filters and page) is taken from that page read again. */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var url = document.body.getAttribute("data-parts-url");
  if (!url) { return; }
  var all = Array.prototype.slice.call(document.querySelectorAll("[data-live-part]"));
  var holders = all.filter(function (holder) { return !holder.hasAttribute("data-src"); });
  var pages = all.filter(function (holder) { return holder.hasAttribute("data-src"); });
  var HEADERS = { "X-Requested-With": "fetch" };
  var ngettext = window.CMC.ngettext;
  var timer = null;
  var running = false;
  var again = false;

  function query() {
    var params = new URLSearchParams();
    holders.forEach(function (holder) {
      params.append("part", holder.getAttribute("data-live-part"));
      var network = holder.getAttribute("data-network");
      if (network) { params.set("network", network); }
    });
    return params.toString();
  }

  function setCount(count) {
    ["alerts-count", "alerts-count-small"].forEach(function (id) {
      var badge = document.getElementById(id);
      if (!badge) { return; }
      badge.setAttribute("data-count", String(count));
      badge.firstChild.nodeValue = String(count);
      badge.classList.toggle("d-none", count === 0);
    });
  }

  function setBell(count) {
    // The bell's number (shown) and its words for screen readers, from the server's count.
    ["notifications-bell", "notifications-bell-small"].forEach(function (id) {
      var bell = document.getElementById(id);
      if (!bell) { return; }
      bell.setAttribute("data-count", String(count));
      var shown = bell.querySelector(".notification-count");
      shown.textContent = String(count);
      shown.classList.toggle("d-none", count === 0);
      bell.querySelector(".notification-label").textContent =
        ngettext("%(num)d unread notification", "%(num)d unread notifications", count);
    });
  }

  function put(holder, html) {
    if (typeof html !== "string" || holder.getAttribute("data-rendered") === html) { return; }
    var hadFocus = holder.contains(document.activeElement);
    holder.innerHTML = html;  // rendered by the server from the page's own templates (escaped there)
    holder.setAttribute("data-rendered", html);
    if (hadFocus) {  // keep a keyboard user where they were instead of dropping focus to the page
      holder.setAttribute("tabindex", "-1");
      holder.focus();
    }
  }

  function apply(answer) {
    setCount(Number(answer.waiting) || 0);
    setBell(Number(answer.unread) || 0);
    holders.forEach(function (holder) {
      put(holder, answer.parts && answer.parts[holder.getAttribute("data-live-part")]);
    });
    document.dispatchEvent(new CustomEvent("cmc:parts", { detail: answer }));
  }

  function reread(holder) {
    // The same page, read again with its filters and page number: its part as the server renders it now.
    return window.fetch(holder.getAttribute("data-src"), { credentials: "same-origin", headers: HEADERS })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector('[data-live-part="' + holder.getAttribute("data-live-part") + '"]');
        if (fresh) { put(holder, fresh.innerHTML); }
      });
  }

  function refresh() {
    if (running) { again = true; return; }
    running = true;
    var asked = [window.fetch(url + "?" + query(), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer) { apply(answer); }
    })].concat(pages.map(reread));
    Promise.all(asked).catch(function () {
      // Offline: the next event or the reconnection asks again.
    }).then(function () {
      running = false;
      if (again) { again = false; schedule(); }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  document.addEventListener("cmc:alert", schedule);
  window.CMCLive.on("alert:ack", schedule);
  window.CMCLive.on("notification", schedule);  // a stored notification: the bell's count from the server
  window.CMCLive.socket.io.on("reconnect", schedule);
  window.CMCParts = { refresh: schedule };
}());
