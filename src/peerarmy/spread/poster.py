"""The printable QR poster of a share link, for the shop's counter or a peer's noticeboard: an
A4 PDF with the shop's name and tagline, a call to action, a big QR code of the link and its
address written out, in the reader's language (the fonts of the wallet statements, so accents
and € show). The QR code is drawn as vector squares: it prints sharp at any size."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerarmy.rewards.statements import FONT_FAMILY, FONT_FILES

from .models import TargetKind

DEFAULT_BRAND = (148, 108, 0)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Poster:
    shop: str
    tagline: str
    headline: str  # the call to action
    scan: str  # how to use the code
    url: str  # the link, written out under the code
    credit: str  # who shares it ("Shared by Giulia R."), or where the shop is
    brand: str  # the shop's colour, "#rrggbb"


def poster_for(business, link, url, *, title="") -> Poster:
    """The poster's words for `link` (its page's `title`), in the active language."""
    if link.kind == TargetKind.LANDING:
        headline = _("Join the %(shop)s army") % {"shop": business.name}
    elif link.kind == TargetKind.CAMPAIGN:
        headline = _("Chip in: %(title)s") % {"title": title}
    elif link.kind == TargetKind.LISTING:
        headline = _("On sale, used and vouched for: %(title)s") % {"title": title}
    elif link.kind == TargetKind.RENTAL:
        headline = _("Rent it: %(title)s") % {"title": title}
    else:
        headline = title or business.name
    if link.peer_id:
        credit = _("Shared by %(name)s") % {"name": link.peer.display_name}
    else:
        credit = " · ".join(p for p in (business.address, business.city) if p)
    return Poster(
        shop=business.name,
        tagline=business.tagline,
        headline=headline,
        scan=_("Point your phone's camera at the code"),
        url=url,
        credit=credit,
        brand=business.brand_color or "",
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    if not isinstance(colour, str) or not _HEX.match(colour):
        return DEFAULT_BRAND
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


@cache
def _glyphs() -> frozenset[int]:
    """Code points that both the regular and the bold font can draw."""
    from fontTools.ttLib import TTFont

    sets = []
    for path in FONT_FILES.values():
        with TTFont(path, lazy=True) as font:
            sets.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*sets))


def clean(text, limit: int = 160) -> str:
    """Text a business or a peer wrote, safe to draw: one line of characters the font has."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(char for char in text if unicodedata.category(char) not in ("Cf", "Cc"))
    text = " ".join(text.split())
    glyphs = _glyphs()
    text = "".join(char if ord(char) in glyphs else "?" for char in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def poster_pdf(poster: Poster, *, compress: bool = True) -> bytes:
    """The poster as an A4 PDF. `compress=False` leaves the text readable, for tests."""
    import segno
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, path)
    pdf.set_compression(compress)
    pdf.set_title(clean(poster.headline))
    pdf.set_author(clean(poster.shop))
    pdf.set_creator("peerarmy")
    pdf.set_lang((get_language() or "it")[:2])
    pdf.set_auto_page_break(auto=False)
    margin = 18
    pdf.set_margins(margin, margin, margin)
    pdf.add_page()
    width = pdf.w - 2 * margin
    brand = _rgb(poster.brand)

    pdf.set_fill_color(*brand)
    pdf.rect(0, 0, pdf.w, 10, style="F")

    pdf.set_y(22)
    pdf.set_font(FONT_FAMILY, "B", 30)
    pdf.multi_cell(width, 12, clean(poster.shop, 60), align="C")
    if poster.tagline:
        pdf.set_font(FONT_FAMILY, "", 13)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(width, 6.5, clean(poster.tagline, 200), align="C")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(6)
    pdf.set_font(FONT_FAMILY, "B", 21)
    pdf.multi_cell(width, 9.5, clean(poster.headline, 120), align="C")

    qr = segno.make(poster.url, error="m")
    side = 130
    top = max(pdf.get_y() + 8, 100)
    left = (pdf.w - side) / 2
    _draw_qr(pdf, qr.matrix, left, top, side)

    pdf.set_y(top + side + 7)
    pdf.set_font(FONT_FAMILY, "", 14)
    pdf.multi_cell(width, 7, clean(poster.scan), align="C")
    pdf.ln(1)
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.multi_cell(width, 7, clean(poster.url, 120), align="C")
    if poster.credit:
        pdf.set_y(pdf.h - margin - 8)
        pdf.set_font(FONT_FAMILY, "", 11)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(width, 6, clean(poster.credit, 120), align="C")
    pdf.set_fill_color(*brand)
    pdf.rect(0, pdf.h - 6, pdf.w, 6, style="F")
    return bytes(pdf.output())


def _draw_qr(pdf, matrix, left, top, side) -> None:
    """The code's dark modules as filled squares, a row's neighbours joined into one bar."""
    modules = len(matrix)
    size = side / modules
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        col = 0
        while col < modules:
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < modules and cells[col]:
                col += 1
            # a hair wider, so that no white line shows between neighbours when printed
            pdf.rect(
                left + start * size,
                top + row * size,
                (col - start) * size + 0.05,
                size + 0.05,
                style="F",
            )
