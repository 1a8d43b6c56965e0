"""The Caribbean basemap (``static/vendor/world-atlas/caribbean.topo.json``, cut from Natural Earth by
``scripts/basemap.cjs``) and the parties' territories on it (``platform/cmc/data/party_territories.csv``): light
enough for an island link, inside the Caribbean, the smallest islands kept, every party with a territory mapped
to a country the file holds."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from cmc.services.alerts import areas

ROOT = Path(__file__).resolve().parents[2]
BASEMAP = ROOT / "static" / "vendor" / "world-atlas" / "caribbean.topo.json"
PARTIES = ROOT / "platform" / "cmc" / "data" / "parties.csv"
#: The clip box of scripts/basemap.cjs (west, south, east, north), which every party's islands lie inside.
BOX = (-94.0, 1.0, -52.0, 32.0)


@pytest.fixture(scope="module")
def topology() -> dict[str, Any]:
    return json.loads(BASEMAP.read_text(encoding="utf-8"))


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every arc decoded to degrees (delta-encoded, quantized)."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        decoded.append(points)
    return decoded


def _rings(geometry: dict[str, Any]) -> list[list[int]]:
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    return [ring for polygon in polygons for ring in polygon]


def _points_of(topology: dict[str, Any], geometry: dict[str, Any]) -> list[tuple[float, float]]:
    arcs = _arcs(topology)
    points = []
    for ring in _rings(geometry):
        for index in ring:
            arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
            points.extend(arc)
    return points


def test_the_basemap_is_light_enough_for_an_island_link() -> None:
    raw = BASEMAP.read_bytes()
    assert len(raw) < 150 * 1024, f"{len(raw)} bytes"
    assert len(gzip.compress(raw, 9)) < 40 * 1024


def test_the_basemap_lies_in_the_caribbean(topology: dict[str, Any]) -> None:
    points = [p for arc in _arcs(topology) for p in arc]
    west, south, east, north = BOX
    margin = 0.01
    assert all(west - margin <= x <= east + margin and south - margin <= y <= north + margin for x, y in points)
    assert list(topology["objects"]) == ["countries"]


def test_every_country_keeps_its_id_and_name(topology: dict[str, Any]) -> None:
    geometries = topology["objects"]["countries"]["geometries"]
    assert all(g["properties"]["name"] for g in geometries)
    ids = [g["id"] for g in geometries if "id" in g]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    names = {g["id"]: g["properties"]["name"] for g in geometries if "id" in g}
    assert names["780"] == "Trinidad and Tobago" and names["388"] == "Jamaica"


@pytest.mark.parametrize("feature_id", ["500", "534", "660", "659", "052", "533"])
def test_the_smallest_islands_stay_visible(topology: dict[str, Any], feature_id: str) -> None:
    """Montserrat, Sint Maarten, Anguilla, Saint Kitts and Nevis, Barbados, Aruba: at least a triangle each."""
    geometry = next(g for g in topology["objects"]["countries"]["geometries"] if g.get("id") == feature_id)
    points = set(_points_of(topology, geometry))
    assert len(points) >= 3, (feature_id, points)


def test_every_party_with_a_territory_maps_to_a_country_of_the_basemap(topology: dict[str, Any]) -> None:
    names = {g["id"]: g["properties"]["name"] for g in topology["objects"]["countries"]["geometries"] if "id" in g}
    with PARTIES.open(encoding="utf-8", newline="") as handle:
        parties = {row["code"]: row for row in csv.DictReader(handle)}
    mapped = areas.territories()
    for code, territory in mapped.items():
        assert code in parties, f"{code} is not a party"
        assert names.get(territory.feature_id) == territory.feature_name, (code, territory)
    with_territory = {code for code, row in parties.items() if row["kind"] in ("state", "territory")}
    assert with_territory == set(mapped), with_territory ^ set(mapped)
    assert len(set(t.feature_id for t in mapped.values())) == len(mapped)


def test_areas_as_the_map_reads_them() -> None:
    area = areas.map_area("10.05,-61.9 25", "", ["TT", "IOM", "XX"])
    assert area.as_json() == {"circle": {"lat": 10.05, "lon": -61.9, "radius_km": 25.0}, "polygon": None,
                              "territories": ["780"]}
    assert areas.map_area("", "18.0,-77.0 18.5,-77.0 18.5,-76.5 18.0,-77.0", []).polygon == [
        [18.0, -77.0], [18.5, -77.0], [18.5, -76.5], [18.0, -77.0]]
    for bad_circle in ("10,-61 -5", "10,-61 nan", "95,-61 5", "10,-61", "10,-61 inf"):
        assert areas.parse_circle(bad_circle) is None, bad_circle
    assert areas.parse_polygon("18,-77 18.5,-77 18,-77") is None
    assert not areas.map_area("", "", ["IOM"]).drawable
