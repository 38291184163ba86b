"""A Content-Security-Policy on every page: only this installation's scripts run, so an
injected script or handler attribute does nothing; and no template relies on inline script."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "peerarmy"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/accounts/login/", "/bicigialla/", "/api/v1/docs", "/no-such-page/"]
)
def test_every_page_says_which_scripts_may_run(client, business, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-eval'" not in policy


@pytest.mark.parametrize(
    "path",
    sorted(TEMPLATES.rglob("templates/**/*.html")),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_no_template_has_an_inline_script_or_a_handler_attribute(path):
    text = path.read_text(encoding="utf-8")
    assert INLINE_SCRIPT.findall(text) == []
    assert HANDLER.findall(text) == []


# --- the map's tiles: the one other place images may come from ---------------------------


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org/{z}/{x}/{y}{r}.png", "https://*.tiles.example.org"),
        ("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
        ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),
        ("/tiles/{z}/{x}/{y}.png", ""),  # served here: 'self' covers it
        ("", ""),
    ],
)
def test_the_tiles_origin_is_all_a_policy_adds(url, source):
    from peerarmy.maps import tile_source

    assert tile_source(url) == source


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://user:secret@tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",
        "javascript:alert(1)",
    ],
)
def test_a_tile_address_no_policy_can_name_is_refused(url):
    from peerarmy.maps import tile_source

    with pytest.raises(ValueError, match=r"\w"):
        tile_source(url)


def _shipped_policy(**env):
    """The policy the settings build outside the tests, with these environment variables."""
    import os
    import subprocess
    import sys

    environment = {
        k: v for k, v in os.environ.items() if k not in {"MAP_TILE_URL", "CONTENT_SECURITY_POLICY"}
    }
    environment.update(PEERARMY_TESTING="0", DEBUG="1", **env)
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "from peerarmy import settings as s; print(s.CONTENT_SECURITY_POLICY)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done


def _images(policy):
    directives = dict(d.strip().split(" ", 1) for d in policy.strip().split(";"))
    return directives["img-src"]


def test_images_come_from_here_and_openstreetmap_s_tiles_only_by_default():
    done = _shipped_policy()
    assert done.returncode == 0, done.stderr
    assert _images(done.stdout) == "'self' data: https://tile.openstreetmap.org"


@pytest.mark.parametrize(
    ("tiles", "images"),
    [
        ("", "'self' data:"),  # the map turned off
        (
            "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png",
            "'self' data: https://*.tiles.example.org:8443",
        ),
    ],
)
def test_images_follow_the_configured_tile_server(tiles, images):
    done = _shipped_policy(MAP_TILE_URL=tiles)
    assert done.returncode == 0, done.stderr
    assert _images(done.stdout) == images


def test_a_tile_server_the_policy_cannot_name_stops_the_start_with_its_reason():
    done = _shipped_policy(MAP_TILE_URL="ftp://tiles.example.org/{z}/{x}/{y}.png")
    assert done.returncode != 0
    assert "ImproperlyConfigured: MAP_TILE_URL: give an http or https address" in done.stderr
