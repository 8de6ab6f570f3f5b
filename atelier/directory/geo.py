"""Web-Mercator helpers shared by importers (to fill Establishment.mx/my) and the map."""

import math

# World pixel coordinates at this zoom (256-pixel tiles): 0 .. 2**28, fits a 32-bit integer.
BASE_ZOOM = 20
WORLD_PIXELS = 256 * 2**BASE_ZOOM
MAX_LATITUDE = 85.05112878


def lonlat_to_world(lon: float, lat: float) -> tuple[int, int]:
    """Longitude/latitude (WGS84) -> integer Web-Mercator pixel (mx, my) at BASE_ZOOM."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    x = (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    return (
        min(WORLD_PIXELS - 1, max(0, int(x * WORLD_PIXELS))),
        min(WORLD_PIXELS - 1, max(0, int(y * WORLD_PIXELS))),
    )


def world_to_lonlat(mx: float, my: float) -> tuple[float, float]:
    lon = mx / WORLD_PIXELS * 360.0 - 180.0
    n = math.pi - 2.0 * math.pi * my / WORLD_PIXELS
    lat = math.degrees(math.atan(math.sinh(n)))
    return lon, lat
