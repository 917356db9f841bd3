"""Print every tile path of zoom Z that covers a bounding box, in a given URL form.

usage: tile_paths.py Z MINLON MINLAT MAXLON MAXLAT FORMAT [PROBE_URL]
FORMAT has {z}, {x} and {y}, e.g. /tiles/parcels/{z}/{x}/{y}.mvt.
With PROBE_URL (a server base URL), only tiles that server answers with 200
(not 204, empty) are printed, so a benchmark never times empty tiles.
"""
import math
import sys
import urllib.request


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2 ** zoom
    x = int((lon + 180.0) / 360.0 * n)
    lat_rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def main() -> None:
    zoom = int(sys.argv[1])
    min_lon, min_lat, max_lon, max_lat = map(float, sys.argv[2:6])
    form = sys.argv[6]
    probe = sys.argv[7] if len(sys.argv) > 7 else None
    x0, y0 = tile_of(min_lon, max_lat, zoom)
    x1, y1 = tile_of(max_lon, min_lat, zoom)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            path = form.format(z=zoom, x=x, y=y)
            if probe is None or urllib.request.urlopen(probe + path).status == 200:
                print(path)


if __name__ == "__main__":
    main()
