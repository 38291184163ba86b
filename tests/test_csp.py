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
