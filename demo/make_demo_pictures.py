"""Draws the demo businesses' logos and cover photos into demo/ (run once; the files are kept):
`python demo/make_demo_pictures.py demo`. Flat illustrations, so that the demo needs no photo
rights: Bologna's porticoes with a yellow bike, and Lecce's baroque arches."""

import sys

from PIL import Image, ImageDraw, ImageFilter


def bike(d, cx, cy, r, colour, width):
    # two wheels, a diamond frame, handlebar and saddle
    lw = (cx - 1.6 * r, cy)
    rw = (cx + 1.6 * r, cy)
    for x, y in (lw, rw):
        d.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=width)
        d.ellipse([x - width, y - width, x + width, y + width], fill=colour)
    crank = (cx - 0.1 * r, cy)
    seat = (cx - 0.5 * r, cy - 1.25 * r)
    head = (cx + 1.0 * r, cy - 1.15 * r)
    for a, b in ((lw, crank), (crank, seat), (seat, lw), (seat, head), (head, crank), (head, rw)):
        d.line([a, b], fill=colour, width=width, joint="curve")
    d.line(
        [(seat[0] - 0.35 * r, seat[1] - 0.12 * r), (seat[0] + 0.3 * r, seat[1] - 0.12 * r)],
        fill=colour,
        width=int(width * 1.4),
    )
    d.line(
        [head, (head[0] + 0.15 * r, head[1] - 0.35 * r), (head[0] + 0.5 * r, head[1] - 0.35 * r)],
        fill=colour,
        width=width,
        joint="curve",
    )
    d.ellipse(
        [crank[0] - 0.22 * r, crank[1] - 0.22 * r, crank[0] + 0.22 * r, crank[1] + 0.22 * r],
        outline=colour,
        width=width,
    )


def logo_bici(path):
    s = 1024
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([24, 24, s - 24, s - 24], fill=(255, 204, 0, 255))
    d.ellipse([24, 24, s - 24, s - 24], outline=(120, 86, 0, 255), width=28)
    bike(d, s / 2, s * 0.58, s * 0.16, (60, 42, 0, 255), 26)
    im.save(path)


def cover_bici(path):
    w, h = 1600, 900
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):  # warm evening sky
        t = y / h
        d.line([(0, y), (w, y)], fill=(int(250 - 40 * t), int(214 - 90 * t), int(150 - 80 * t)))
    d.ellipse([1180, 120, 1340, 280], fill=(255, 236, 170))
    # the porticoes: terracotta wall with arches
    top = 360
    d.rectangle([0, top, w, h], fill=(176, 84, 52))
    d.rectangle([0, top, w, top + 40], fill=(150, 66, 40))
    for i in range(-1, 9):
        x = i * 200 + 40
        d.rectangle([x + 20, top + 120, x + 180, h - 140], fill=(92, 40, 26))
        d.pieslice([x + 20, top + 40, x + 180, top + 200], 180, 360, fill=(92, 40, 26))
        d.rectangle([x - 10, top + 60, x + 20, h - 140], fill=(196, 104, 66))
    d.rectangle([0, h - 140, w, h], fill=(120, 110, 100))
    for x in range(0, w, 80):
        d.line([(x, h - 140), (x - 40, h)], fill=(105, 96, 88), width=3)
    bike(d, 560, h - 250, 95, (255, 204, 0), 16)
    bike(d, 1060, h - 235, 80, (40, 40, 40), 13)
    im = im.filter(ImageFilter.SMOOTH)
    im.save(path, quality=90)


def logo_lecce(path):
    s = 1024
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle([24, 24, s - 24, s - 24], radius=180, fill=(217, 181, 120, 255))
    # a baroque arch and a door
    d.pieslice([262, 250, 762, 750], 180, 360, fill=(120, 60, 30, 255))
    d.rectangle([262, 500, 762, 820], fill=(120, 60, 30, 255))
    d.pieslice([352, 340, 672, 660], 180, 360, fill=(245, 230, 200, 255))
    d.rectangle([352, 500, 672, 820], fill=(245, 230, 200, 255))
    im.save(path)


def cover_lecce(path):
    w, h = 1600, 900
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=(int(120 + 80 * t), int(170 + 40 * t), int(220 - 30 * t)))
    d.rectangle([0, 330, w, h], fill=(222, 190, 130))
    for i in range(5):
        x = 80 + i * 310
        d.rectangle([x, 430, x + 220, h - 120], fill=(190, 150, 90))
        d.pieslice([x, 330, x + 220, 550], 180, 360, fill=(190, 150, 90))
        d.rectangle([x + 50, 520, x + 170, h - 120], fill=(90, 60, 40))
        d.pieslice([x + 50, 460, x + 170, 580], 180, 360, fill=(90, 60, 40))
    d.rectangle([0, h - 120, w, h], fill=(200, 180, 150))
    im = im.filter(ImageFilter.SMOOTH)
    im.save(path, quality=90)


if __name__ == "__main__":
    out = sys.argv[1]
    logo_bici(f"{out}/bicigialla_logo.png")
    cover_bici(f"{out}/bicigialla_cover.jpg")
    logo_lecce(f"{out}/leccebnb_logo.png")
    cover_lecce(f"{out}/leccebnb_cover.jpg")
