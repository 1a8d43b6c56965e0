/* The pages of a meeting (the meeting, a version, the builder: <main data-meeting-id>) tell their reader when
 * a new agenda version is published. The server sends `agenda:published` {meeting_id, version} to each reader
 * of the meeting (cmc/services/meetings/live.py); this page, when it is that meeting's, asks the server for the
 * notice (its change list in the reader's language) and puts it in the page's polite live region. */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var main = document.getElementById("main");
  var meeting = main && main.getAttribute("data-meeting-id");
  var region = document.getElementById("agenda-notice");
  if (!meeting || !region) { return; }
  var base = region.getAttribute("data-notice-base");
  // The newest version the page knows of: an event for it or an older one (repeated, late) shows nothing.
  var newest = Number(region.getAttribute("data-version")) || 0;

  window.CMCLive.on("agenda:published", function (event) {
    var number = Number(event && event.version);
    if (!event || String(event.meeting_id) !== meeting || !(number > newest)) { return; }
    newest = number;
    window.fetch(base + "/agenda/" + number + "/notice", {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      // Rendered by the server from meetings/_notice.html (every text escaped there), as parts.js does.
      if (html !== null && number === newest) { region.innerHTML = html; }
    }).catch(function () {
      // Offline: the page's agenda is still the one it showed; the next event asks again.
    });
  });

  region.addEventListener("click", function (event) {
    if (event.target.closest("[data-dismiss-notice]")) { region.textContent = ""; }
  });
}());
