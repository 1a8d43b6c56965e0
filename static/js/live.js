/* Live connection of every signed-in page (Socket.IO over websockets).
 * The server decides rooms from the session; this client only connects, reconnects with backoff,
 * and shows the state discreetly. Later features subscribe through window.CMCLive.on(event, handler). */
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }
  var boxes = document.querySelectorAll(".live-status");
  var _ = window.CMC.gettext;
  var words = { online: _("Live"), offline: _("Offline - reconnecting"), connecting: _("Connecting") };

  function show(state) {
    boxes.forEach(function (box) {
      var label = box.querySelector(".live-label");
      box.setAttribute("data-state", state);
      if (label) { label.textContent = words[state]; }
      box.setAttribute("title", _("Live connection: %(state)s", { state: words[state] }));
    });
  }

  var socket = io({
    transports: ["websocket"],
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 30000,
    randomizationFactor: 0.5
  });
  socket.on("connect", function () { show("online"); });
  socket.on("disconnect", function (reason) {
    show("offline");
    // The server dropped us (signed out, session ended elsewhere): the page is no longer valid.
    if (reason === "io server disconnect") {
      window.setTimeout(function () { window.location.reload(); }, 500);
    }
  });
  socket.on("connect_error", function () { show("offline"); });
  socket.io.on("reconnect_attempt", function () { show("connecting"); });

  window.CMCLive = {
    socket: socket,
    on: function (event, handler) { socket.on(event, handler); }
  };
}());
