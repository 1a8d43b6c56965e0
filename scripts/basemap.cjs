// Cut the Natural Earth 1:10m countries of world-atlas down to the Caribbean basemap the platform serves.
//
// Run by scripts/vendor.sh in its throw-away directory (where topojson-client, topojson-server and
// topojson-simplify are installed, integrity-checked, never served):
//   node basemap.cjs <modules dir> <countries-10m.json> <out caribbean.topo.json>
//
// 1. Every country of the world file becomes GeoJSON; each of its polygons is kept whole when it lies inside the
//    clip box (every island of every party does), dropped when it lies outside (the Netherlands in Europe),
//    and cut to the box when it crosses it (the mainland coasts around the sea: Florida, Mexico, Central and
//    South America).
// 2. The kept countries become one topology again (shared borders as shared arcs), simplified with
//    Visvalingam's method down to WEIGHT (square degrees), never below a triangle for an island, so that the
//    smallest islands (Saba, Montserrat) stay visible, then quantized to QUANTIZATION steps a side.
// Each country keeps its id (ISO 3166-1 numeric, as in world-atlas) and its name.
"use strict";

const fs = require("fs");
const path = require("path");

const [modules, source, out] = process.argv.slice(2);
const need = (name) => require(path.join(modules, "node_modules", name));
const client = need("topojson-client");
const server = need("topojson-server");
const simplify = need("topojson-simplify");

// West, south, east, north (degrees). The map shows about -90..-55, 7..28; the margin keeps the cut edges
// out of sight.
const BOX = [-94, 1, -52, 32];
const WEIGHT = 0.0002;
const QUANTIZATION = 20000;

function inside(point) {
  return point[0] >= BOX[0] && point[0] <= BOX[2] && point[1] >= BOX[1] && point[1] <= BOX[3];
}

// Sutherland-Hodgman: a ring cut to one edge of the box at a time.
function clipRing(ring) {
  const edges = [
    [(p) => p[0] >= BOX[0], (a, b) => cross(a, b, 0, BOX[0])],
    [(p) => p[0] <= BOX[2], (a, b) => cross(a, b, 0, BOX[2])],
    [(p) => p[1] >= BOX[1], (a, b) => cross(a, b, 1, BOX[1])],
    [(p) => p[1] <= BOX[3], (a, b) => cross(a, b, 1, BOX[3])],
  ];
  let points = ring.slice(0, -1);
  for (const [keep, meet] of edges) {
    const next = [];
    for (let i = 0; i < points.length; i += 1) {
      const current = points[i];
      const previous = points[(i + points.length - 1) % points.length];
      if (keep(current)) {
        if (!keep(previous)) next.push(meet(previous, current));
        next.push(current);
      } else if (keep(previous)) {
        next.push(meet(previous, current));
      }
    }
    points = next;
    if (points.length < 3) return null;
  }
  points.push(points[0].slice());
  return points;
}

function cross(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  const point = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  point[axis] = value;
  return point;
}

// A polygon (outer ring, holes): kept whole, dropped, or cut to the box.
function clipPolygon(rings) {
  const outer = rings[0];
  if (outer.every(inside)) return rings;
  const xs = outer.map((p) => p[0]);
  const ys = outer.map((p) => p[1]);
  if (Math.max(...xs) < BOX[0] || Math.min(...xs) > BOX[2] || Math.max(...ys) < BOX[1] || Math.min(...ys) > BOX[3]) {
    return null;
  }
  const cut = rings.map(clipRing);
  return cut[0] ? cut.filter(Boolean) : null;
}

function clipFeature(feature) {
  const geometry = feature.geometry;
  if (!geometry) return null;
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const kept = polygons.map(clipPolygon).filter(Boolean);
  if (!kept.length) return null;
  const shaped = kept.length === 1 ? { type: "Polygon", coordinates: kept[0] }
    : { type: "MultiPolygon", coordinates: kept };
  const result = { type: "Feature", properties: { name: feature.properties.name }, geometry: shaped };
  if (feature.id !== undefined) result.id = feature.id;
  return result;
}

// Visvalingam keeps only the two ends of an arc; an island drawn as one closed arc would vanish. Keep, on top
// of its ends, the two most important points of every closed arc: at least a triangle.
function keepIslands(topology) {
  for (const arc of topology.arcs) {
    const first = arc[0];
    const last = arc[arc.length - 1];
    if (arc.length < 5 || first[0] !== last[0] || first[1] !== last[1]) continue;
    const order = arc.slice(1, -1).map((point, index) => [point[2], index + 1]).sort((a, b) => b[0] - a[0]);
    for (const [, index] of order.slice(0, 2)) arc[index][2] = Infinity;
  }
  return topology;
}

const world = JSON.parse(fs.readFileSync(source, "utf8"));
const countries = client.feature(world, world.objects.countries).features.map(clipFeature).filter(Boolean);
let topology = server.topology({ countries: { type: "FeatureCollection", features: countries } });
topology = keepIslands(simplify.presimplify(topology));
topology = simplify.simplify(topology, WEIGHT);
topology = client.quantize(topology, QUANTIZATION);
fs.writeFileSync(out, JSON.stringify(topology));
console.log(`    ${countries.length} countries, ${fs.statSync(out).size} bytes`);
