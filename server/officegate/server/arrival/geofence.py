"""The office geofence and the arrival decision, as pure functions over location fixes.

A site has a circle (centre + radius) and optionally a polygon for the building outline, and
an "approaching" ring further out. Phones report fixes with an accuracy radius; a fix counts
only when its accuracy is good enough, an arrival needs two consecutive confident fixes
inside (one bad fix never decides), and leaving again needs a clear margin (hysteresis), so
GPS jitter at the edge does not flap. Nothing here stores a location: callers keep only the
small ``TrackState`` (distances and times) and the events it yields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

EARTH_RADIUS_M = 6_371_008.8
WALKING_SPEED = 1.3  # m/s, used for the ETA when the phone's own speed is unknown
MAX_SPEED = 60.0  # m/s; faster "movement" between fixes is GPS noise, not a train
INSIDE_FIXES = 2  # consecutive confident fixes inside before we say "arrived"
LEAVE_MARGIN_M = 50.0  # hysteresis: how far beyond the fence a fix must be to count as out


@dataclass(frozen=True, slots=True)
class Fix:
    """One location report: degrees, accuracy radius in metres, epoch seconds."""

    lat: float
    lon: float
    acc: float
    at: float
    speed: float | None = None  # m/s, when the phone reports it
    entered: bool = False  # an OwnTracks "enter" transition for our region


@dataclass(frozen=True, slots=True)
class Geofence:
    """A site's fence: circle (and optional polygon) plus the approaching ring."""

    lat: float
    lon: float
    radius_m: float
    approach_m: float
    polygon: tuple[tuple[float, float], ...] = ()  # (lat, lon) corners, optional

    def distance_m(self, lat: float, lon: float) -> float:
        """Great-circle distance from the fence centre."""
        return haversine_m(self.lat, self.lon, lat, lon)

    def contains(self, fix: Fix) -> bool:
        """Whether ``fix`` is confidently inside: its accuracy circle mostly within the fence."""
        if fix.acc > max(2 * self.radius_m, 100.0):
            return False  # a fix that could be anywhere in the neighbourhood decides nothing
        if self.polygon and point_in_polygon(fix.lat, fix.lon, self.polygon):
            return True
        return self.distance_m(fix.lat, fix.lon) + 0.5 * fix.acc <= self.radius_m

    def clearly_outside(self, fix: Fix) -> bool:
        """Whether ``fix`` is beyond the fence by the hysteresis margin, accuracy included."""
        if self.polygon and point_in_polygon(fix.lat, fix.lon, self.polygon):
            return False
        return self.distance_m(fix.lat, fix.lon) - fix.acc > self.radius_m + LEAVE_MARGIN_M

    def in_approach_ring(self, fix: Fix) -> bool:
        """Whether ``fix`` is within the approaching ring (accuracy permitting)."""
        if fix.acc > self.approach_m:
            return False
        return self.distance_m(fix.lat, fix.lon) + 0.5 * fix.acc <= self.approach_m


@dataclass(frozen=True, slots=True)
class TrackState:
    """What we remember between fixes of one visit: no coordinates, only distances."""

    inside_count: int = 0
    last_at: float | None = None
    last_distance_m: float | None = None
    approached: bool = False
    arrived: bool = False


@dataclass(frozen=True, slots=True)
class Crossing:
    """A decided step: "approaching" (with ETA) or "arrived"."""

    kind: str
    at: float
    distance_m: float
    accuracy_m: float
    eta_s: int | None = None


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two points on the Earth (spherical model)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def point_in_polygon(lat: float, lon: float, polygon: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting; fine for building-sized polygons away from the poles and the date line."""
    inside = False
    n = len(polygon)
    for i in range(n):
        (y1, x1), (y2, x2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside



def outline_problem(polygon: list[tuple[float, float]], *, lat: float, lon: float,
                    within_m: float) -> tuple[str, str, str] | None:
    """Why ``polygon`` ((lat, lon) corners, the closing corner optional) is no building
    outline, as ``(code, English, Japanese)``; None when it is one (or empty: the circle
    alone). An outline has at least three distinct corners in range, does not cross itself,
    and every corner lies within ``within_m`` of the site's centre."""
    if not polygon:
        return None
    corners = list(polygon[:-1] if len(polygon) > 1 and polygon[0] == polygon[-1] else polygon)
    for a, b in corners:
        if not (-90 <= a <= 90 and -180 <= b <= 180) or math.isnan(a) or math.isnan(b):
            return ("bad_corner", f"corner {a}, {b} is not a latitude and longitude",
                    f"角 {a}, {b} は緯度・経度ではありません")
    if len(set(corners)) < 3:
        return ("few_corners", "an outline needs at least three corners (or none)",
                "外形には3つ以上の角が必要です(空欄なら円のみ)")
    far = max(haversine_m(lat, lon, a, b) for a, b in corners)
    if far > within_m:
        return ("outline_far", f"a corner is {far:.0f} m from the centre, beyond the "
                f"approaching ring ({within_m:.0f} m)",
                f"中心から {far:.0f} m の角があり、接近範囲({within_m:.0f} m)の外です")
    n = len(corners)
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbours share a corner
            if _cross(corners[i], corners[(i + 1) % n], corners[j], corners[(j + 1) % n]):
                return ("outline_crosses", "the outline crosses itself: list the corners "
                        "in order around the building",
                        "外形が交差しています。角を建物の周りの順に並べてください")
    return None


def _cross(p1: tuple[float, float], p2: tuple[float, float], q1: tuple[float, float],
           q2: tuple[float, float]) -> bool:
    """Whether segments p1-p2 and q1-q2 properly intersect (flat, building-sized)."""
    def side(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = side(q1, q2, p1), side(q1, q2, p2)
    d3, d4 = side(p1, p2, q1), side(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0

def _eta(fence: Geofence, state: TrackState, fix: Fix, distance: float) -> int:
    speed = fix.speed if fix.speed and 0.3 <= fix.speed <= MAX_SPEED else None
    if speed is None and state.last_at is not None and state.last_distance_m is not None:
        dt = fix.at - state.last_at
        closing = (state.last_distance_m - distance) / dt if dt > 0 else 0.0
        if 0.3 <= closing <= MAX_SPEED:
            speed = closing
    to_go = max(0.0, distance - fence.radius_m)
    return int(round(to_go / (speed or WALKING_SPEED)))


def observe(fence: Geofence, state: TrackState, fix: Fix) -> tuple[TrackState, list[Crossing]]:
    """Feed one fix; returns the new state and the steps it decides (each at most once).

    Fixes older than the newest one seen are ignored (OwnTracks sends queued fixes late).
    """
    if state.arrived or (state.last_at is not None and fix.at <= state.last_at):
        return state, []
    distance = fence.distance_m(fix.lat, fix.lon)
    crossings: list[Crossing] = []
    inside = fence.contains(fix)
    if inside:
        # An OwnTracks "enter" is the app's own confident transition: it counts double.
        count = state.inside_count + (INSIDE_FIXES if fix.entered else 1)
    elif fence.clearly_outside(fix):
        count = 0
    else:
        count = state.inside_count  # near the edge or vague: hysteresis holds the count
    approached = state.approached
    if not approached and (inside or fence.in_approach_ring(fix)):
        approached = True
        crossings.append(Crossing("approaching", fix.at, round(distance, 1), fix.acc,
                                  _eta(fence, state, fix, distance)))
    arrived = count >= INSIDE_FIXES
    if arrived:
        crossings.append(Crossing("arrived", fix.at, round(distance, 1), fix.acc, 0))
    new_state = replace(state, inside_count=count, last_at=fix.at,
                        last_distance_m=None if arrived else round(distance, 1),
                        approached=approached, arrived=arrived)
    return new_state, crossings
