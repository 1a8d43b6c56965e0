"""Alert areas on the map: the CAP circle and polygon as stored on an info block (``"lat,lon radius_km"``,
``"lat,lon lat,lon ..."``, checked by ``compose``), and the affected parties as territories of the basemap.

The basemap (``static/vendor/world-atlas/caribbean.topo.json``, cut by ``scripts/basemap.cjs``) names each
country by its ISO 3166-1 numeric id; ``cmc/data/party_territories.csv`` says which one each party is (an
organisation has none). A map reads an area as the JSON of :func:`map_area`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select

from cmc.extensions import db
from cmc.models import AlertInfo

TERRITORIES_CSV = Path(__file__).resolve().parents[2] / "data" / "party_territories.csv"

#: The area columns of the listed alerts' current blocks, in the order of ``Alert.infos``.
_AREAS = select(AlertInfo.alert_id, AlertInfo.language, AlertInfo.circle, AlertInfo.polygon, AlertInfo.geocodes) \
    .where(AlertInfo.alert_id.in_(bindparam("ids", expanding=True)), AlertInfo.replaced_at.is_(None)) \
    .order_by(AlertInfo.id)


@dataclass(frozen=True)
class Territory:
    """A party's territory on the basemap: the country's id and its name there."""

    code: str
    feature_id: str
    feature_name: str


@lru_cache(maxsize=1)
def territories() -> dict[str, Territory]:
    """{party code: territory} for every party with a territory on the basemap."""
    with TERRITORIES_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Territory(row["code"], row["feature_id"], row["feature_name"])
                for row in csv.DictReader(handle)}


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # NaN and infinities: not a place


def _point(text: str) -> list[float] | None:
    """``"lat,lon"`` as [lat, lon] (None unless both are numbers on the globe)."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    lat, lon = _number(parts[0]), _number(parts[1])
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return [lat, lon]


#: What the maps let people pan to (static/js/map.js, LIMITS): south, west, north, east. A point outside is
#: warned about in the preview, not refused (an alert may follow a route from elsewhere).
CARIBBEAN_LIMITS = (-4.0, -104.0, 38.0, -42.0)


def outside_caribbean(circle: str, polygon: str) -> bool:
    """Whether the circle's centre or a corner of the polygon lies outside :data:`CARIBBEAN_LIMITS`."""
    south, west, north, east = CARIBBEAN_LIMITS
    found = parse_circle(circle)
    points = [[found["lat"], found["lon"]]] if found else []
    points += parse_polygon(polygon) or []
    return any(not (south <= lat <= north and west <= lon <= east) for lat, lon in points)


def parse_circle(text: str) -> dict[str, Any] | None:
    """A stored circle as ``{"lat", "lon", "radius_km"}`` (None when empty or not drawable)."""
    parts = text.split()
    if len(parts) != 2:
        return None
    centre, radius = _point(parts[0]), _number(parts[1])
    if centre is None or radius is None or not 0 < radius <= 5000:
        return None
    return {"lat": centre[0], "lon": centre[1], "radius_km": radius}


def parse_polygon(text: str) -> list[list[float]] | None:
    """A stored polygon as a list of [lat, lon] (None when empty or not drawable)."""
    points = [_point(p) for p in text.split()]
    if len(points) < 4 or any(p is None for p in points):
        return None
    return [p for p in points if p is not None]


@dataclass
class MapArea:
    """What a map draws of an alert: its circle, its polygon, the territories of its affected parties."""

    circle: dict[str, Any] | None = None
    polygon: list[list[float]] | None = None
    parties: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)

    @property
    def drawable(self) -> bool:
        """Whether the map has anything to draw."""
        return bool(self.circle or self.polygon or self.territories)

    def as_json(self) -> dict[str, Any]:
        """The area as ``static/js/map.js`` reads it (``data-area``)."""
        return {"circle": self.circle, "polygon": self.polygon, "territories": self.territories}


def map_area(circle: str, polygon: str, geocodes: list[str] | None) -> MapArea:
    """An info block's area as the map draws it."""
    known = territories()
    parties = list(dict.fromkeys(geocodes or []))
    return MapArea(circle=parse_circle(circle or ""), polygon=parse_polygon(polygon or ""), parties=parties,
                   territories=[known[code].feature_id for code in parties if code in known])


def load_areas(ids: list[int], languages: dict[int, str]) -> dict[int, MapArea]:
    """{alert id: area} for the alerts ``ids``, read from the block in ``languages[id]`` (the one the list shows)
    when it has one, else from the first: one statement."""
    if not ids:
        return {}
    found: dict[int, MapArea] = {}
    for alert_id, language, circle, polygon, geocodes in db.session.execute(_AREAS, {"ids": ids}):
        if alert_id not in found or language == languages.get(alert_id):
            found[alert_id] = map_area(circle, polygon, geocodes)
    return found
