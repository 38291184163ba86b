"""Icons come from one sprite of the vendored Tabler set, holding the icons the templates name:
a template that names an icon the sprite lacks would show an empty square, so it fails here."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError

from peerarmy.web.templatetags.icons import (
    ANY_USE,
    SPRITE_FILE,
    STATUS_ICONS,
    TEMPLATES,
    USE,
    icons_used,
)

SYMBOL = re.compile(r'<symbol id="([a-z0-9-]+)"')


def _symbols():
    return set(SYMBOL.findall(SPRITE_FILE.read_text(encoding="utf-8")))


def test_every_icon_a_template_names_is_in_the_sprite():
    used = icons_used()
    missing = {name: where for name, where in used.items() if name not in _symbols()}
    assert missing == {}, "run scripts/build_icons.py (see its docstring)"
    assert {"layout-dashboard", "users", "wallet", "plus", "download"} <= set(used)


def test_a_template_always_writes_the_icons_name_out():
    # `{% icon some_variable %}` would hide from the check above which icons are needed
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        assert len(ANY_USE.findall(text)) == len(USE.findall(text)), path


def test_the_sprite_ships_with_its_licence_and_version():
    folder = SPRITE_FILE.parent
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert re.search(r"Tabler Icons \d+\.\d+\.\d+", (folder / "README.md").read_text())
    assert set(STATUS_ICONS.values()) <= _symbols()


def test_an_icon_is_hidden_from_screen_readers_and_drawn_from_the_sprite():
    html = Template('<button>{% icon "plus" %}Add</button>').render(Context())
    assert 'aria-hidden="true"' in html
    assert re.search(r'<use href="/static/web/vendor/tabler-icons/sprite[^"]*\.svg#plus">', html)
    assert html.endswith("Add</button>")


def test_a_status_badge_gets_its_icon_and_an_unknown_status_none():
    assert "#circle-check" in Template("{% status_icon 'active' %}").render(Context())
    assert Template("{% status_icon 'whatever' %}").render(Context()) == ""


def test_an_icon_name_from_a_variable_is_refused():
    with pytest.raises(TemplateSyntaxError):
        Template("{% icon name %}").render(Context({"name": "<script>"}))
