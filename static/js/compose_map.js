/* The compose page's map: draw the alert's circle or polygon, and click the parties it affects.
 *
 * The text fields under the map (affected parties, circle "lat,lon radius_km", polygon "lat,lon lat,lon ...")
 * stay what is sent and the accessible twin: the map writes them, and redraws when they are typed in. Tools:
 *  - "Draw a circle": a first click places the centre, a second the edge (the radius);
 *  - "Draw a polygon": each click adds a corner; "Close the polygon" (three corners or more) closes it;
 *  - a click on a party's territory (outside a drawing) adds or removes it from the affected parties.
 * A point outside the Caribbean is warned about, not refused (an alert may concern a route from elsewhere).
 * The server checks everything again (services/alerts/compose.py). Needs map.js (window.CMCMap). */
(function () {
  "use strict";
  var element = document.getElementById("compose-map");
  var helpers = window.CMCMap;
  var L = window.L;
  if (!element || !helpers || !L) { return; }
  var _ = window.CMC.gettext;
  var fields = {
    circle: document.getElementById("circle"),
    polygon: document.getElementById("polygon"),
    parties: document.getElementById("geocodes"),
    severity: document.getElementById("severity")
  };
  var status = document.getElementById("compose-map-status");
  var buttons = {
    circle: document.getElementById("map-draw-circle"),
    polygon: document.getElementById("map-draw-polygon"),
    close: document.getElementById("map-close-polygon"),
    clear: document.getElementById("map-clear")
  };
  var territories = {};  // party code -> basemap feature id
  try { territories = JSON.parse(element.getAttribute("data-territories") || "{}") || {}; } catch (e) { territories = {}; }
  var codeOf = {};
  Object.keys(territories).forEach(function (code) { codeOf[String(territories[code])] = code; });
  var bounds = L.latLngBounds(helpers.CARIBBEAN);
  var map = helpers.newMap(element);
  var drawn = L.layerGroup().addTo(map);
  var sketch = L.layerGroup().addTo(map);
  var partyLayers = {};
  var tool = null;
  var points = [];

  function say(text) { if (status) { status.textContent = text; } }
  function round(value, places) { var f = Math.pow(10, places); return Math.round(value * f) / f; }
  function pointText(latlng) { return round(latlng.lat, 4) + "," + round(latlng.lng, 4); }
  function colour() { return helpers.colour(fields.severity ? fields.severity.value : "Unknown"); }
  function style() { return { color: colour(), weight: 2.5, fillColor: colour(), fillOpacity: 0.18, interactive: false }; }

  function outside(latlngs) {
    return latlngs.some(function (point) { return !bounds.contains(point); });
  }
  function warnIfOutside(latlngs) {
    if (outside(latlngs)) {
      say(_("This point is outside the Caribbean shown on the map. Check it: the alert is still accepted."));
    }
  }

  function selected() {
    var chosen = {};
    if (fields.parties) {
      Array.prototype.forEach.call(fields.parties.options, function (option) {
        if (option.selected) { chosen[option.value] = true; }
      });
    }
    return chosen;
  }

  function restyleParties() {
    var chosen = selected();
    Object.keys(partyLayers).forEach(function (code) {
      partyLayers[code].forEach(function (layer) {
        layer.setStyle(chosen[code] ? helpers.PARTY : { fillColor: "#e9dfc4", fillOpacity: 1, color: "#5c4400",
                                                         weight: 1, opacity: 1 });
      });
    });
  }

  function toggleParty(code) {
    if (!fields.parties) { return; }
    var option = Array.prototype.find.call(fields.parties.options, function (o) { return o.value === code; });
    if (!option) { return; }
    option.selected = !option.selected;
    fields.parties.dispatchEvent(new Event("change", { bubbles: true }));
    say(option.selected ? _("%(party)s added to the affected parties.", { party: option.text })
                        : _("%(party)s removed from the affected parties.", { party: option.text }));
  }

  /* The circle and polygon as the fields say (what the server will read). */
  function parsePoint(text) {
    var parts = (text || "").split(",");
    if (parts.length !== 2) { return null; }
    var lat = Number(parts[0]), lon = Number(parts[1]);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) { return null; }
    return L.latLng(lat, lon);
  }
  function redraw() {
    drawn.clearLayers();
    var circle = (fields.circle && fields.circle.value.trim().split(/\s+/)) || [];
    if (circle.length === 2) {
      var centre = parsePoint(circle[0]);
      var radius = Number(circle[1]);
      if (centre && radius > 0 && radius <= 5000) { L.circle(centre, Object.assign({ radius: radius * 1000 }, style())).addTo(drawn); }
    }
    var corners = (fields.polygon && fields.polygon.value.trim().split(/\s+/).map(parsePoint)) || [];
    if (corners.length >= 4 && corners.every(Boolean)) { L.polygon(corners.slice(0, -1), style()).addTo(drawn); }
  }

  function setField(field, value) {
    if (!field) { return; }
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));  // the autosave and the redraw follow
  }

  function stop(message) {
    tool = null;
    points = [];
    sketch.clearLayers();
    element.classList.remove("map-drawing");
    Object.keys(buttons).forEach(function (key) { if (buttons[key]) { buttons[key].setAttribute("aria-pressed", "false"); } });
    if (buttons.close) { buttons.close.disabled = true; }
    if (message) { say(message); }
  }

  function start(kind) {
    stop();
    tool = kind;
    element.classList.add("map-drawing");
    buttons[kind].setAttribute("aria-pressed", "true");
    say(kind === "circle" ? _("Click the centre of the circle, then a point on its edge.")
                          : _("Click each corner of the area, then “Close the polygon”."));
  }

  function onClick(event) {
    if (tool === "circle") {
      points.push(event.latlng);
      if (points.length === 1) {
        L.circleMarker(event.latlng, { radius: 4, color: colour(), interactive: false }).addTo(sketch);
        say(_("Now click a point on the edge of the circle."));
        return;
      }
      var radiusKm = Math.max(0.1, round(points[0].distanceTo(points[1]) / 1000, 1));
      setField(fields.circle, pointText(points[0]) + " " + radiusKm);
      var centre = points[0];
      stop(_("Circle of %(km)s km drawn; its text is in the Circle field.", { km: String(radiusKm) }));
      warnIfOutside([centre]);
      return;
    }
    if (tool === "polygon") {
      points.push(event.latlng);
      sketch.clearLayers();
      L.polyline(points, { color: colour(), weight: 2, dashArray: "4 4", interactive: false }).addTo(sketch);
      points.forEach(function (p) { L.circleMarker(p, { radius: 3, color: colour(), interactive: false }).addTo(sketch); });
      if (buttons.close) { buttons.close.disabled = points.length < 3; }
      say(_("%(n)s corners. Add more, or close the polygon.", { n: String(points.length) }));
    }
  }

  function closePolygon() {
    if (tool !== "polygon" || points.length < 3) { return; }
    var ring = points.concat([points[0]]);
    var corners = points.slice();
    setField(fields.polygon, ring.map(pointText).join(" "));
    stop(_("Polygon of %(n)s corners drawn; its text is in the Polygon field.", { n: String(corners.length) }));
    warnIfOutside(corners);
  }

  function clear() {
    stop();
    setField(fields.circle, "");
    setField(fields.polygon, "");
    say(_("Circle and polygon cleared. The affected parties stay as they are."));
  }

  helpers.basemap(element.getAttribute("data-basemap")).then(function (features) {
    L.geoJSON(features, {
      style: function (feature) {
        var code = codeOf[String(feature.id)];
        return code ? Object.assign({ className: "map-party map-party-" + code }, helpers.PARTY) : helpers.LAND;
      },
      onEachFeature: function (feature, layer) {
        var code = codeOf[String(feature.id)];
        if (!code) { layer.options.interactive = false; return; }
        (partyLayers[code] = partyLayers[code] || []).push(layer);
        layer.bindTooltip(code, { sticky: true });
        layer.on("click", function (event) {
          if (tool) { onClick(event); return; }  // while drawing, a click on land is a point of the drawing
          L.DomEvent.stopPropagation(event);
          toggleParty(code);
        });
      }
    }).addTo(map);
    restyleParties();
    redraw();
    element.setAttribute("data-ready", "1");
  }).catch(function () { helpers.failed(element); });

  map.on("click", function (event) { if (tool) { onClick(event); } });
  buttons.circle.addEventListener("click", function () { if (tool === "circle") { stop(); } else { start("circle"); } });
  buttons.polygon.addEventListener("click", function () { if (tool === "polygon") { stop(); } else { start("polygon"); } });
  buttons.close.addEventListener("click", closePolygon);
  buttons.clear.addEventListener("click", clear);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && tool) { stop(_("Drawing stopped.")); }
  });
  ["circle", "polygon"].forEach(function (name) {
    if (fields[name]) { fields[name].addEventListener("input", redraw); }
  });
  if (fields.severity) { fields.severity.addEventListener("change", redraw); }
  if (fields.parties) { fields.parties.addEventListener("change", restyleParties); }
}());
