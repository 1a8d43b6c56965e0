/* Maps of alerts: the Caribbean basemap shipped with the platform (Natural Earth, static/vendor/world-atlas), drawn
 * with the vendored Leaflet; no tile layer, so no request ever leaves the site. Loaded only by the pages that show a
 * map (after leaflet.js and topojson-client.min.js).
 *
 * <div class="cmc-map" data-map="area" data-basemap="URL" data-area='{"circle":..,"polygon":..,"territories":[..]}'
 *      data-severity="Severe">: one alert's area (its page); the text beside it is the twin.
 * <div class="cmc-map" data-map="alerts" data-basemap="URL" data-items="#map-twin">: the active alerts of a list,
 *      read from the twin list's items (<li data-area data-severity data-href data-headline data-severity-label>),
 *      one marker each, linked to the alert, with its area drawn.
 * <div class="cmc-map" data-map="compose">: drawn by static/js/compose_map.js with the helpers of window.CMCMap.
 * Colours and symbols are those of the severity tags (templates/alerts/_macros.html, static/css/app.css). */
(function () {
  "use strict";
  var L = window.L;
  var topojson = window.topojson;
  var _ = window.CMC.gettext;
  if (!L || !topojson) { return; }

  /* What the map shows at first (south-west, north-east corners) and how far it lets people pan. */
  var CARIBBEAN = [[7.5, -89.5], [27.5, -58.5]];
  var LIMITS = [[-4, -104], [38, -42]];
  var COLOURS = { Extreme: "#6f1020", Severe: "#b02a37", Moderate: "#9a5b00", Minor: "#0b5a8a", Unknown: "#0b5a8a" };
  var SYMBOLS = { Extreme: "\u26a0", Severe: "\u26a0", Moderate: "\u25b2", Minor: "\u25cf", Unknown: "?" };
  var LAND = { fillColor: "#f3efe4", fillOpacity: 1, color: "#7d7566", weight: 0.6, opacity: 1 };
  var PARTY = { fillColor: "#ffd24d", fillOpacity: 1, color: "#5c4400", weight: 1.5, opacity: 1 };
  var basemaps = {};

  function basemap(url) {
    if (!basemaps[url]) {
      basemaps[url] = fetch(url, { credentials: "same-origin" }).then(function (answer) {
        if (!answer.ok) { throw new Error("basemap " + answer.status); }
        return answer.json();
      }).then(function (topology) {
        return topojson.feature(topology, topology.objects.countries).features;
      });
    }
    return basemaps[url];
  }

  function colour(severity) { return COLOURS[severity] || COLOURS.Unknown; }

  function newMap(element) {
    element.textContent = "";  // the words shown without JavaScript
    var map = L.map(element, {
      attributionControl: false, zoomControl: false, scrollWheelZoom: false, zoomSnap: 0.25,
      minZoom: 3, maxZoom: 10, maxBounds: LIMITS, maxBoundsViscosity: 0.8
    });
    L.control.zoom({ position: "topright", zoomInTitle: _("Zoom in"), zoomOutTitle: _("Zoom out") }).addTo(map);
    map.fitBounds(CARIBBEAN);
    return map;
  }

  /* The land, the affected parties' territories highlighted; a small territory also gets a ring, so that an
   * island of a few kilometres is seen at the scale of the whole sea. Returns the territories' bounds. */
  function drawLand(map, features, territories) {
    var wanted = {};
    territories.forEach(function (id) { wanted[String(id)] = true; });
    var bounds = L.latLngBounds([]);
    L.geoJSON(features, {
      interactive: false,
      style: function (feature) { return wanted[String(feature.id)] ? PARTY : LAND; },
      onEachFeature: function (feature, layer) {
        if (!wanted[String(feature.id)]) { return; }
        var own = layer.getBounds();
        bounds.extend(own);
        if (own.getNorthEast().distanceTo(own.getSouthWest()) < 150000) {
          L.circleMarker(own.getCenter(), { radius: 7, color: PARTY.color, weight: 2, fill: false,
                                            interactive: false }).addTo(map);
        }
      }
    }).addTo(map);
    return bounds;
  }

  /* The alert's circle and polygon; ``link``: clicking them opens the alert. Returns their layers. */
  function drawArea(map, area, severity, link) {
    var style = { color: colour(severity), weight: 2.5, fillColor: colour(severity), fillOpacity: 0.18,
                  interactive: Boolean(link) };
    var layers = [];
    if (area.circle) {
      layers.push(L.circle([area.circle.lat, area.circle.lon], Object.assign({ radius: area.circle.radius_km * 1000 },
                                                                               style)));
    }
    if (area.polygon && area.polygon.length >= 4) {
      layers.push(L.polygon(area.polygon.slice(0, -1), style));
    }
    layers.forEach(function (layer) {
      layer.addTo(map);
      if (link) { layer.on("click", function () { window.location.assign(link); }); }
    });
    return layers;
  }

  function readArea(element) {
    try {
      return JSON.parse(element.getAttribute("data-area") || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function failed(element) {
    var note = document.createElement("p");
    note.className = "map-failed";
    note.textContent = _("The map could not be loaded. The details in words say the same.");
    element.parentNode.insertBefore(note, element);
    element.hidden = true;
  }

  function areaMap(element) {
    var area = readArea(element);
    var severity = element.getAttribute("data-severity") || "Unknown";
    var map = newMap(element);
    basemap(element.getAttribute("data-basemap")).then(function (features) {
      var bounds = drawLand(map, features, area.territories || []);
      drawArea(map, area, severity, null).forEach(function (layer) { bounds.extend(layer.getBounds()); });
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 8, animate: false }); }
      element.setAttribute("data-ready", "1");
    }).catch(function () { failed(element); });
  }

  /* Where an alert's marker goes: its circle's centre, else its polygon's middle, else its first territory's. */
  function anchor(area, territoryCentres) {
    if (area.circle) { return L.latLng(area.circle.lat, area.circle.lon); }
    if (area.polygon && area.polygon.length >= 4) { return L.polygon(area.polygon.slice(0, -1)).getBounds().getCenter(); }
    var found = (area.territories || []).map(function (id) { return territoryCentres[String(id)]; }).filter(Boolean);
    return found.length ? found[0] : null;
  }

  function marker(item, position) {
    var severity = item.getAttribute("data-severity") || "Unknown";
    var link = document.createElement("a");
    link.className = "map-marker sev-" + (COLOURS[severity] ? severity : "Unknown");
    link.href = item.getAttribute("data-href");
    link.setAttribute("aria-label", (item.getAttribute("data-severity-label") || severity) + ": " +
                      (item.getAttribute("data-headline") || ""));
    var symbol = document.createElement("span");
    symbol.setAttribute("aria-hidden", "true");
    symbol.textContent = SYMBOLS[severity] || "?";
    link.appendChild(symbol);
    L.DomEvent.disableClickPropagation(link);
    return L.marker(position, { icon: L.divIcon({ html: link, className: "map-marker-icon", iconSize: [30, 30] }),
                                keyboard: false, interactive: false, title: "" });
  }

  function alertsMap(element) {
    var twin = document.querySelector(element.getAttribute("data-items"));
    var items = twin ? Array.prototype.slice.call(twin.querySelectorAll("[data-area]")) : [];
    var map = newMap(element);
    basemap(element.getAttribute("data-basemap")).then(function (features) {
      var territories = [];
      var areas = items.map(function (item) {
        var area = readArea(item);
        territories = territories.concat(area.territories || []);
        return area;
      });
      drawLand(map, features, territories);
      var centres = {};
      features.forEach(function (feature) {
        centres[String(feature.id)] = L.geoJSON(feature).getBounds().getCenter();
      });
      items.forEach(function (item, index) {
        var severity = item.getAttribute("data-severity") || "Unknown";
        drawArea(map, areas[index], severity, item.getAttribute("data-href"));
        var position = anchor(areas[index], centres);
        if (position) { marker(item, position).addTo(map); }
      });
      element.setAttribute("data-ready", "1");
    }).catch(function () { failed(element); });
  }

  /* For the compose page's map (static/js/compose_map.js), which draws and picks instead of showing. */
  window.CMCMap = { basemap: basemap, newMap: newMap, failed: failed, colour: colour, LAND: LAND, PARTY: PARTY,
                    CARIBBEAN: CARIBBEAN };

  Array.prototype.forEach.call(document.querySelectorAll(".cmc-map[data-map]"), function (element) {
    var kind = element.getAttribute("data-map");
    if (kind === "alerts") { alertsMap(element); } else if (kind === "area") { areaMap(element); }
  });
}());
