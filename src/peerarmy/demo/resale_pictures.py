"""The pictures of the demo's used items, drawn when the demo loads: flat illustrations of each
item in the shop (a pegboard wall, the workbench), so that the demo needs no photo rights and
keeps no binary files. The bikes are drawn as the sharing fleet's are (`sharing_pictures`),
in the shop rather than under the porticoes. The same drawing gives the same bytes, and each
item is drawn in its own colours, so no two listings share a stored photo."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from .sharing_pictures import GROUND, HEIGHT, WIDTH, _bike

YELLOW = (255, 204, 0)
DARK = (45, 40, 35)
GREY = (150, 150, 150)
LIGHT = (222, 226, 230)  # reflective strips, the helmet's foam
BENCH = (150, 104, 64)


def _shop(wall=(232, 222, 200)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """The shop's back wall with a pegboard, a yellow stripe, and the wooden workbench."""
    im = Image.new("RGB", (WIDTH, HEIGHT), wall)
    d = ImageDraw.Draw(im)
    board = tuple(max(0, c - 30) for c in wall)
    d.rectangle([80, 60, WIDTH - 80, GROUND - 120], fill=board)
    hole = tuple(max(0, c - 70) for c in wall)
    for x in range(110, WIDTH - 80, 40):
        for y in range(90, GROUND - 130, 40):
            d.ellipse([x - 4, y - 4, x + 4, y + 4], fill=hole)
    d.rectangle([0, GROUND - 100, WIDTH, GROUND - 80], fill=YELLOW)
    d.rectangle([0, GROUND, WIDTH, HEIGHT], fill=BENCH)
    for y in range(GROUND + 30, HEIGHT, 34):
        d.line([(0, y), (WIDTH, y)], fill=tuple(c - 22 for c in BENCH), width=3)
    d.rectangle([0, GROUND, WIDTH, GROUND + 12], fill=tuple(c - 40 for c in BENCH))
    return im, d


def _jpeg(im: Image.Image) -> bytes:
    """Drawn large for smooth lines, kept at 800 × 600: plenty for a page, quick to store."""
    out = io.BytesIO()
    im.resize((800, 600), Image.Resampling.LANCZOS).save(out, "JPEG", quality=88)
    return out.getvalue()


def _darker(colour, by=50):
    return tuple(max(0, c - by) for c in colour)


def child_seat(shell=(60, 60, 64), padding=YELLOW, wall=(232, 222, 200)) -> bytes:
    """A rear child seat on a piece of rack: the high back with its wings, the padding, the
    harness and the footrests."""
    im, d = _shop(wall)
    # the rack it is fixed to, on a stand
    d.rectangle([360, 610, 840, 640], fill=GREY, outline=DARK, width=4)
    for x in (400, 800):
        d.line([(x, 640), (x + (30 if x < 600 else -30), GROUND)], fill=GREY, width=16)
    # the shell: a high back with wings at the head, and the seat
    d.rounded_rectangle([430, 200, 770, 600], radius=90, fill=shell, outline=DARK, width=6)
    for x in (410, 730):
        d.ellipse([x, 220, x + 60, 380], fill=_darker(shell, 15), outline=DARK, width=5)
    d.rounded_rectangle([400, 520, 800, 620], radius=40, fill=shell, outline=DARK, width=6)
    # the padding and the harness
    d.rounded_rectangle([480, 250, 720, 560], radius=60, fill=padding)
    for x in (540, 660):
        d.line([(x, 270), (600, 470)], fill=DARK, width=16)
    d.line([(600, 470), (600, 560)], fill=DARK, width=16)
    d.rounded_rectangle([580, 450, 620, 500], radius=6, fill=(200, 40, 40))
    # the footrests, with their straps
    for x in (470, 700):
        d.line([(x, 610), (x - 10, 720)], fill=DARK, width=14)
        d.rounded_rectangle([x - 45, 700, x + 25, 735], radius=10, fill=shell, outline=DARK,
                            width=4)  # fmt: skip
        d.line([(x - 40, 700), (x + 20, 690)], fill=padding, width=6)
    return _jpeg(im)


def rack(metal=(188, 192, 198), wall=(226, 232, 236)) -> bytes:
    """A rear rack: the platform with its rails and spring clip, the struts and their eyelets."""
    im, d = _shop(wall)
    top, front, back = 380, 330, 870
    d.rectangle([front, top, back, top + 40], outline=metal, width=16)
    for y in (top + 13, top + 27):
        d.line([(front + 20, y), (back - 20, y)], fill=_darker(metal, 30), width=6)
    # the spring clip on top
    d.line([(front + 40, top - 24), (back - 120, top - 24)], fill=DARK, width=10)
    d.line([(back - 120, top - 24), (back - 80, top + 4)], fill=DARK, width=10)
    # the struts down to the frame's eyelets, and the stays to the seat post
    for x, to in ((front + 70, front + 120), (back - 70, back - 120)):
        d.line([(x, top + 40), (to, GROUND - 40)], fill=metal, width=18)
        d.line([(x, top + 40), (to + 160 if x < 600 else to - 160, GROUND - 40)], fill=metal,
               width=12)  # fmt: skip
        d.ellipse([to - 18, GROUND - 58, to + 18, GROUND - 22], outline=DARK, width=6)
    d.line([(front, top + 20), (front - 60, top - 80)], fill=metal, width=10)
    d.ellipse([front - 78, top - 98, front - 42, top - 62], outline=DARK, width=6)
    d.rectangle([back - 60, top + 50, back - 10, top + 80], fill=(210, 40, 40))  # reflector
    return _jpeg(im)


def pannier(colour=(30, 110, 190), wall=(232, 222, 200)) -> bytes:
    """A roll-top pannier: the bag, its rolled top and buckle strap, the hooks at the back and
    a reflective strip."""
    im, d = _shop(wall)
    left, right, top, bottom = 430, 770, 300, GROUND - 6
    for x in (480, 720):  # the hooks, behind the bag
        d.rounded_rectangle([x - 24, top - 70, x + 24, top + 20], radius=12, fill=DARK)
    d.rounded_rectangle([left, top, right, bottom], radius=46, fill=colour, outline=DARK, width=6)
    d.rounded_rectangle([left + 20, top - 50, right - 20, top + 30], radius=24,
                        fill=_darker(colour), outline=DARK, width=5)  # fmt: skip
    d.line([(600, top - 50), (600, top + 150)], fill=DARK, width=18)
    d.rounded_rectangle([578, top + 140, 622, top + 190], radius=8, fill=DARK)
    d.rectangle([left + 6, bottom - 150, right - 6, bottom - 120], fill=LIGHT)
    d.ellipse([560, top + 260, 640, top + 340], fill=YELLOW, outline=DARK, width=4)
    return _jpeg(im)


def jacket(colour=(225, 70, 40), wall=(226, 232, 236)) -> bytes:
    """A cycling rain jacket on a hanger: the body and sleeves, the hood, the zip and its
    reflective strips."""
    im, d = _shop(wall)
    d.arc([570, 110, 630, 170], 180, 20, fill=DARK, width=6)  # the hanger's hook
    d.line([(600, 170), (440, 250), (760, 250), (600, 170)], fill=DARK, width=6)
    d.ellipse([520, 195, 680, 275], fill=_darker(colour, 35))  # the hood, behind
    body = [(460, 250), (740, 250), (760, 300), (730, 700), (470, 700), (440, 300)]
    left = [(460, 250), (440, 300), (380, 600), (330, 640), (370, 680), (470, 380)]
    right = [(740, 250), (760, 300), (820, 600), (870, 640), (830, 680), (730, 380)]
    for shape in (left, right, body):
        d.polygon(shape, fill=colour, outline=DARK, width=5)
    d.polygon([(540, 250), (600, 330), (660, 250)], fill=_darker(colour, 60))  # the collar
    d.line([(600, 300), (600, 700)], fill=DARK, width=6)
    for y in (430, 470):
        d.line([(455, y), (745, y)], fill=LIGHT, width=14)
    for x1, x2 in ((345, 395), (805, 855)):
        d.line([(x1, 610), (x2, 625)], fill=LIGHT, width=12)
    d.rounded_rectangle([630, 520, 700, 540], radius=6, fill=_darker(colour, 70))  # a pocket
    return _jpeg(im)


def helmet(colour=(40, 150, 110), wall=(232, 222, 200)) -> bytes:
    """A city helmet on the workbench: the shell with its vents and visor, the foam, the
    straps and a rear light."""
    im, d = _shop(wall)
    left, right, top, bottom = 370, 830, 470, GROUND - 30
    d.chord([left, top, right, 2 * bottom - top], 180, 360, fill=colour, outline=DARK, width=6)
    d.rectangle([left + 2, bottom - 26, right - 2, bottom], fill=LIGHT)
    for i, x in enumerate(range(455, 760, 64)):
        y = top + (40 if i in (1, 2, 3) else 80)
        d.rounded_rectangle([x, y, x + 38, y + 90], radius=19, fill=DARK)
    d.polygon([(right - 30, bottom - 70), (right + 60, bottom - 50), (right - 10, bottom - 26)],
              fill=_darker(colour, 60))  # fmt: skip
    d.ellipse([left + 6, bottom - 80, left + 42, bottom - 44], fill=(220, 40, 40))
    for x in (520, 680):
        d.line([(x, bottom), (x + 20, GROUND + 50)], fill=DARK, width=8)
    d.rounded_rectangle([588, GROUND + 34, 632, GROUND + 66], radius=6, fill=DARK)
    return _jpeg(im)


def bike(colour=YELLOW, wall=(232, 222, 200), *, basket=False, step_through=False) -> bytes:
    """A bike on the shop floor, drawn as the sharing fleet's are."""
    im, d = _shop(wall)
    _bike(d, 600, 165, colour, basket=basket, step_through=step_through)
    return _jpeg(im)
