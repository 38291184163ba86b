"""`{% icon "name" %}`: an icon of the vendored Tabler set, from one sprite of the icons the
templates use (a builtin, so every template has it). An icon goes beside words, never instead
of them: it is hidden from screen readers.

The sprite holds only the icons named in the templates; `scripts/build_icons.py` rebuilds it
from them, and a test fails when a template names an icon the sprite lacks."""

import re
from pathlib import Path

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

SPRITE = "web/vendor/tabler-icons/sprite.svg"
SPRITE_FILE = Path(__file__).resolve().parent.parent / "static" / SPRITE
TEMPLATES = Path(__file__).resolve().parents[2]  # src/peerarmy: every app's templates
# `{% icon "name" %}` or `{% icon 'name' "extra-class" %}`; a name is always written out, so
# that the templates say which icons the sprite needs.
USE = re.compile(r"""\{%\s*icon\s+(?P<quote>["'])(?P<name>[a-z0-9-]+)(?P=quote)""")
ANY_USE = re.compile(r"\{%\s*icon\b[^%]*%\}")
NAME = re.compile(r"^[a-z0-9-]+$")


# `{% status_icon status %}`: the icon of a status badge, by the status's value (a peer's, a
# program's, an invitation's, an import's); a status not listed has none.
STATUS_ICONS = {
    "applicant": "hourglass",
    "draft": "pencil",
    "active": "circle-check",
    "published": "world",
    "eligible": "circle-check",
    "rejected": "circle-x",
    "suspended": "ban",
    "revoked": "circle-x",
    "closed": "lock",
    "sent": "mail",
    "accepted": "circle-check",
    "expired": "clock",
    "succeeded": "circle-check",
    "failed": "alert-triangle",
    "pending": "hourglass",
    "queued": "hourglass",
    "running": "loader-2",
}


def icons_used(root: Path = TEMPLATES) -> dict[str, list[str]]:
    """Every icon named in a template under `root`, and the status badges' icons:
    {name: [where]}."""
    used: dict[str, list[str]] = {}
    for status, name in STATUS_ICONS.items():
        used.setdefault(name, []).append(f"STATUS_ICONS[{status!r}]")
    for path in sorted(root.rglob("templates/**/*.html")):
        for match in USE.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match["name"], []).append(str(path.relative_to(root)))
    return used


@register.simple_tag
def icon(name, extra_class=""):
    if not NAME.match(str(name)):
        raise template.TemplateSyntaxError(f"icon names are written out, like 'home': {name!r}")
    classes = f"icon {extra_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false" width="1em" height="1em">'
        '<use href="{}#{}"></use></svg>',
        classes,
        static(SPRITE),
        name,
    )


@register.simple_tag
def status_icon(status):
    name = STATUS_ICONS.get(str(status))
    return icon(name) if name else ""
