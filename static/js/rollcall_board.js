/* The live board of a roll call (templates/rollcalls/board.html, <main data-roll-call-id data-board-url>).
 *
 * The map colours each asked party's territory by its status (window.CMCMap's basemap and helpers; the tables
 * are its twin, and say the same in words). On each `rollcall:update` for this roll call (cmc/services/
 * rollcalls/live.py) and after a dropped link comes back, the page asks the server once for the board's parts
 * (/rollcalls/<id>/board-part: the state, deadline, handling statement, counts, parties, timeline and
 * changes rendered from the page's own templates, and the map's colours) and puts them in; events arriving
 * together make one request. The script never counts on its own. What changed is said politely in the page's
 * live region. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var id = main && main.getAttribute("data-roll-call-id");
  var url = main && main.getAttribute("data-board-url");
  if (!id || !url) { return; }
  var region = document.getElementById("board-announce");
  // The swatches' colours (static/css/rollcall.css), so that the legend reads the map.
  var COLOURS = { not_affected: "#1e6b35", affected_coping: "#7a4f00", assistance_needed: "#a4161a",
                  missing: "#5c636a" };
  var map = null;
  var features = null;
  var layer = null;
  var timer = null;
  var running = false;
  var again = false;

  function readItems() {
    var holder = document.getElementById("board-map-data");
    try { return JSON.parse(holder ? holder.textContent : "[]") || []; } catch (error) { return []; }
  }

  /* Colour each asked party's territory; a small island also gets a ring in its colour, so it is seen at the
   * scale of the whole sea. Hovering a territory names the party and its status in words. */
  function paint(items) {
    if (!map || !features) { return; }
    var byFeature = {};
    items.forEach(function (item) { if (item.feature) { byFeature[String(item.feature)] = item; } });
    if (layer) { map.removeLayer(layer); }
    layer = window.L.featureGroup();
    window.L.geoJSON(features, {
      style: function (feature) {
        var item = byFeature[String(feature.id)];
        if (!item) { return window.CMCMap.LAND; }
        return { fillColor: COLOURS[item.status], fillOpacity: 0.85, color: "#212529", weight: 1.2, opacity: 1 };
      },
      onEachFeature: function (feature, shape) {
        var item = byFeature[String(feature.id)];
        if (!item) { return; }
        shape.bindTooltip(item.name + ": " + item.word);
        var own = shape.getBounds();
        if (own.getNorthEast().distanceTo(own.getSouthWest()) < 150000) {
          window.L.circleMarker(own.getCenter(), { radius: 8, color: COLOURS[item.status], weight: 3, fill: false })
            .bindTooltip(item.name + ": " + item.word).addTo(layer);
        }
      }
    }).addTo(layer);
    layer.addTo(map);
  }

  function drawMap() {
    var element = document.getElementById("board-map");
    if (!element || !window.CMCMap || !window.L) { return; }
    window.CMCMap.basemap(element.getAttribute("data-basemap")).then(function (loaded) {
      features = loaded;
      map = window.CMCMap.newMap(element);
      paint(readItems());
    }).catch(function () { window.CMCMap.failed(element); });
  }

  function put(answer) {
    Object.keys(answer.parts || {}).forEach(function (name) {
      var holder = main.querySelector('[data-board-part="' + name + '"]');
      if (!holder || holder.getAttribute("data-rendered") === answer.parts[name]) { return; }
      holder.innerHTML = answer.parts[name];  // rendered by the server from the page's templates (escaped there)
      holder.setAttribute("data-rendered", answer.parts[name]);
    });
    var data = document.getElementById("board-map-data");
    if (data) { data.textContent = JSON.stringify(answer.map || []); }
    paint(answer.map || []);
    if (region && answer.announce && region.textContent !== answer.announce) { region.textContent = answer.announce; }
    // The organiser's panel (not a live part: its forms must not be redrawn under the hand) says the count too.
    var panelCount = document.getElementById("after-answered");
    if (panelCount && answer.announce) { panelCount.textContent = answer.announce; }
  }

  function refresh() {
    if (running) { again = true; return; }
    running = true;
    window.fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { put(answer); } })
      .catch(function () { /* Offline: the board stays as it was; the reconnection asks again. */ })
      .then(function () {
        running = false;
        if (again) { again = false; refresh(); }
      });
  }

  function soon() {
    // A burst of answers (many parties at once) makes one request.
    if (timer) { return; }
    timer = window.setTimeout(function () { timer = null; refresh(); }, 400);
  }

  drawMap();
  if (!window.CMCLive) { return; }
  window.CMCLive.on("rollcall:update", function (event) {
    if (event && String(event.id) === id) { soon(); }
  });
  var first = true;
  window.CMCLive.on("connect", function () {
    // After a dropped link, what was missed is read again (not on the first connection: the page is fresh).
    if (first) { first = false; return; }
    soon();
  });
}());
