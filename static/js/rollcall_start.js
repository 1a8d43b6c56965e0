/* The start page of a roll call.
 *  - The preview of the chosen template's questions follows the select (without this script every preview is
 *    in the page and the chosen one shows).
 *  - The map (progressive enhancement; needs map.js, window.CMCMap): a click on a party's territory ticks or
 *    unticks its checkbox, and the territories are coloured as the checkboxes say. The checkboxes are what is
 *    sent and the map's twin; the server judges the choice anyway. */
(function () {
  "use strict";
  var select = document.getElementById("template_id");
  function showPreview() {
    document.querySelectorAll(".question-preview").forEach(function (preview) {
      preview.hidden = preview.getAttribute("data-template") !== select.value;
    });
  }
  if (select) {
    select.addEventListener("change", showPreview);
    showPreview();
  }

  var element = document.getElementById("rollcall-map");
  var helpers = window.CMCMap;
  var L = window.L;
  if (!element || !helpers || !L) { return; }
  var _ = window.CMC.gettext;
  var status = document.getElementById("rollcall-map-status");
  var boxes = {};
  document.querySelectorAll("input[name='parties']").forEach(function (box) { boxes[box.value] = box; });
  var territories = {};
  try { territories = JSON.parse(element.getAttribute("data-territories") || "{}") || {}; } catch (e) { territories = {}; }
  var codeOf = {};
  Object.keys(territories).forEach(function (code) {
    if (boxes[code]) { codeOf[String(territories[code])] = code; }  // only the parties that may be asked
  });
  var OFF = { fillColor: "#e9dfc4", fillOpacity: 1, color: "#5c4400", weight: 1, opacity: 1 };
  var layers = {};
  var map = helpers.newMap(element);

  function restyle() {
    Object.keys(layers).forEach(function (code) {
      layers[code].forEach(function (layer) { layer.setStyle(boxes[code].checked ? helpers.PARTY : OFF); });
    });
  }
  function labelOf(code) {
    var label = document.querySelector("label[for='" + boxes[code].id + "']");
    return label ? label.textContent : code;
  }
  function toggle(code) {
    var box = boxes[code];
    box.checked = !box.checked;
    restyle();
    if (status) {
      status.textContent = box.checked ? _("%(party)s will be asked.", { party: labelOf(code) })
                                       : _("%(party)s will not be asked.", { party: labelOf(code) });
    }
  }
  Object.keys(boxes).forEach(function (code) { boxes[code].addEventListener("change", restyle); });

  helpers.basemap(element.getAttribute("data-basemap")).then(function (features) {
    L.geoJSON(features, {
      style: function (feature) { return codeOf[String(feature.id)] ? helpers.PARTY : helpers.LAND; },
      onEachFeature: function (feature, layer) {
        var code = codeOf[String(feature.id)];
        if (!code) { layer.options.interactive = false; return; }
        (layers[code] = layers[code] || []).push(layer);
        layer.bindTooltip(code, { sticky: true });
        layer.on("click", function (event) { L.DomEvent.stopPropagation(event); toggle(code); });
      }
    }).addTo(map);
    restyle();
    element.setAttribute("data-ready", "1");
  }).catch(function () { helpers.failed(element); });
}());
