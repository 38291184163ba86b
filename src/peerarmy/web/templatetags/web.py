"""Template helpers of the web interface."""

import re

from django import template

register = template.Library()

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1f6feb"


@register.filter
def brand_color(value):
    """A business's colour, safe to put in a <style> element whatever is in the database."""
    return value if isinstance(value, str) and _HEX_COLOUR.match(value) else DEFAULT_BRAND


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def brand_ink(value):
    """Black or white, whichever reads better on the brand colour (WCAG relative luminance)."""
    colour = brand_color(value)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast against white is 1.05/(L+0.05); against near-black (#111) it is (L+0.05)/0.056.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0556 else "#111111"


@register.filter
def language_names(codes):
    """["it", "en"] → "Italian, English", in the active language; Italian writes language
    names in lower case ("italiano, inglese")."""
    from django.utils.translation import get_language

    from peerarmy.peers.models import LANGUAGE_NAMES

    names = [str(LANGUAGE_NAMES.get(code, code)) for code in codes or []]
    if (get_language() or "").startswith("it"):
        names = [name.lower() for name in names]
    return ", ".join(names)
