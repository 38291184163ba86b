"""The pictures of the demo's sharing fleet, drawn when the demo loads: flat illustrations of
each vehicle under Bologna's porticoes, and the sponsoring bank's logo, so that the demo needs
no photo rights and keeps no binary files. The same drawing gives the same bytes, so the photo
store (which names a picture by its content) keeps one file per picture across resets."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1200, 900
GROUND = HEIGHT - 130  # where the wheels touch the pavement
YELLOW = (255, 204, 0)
DARK = (45, 40, 35)
TYRE = (30, 30, 30)


def _scene(wall=(176, 84, 52)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A terracotta portico with its arches, the pavement in front."""
    im = Image.new("RGB", (WIDTH, HEIGHT), (246, 231, 200))
    d = ImageDraw.Draw(im)
    top = 150
    shade = tuple(max(0, c - 84) for c in wall)
    pillar = tuple(min(255, c + 20) for c in wall)
    d.rectangle([0, top, WIDTH, HEIGHT], fill=wall)
    d.rectangle([0, top, WIDTH, top + 36], fill=tuple(max(0, c - 26) for c in wall))
    for i in range(-1, 7):
        x = i * 200 + 60
        d.rectangle([x + 20, top + 110, x + 180, GROUND - 70], fill=shade)
        d.pieslice([x + 20, top + 30, x + 180, top + 190], 180, 360, fill=shade)
        d.rectangle([x - 10, top + 50, x + 20, GROUND - 70], fill=pillar)
    d.rectangle([0, GROUND - 70, WIDTH, HEIGHT], fill=(128, 118, 108))
    for x in range(0, WIDTH + 80, 80):
        d.line([(x, GROUND - 70), (x - 50, HEIGHT)], fill=(112, 103, 95), width=3)
    return im, d


def _wheel(d, centre, r, width):
    x, y = centre
    d.ellipse([x - r, y - r, x + r, y + r], outline=TYRE, width=int(width * 1.3))
    d.ellipse([x - r * 0.12, y - r * 0.12, x + r * 0.12, y + r * 0.12], fill=DARK)
    for k in range(6):
        a = math.pi * k / 6
        dx, dy = math.cos(a) * (r - width), math.sin(a) * (r - width)
        d.line([(x - dx, y - dy), (x + dx, y + dy)], fill=(150, 150, 150), width=2)


def _tubes(d, points, pairs, colour, width):
    for a, b in pairs:
        d.line([points[a], points[b]], fill=colour, width=width, joint="curve")


def _saddle(d, at, r, width):
    x, y = at
    d.line([(x, y), (x, y - 0.2 * r)], fill=DARK, width=width)
    d.rounded_rectangle(
        [x - 0.32 * r, y - 0.3 * r, x + 0.28 * r, y - 0.16 * r], radius=6, fill=DARK
    )


def _handlebar(d, at, r, width):
    x, y = at
    d.line([(x, y), (x + 0.1 * r, y - 0.35 * r), (x + 0.42 * r, y - 0.38 * r)], fill=DARK,
           width=width, joint="curve")  # fmt: skip


def _crank(d, at, r, width):
    x, y = at
    d.ellipse([x - 0.2 * r, y - 0.2 * r, x + 0.2 * r, y + 0.2 * r], outline=DARK, width=width)
    d.line([(x - 0.3 * r, y + 0.3 * r), (x + 0.3 * r, y - 0.3 * r)], fill=DARK, width=width)


def _battery(d, a, b, width):
    """A battery pack along the down tube, from 30 % to 75 % of its length."""
    (x1, y1), (x2, y2) = a, b
    p = (x1 + (x2 - x1) * 0.3, y1 + (y2 - y1) * 0.3)
    q = (x1 + (x2 - x1) * 0.75, y1 + (y2 - y1) * 0.75)
    d.line([p, q], fill=DARK, width=int(width * 2.4))
    d.line([p, q], fill=(90, 200, 120), width=max(2, width // 3))


def _bike(d, cx, r, colour, *, width=18, battery=False, basket=False, step_through=False):
    cy = GROUND - r
    pts = {
        "rear": (cx - 1.6 * r, cy),
        "front": (cx + 1.6 * r, cy),
        "crank": (cx - 0.1 * r, cy),
        "seat": (cx - 0.5 * r, cy - 1.25 * r),
        "head": (cx + 1.0 * r, cy - 1.15 * r),
    }
    for wheel in ("rear", "front"):
        _wheel(d, pts[wheel], r, width)
    if step_through:
        pts["low"] = (cx + 0.5 * r, cy - 0.2 * r)
        pairs = [("rear", "crank"), ("crank", "seat"), ("seat", "rear"), ("crank", "low"),
                 ("low", "head"), ("head", "front")]  # fmt: skip
    else:
        pairs = [("rear", "crank"), ("crank", "seat"), ("seat", "rear"), ("seat", "head"),
                 ("head", "crank"), ("head", "front")]  # fmt: skip
    _tubes(d, pts, pairs, colour, width)
    if battery:
        _battery(d, pts["head"], pts["crank"], width)
        x, y = pts["rear"]
        d.ellipse([x - 0.28 * r, y - 0.28 * r, x + 0.28 * r, y + 0.28 * r], fill=DARK)
    if basket:
        x, y = pts["head"]
        d.rectangle([x + 0.15 * r, y - 0.15 * r, x + 0.95 * r, y + 0.35 * r], outline=DARK,
                    width=6)  # fmt: skip
        for k in range(1, 4):
            xx = x + 0.15 * r + k * 0.2 * r
            d.line([(xx, y - 0.15 * r), (xx, y + 0.35 * r)], fill=DARK, width=3)
    _saddle(d, pts["seat"], r, width)
    _handlebar(d, pts["head"], r, width)
    _crank(d, pts["crank"], r, width // 2)


def _cargo_bike(d, x0, r, colour, box_colour, *, width=18):
    """A long-john: the rider behind, a box with a bench for two children in front."""
    cy = GROUND - r
    small = 0.7 * r
    pts = {
        "rear": (x0, cy),
        "crank": (x0 + 1.5 * r, cy),
        "seat": (x0 + 1.1 * r, cy - 1.25 * r),
        "head": (x0 + 2.3 * r, cy - 1.3 * r),
        "bend": (x0 + 2.6 * r, cy + 0.15 * r),
        "front": (x0 + 5.0 * r, GROUND - small),
    }
    _wheel(d, pts["rear"], r, width)
    _wheel(d, pts["front"], small, width)
    pairs = [("rear", "crank"), ("crank", "seat"), ("seat", "rear"), ("seat", "head"),
             ("head", "bend"), ("crank", "bend"), ("bend", "front")]  # fmt: skip
    _tubes(d, pts, pairs, colour, width)
    _battery(d, pts["head"], pts["crank"], width)
    left, right = x0 + 2.75 * r, x0 + 4.55 * r
    top, bottom = cy - 0.95 * r, cy + 0.1 * r
    for i, skin in enumerate(((241, 194, 160), (198, 140, 100))):  # two children
        hx = left + (0.5 + i * 0.8) * r
        d.ellipse([hx - 0.26 * r, top - 0.55 * r, hx + 0.26 * r, top - 0.03 * r], fill=skin)
        d.chord([hx - 0.3 * r, top - 0.62 * r, hx + 0.3 * r, top - 0.1 * r], 180, 360,
                fill=(220, 60, 60) if i == 0 else (60, 110, 220))  # fmt: skip
    d.rounded_rectangle([left, top, right, bottom], radius=14, fill=box_colour,
                        outline=DARK, width=6)  # fmt: skip
    d.line([(left + 0.1 * r, top + 0.35 * r), (right - 0.1 * r, top + 0.35 * r)],
           fill=DARK, width=4)  # fmt: skip
    _saddle(d, pts["seat"], r, width)
    _handlebar(d, pts["head"], r, width)
    _crank(d, pts["crank"], r, width // 2)


def _tandem(d, x0, r, colour, *, width=18):
    cy = GROUND - r
    pts = {
        "rear": (x0, cy),
        "crank1": (x0 + 1.5 * r, cy),
        "seat1": (x0 + 1.1 * r, cy - 1.25 * r),
        "crank2": (x0 + 3.1 * r, cy),
        "seat2": (x0 + 2.7 * r, cy - 1.25 * r),
        "head": (x0 + 3.9 * r, cy - 1.15 * r),
        "front": (x0 + 4.6 * r, cy),
    }
    _wheel(d, pts["rear"], r, width)
    _wheel(d, pts["front"], r, width)
    pairs = [("rear", "crank1"), ("crank1", "seat1"), ("seat1", "rear"), ("seat1", "seat2"),
             ("crank1", "crank2"), ("seat2", "crank2"), ("seat2", "head"), ("head", "crank2"),
             ("head", "front")]  # fmt: skip
    _tubes(d, pts, pairs, colour, width)
    for seat in ("seat1", "seat2"):
        _saddle(d, pts[seat], r, width)
    _handlebar(d, pts["head"], r, width)
    _handlebar(d, (pts["seat2"][0] - 0.25 * r, pts["seat2"][1] - 0.05 * r), r * 0.8, width)
    for crank in ("crank1", "crank2"):
        _crank(d, pts[crank], r, width // 2)


def _trailer(d, x0, r, colour, *, width=16):
    """A two-wheeled cargo trailer with its drawbar and a little flag."""
    cy = GROUND - r
    left, right = x0, x0 + 3.2 * r
    top, bottom = cy - 1.5 * r, cy + 0.15 * r
    d.rounded_rectangle([left, top, right, bottom], radius=18, fill=colour, outline=DARK, width=6)
    d.rectangle([left + 0.2 * r, top - 0.15 * r, right - 0.2 * r, top + 0.1 * r], fill=DARK)
    _wheel(d, (left + 1.6 * r, cy), r, width)
    d.line([(right, bottom - 0.2 * r), (right + 2.2 * r, cy - 0.6 * r)], fill=DARK, width=width)
    d.ellipse([right + 2.1 * r, cy - 0.72 * r, right + 2.35 * r, cy - 0.47 * r], fill=DARK)
    pole = left + 0.3 * r
    d.line([(pole, top), (pole, top - 2.0 * r)], fill=DARK, width=5)
    d.polygon([(pole, top - 2.0 * r), (pole + 0.9 * r, top - 1.75 * r), (pole, top - 1.5 * r)],
              fill=(255, 120, 0))  # fmt: skip


def _jpeg(im: Image.Image) -> bytes:
    """Drawn large for smooth lines, kept at 800 × 600: plenty for a page, quick to store."""
    out = io.BytesIO()
    im.resize((800, 600), Image.Resampling.LANCZOS).save(out, "JPEG", quality=88)
    return out.getvalue()


def cargo_bike(box_colour=(214, 170, 110)) -> bytes:
    im, d = _scene()
    _cargo_bike(d, 300, 125, YELLOW, box_colour)
    return _jpeg(im)


def e_bike(colour=YELLOW, wall=(176, 84, 52)) -> bytes:
    im, d = _scene(wall)
    _bike(d, 600, 165, colour, battery=True)
    return _jpeg(im)


def city_bike() -> bytes:
    im, d = _scene((196, 132, 70))
    _bike(d, 580, 170, YELLOW, basket=True, step_through=True)
    return _jpeg(im)


def tandem() -> bytes:
    im, d = _scene((160, 96, 70))
    _tandem(d, 348, 140, (196, 40, 48))
    return _jpeg(im)


def trailer() -> bytes:
    im, d = _scene((150, 110, 90))
    _trailer(d, 295, 110, (40, 110, 190))
    return _jpeg(im)


def bank_logo() -> bytes:
    """Banca di Quartiere: three white arches of a portico under a roof, on deep green."""
    size = 600
    im = Image.new("RGB", (size, size), (255, 255, 255))
    d = ImageDraw.Draw(im)
    green = (14, 92, 74)
    d.rounded_rectangle([20, 20, size - 20, size - 20], radius=110, fill=green)
    d.polygon([(110, 250), (300, 120), (490, 250)], fill=(255, 255, 255))
    d.rectangle([110, 262, 490, 460], fill=(255, 255, 255))
    for i in range(3):
        x = 140 + i * 112
        d.rectangle([x, 330, x + 96, 460], fill=green)
        d.pieslice([x, 282, x + 96, 378], 180, 360, fill=green)
    d.rectangle([96, 460, 504, 490], fill=(255, 255, 255))
    d.ellipse([272, 168, 328, 224], fill=(242, 186, 40))
    out = io.BytesIO()
    im.resize((300, 300), Image.Resampling.LANCZOS).save(out, "PNG")
    return out.getvalue()
