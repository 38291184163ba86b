"""Where an installation is when nobody said: one home for its database whatever the current
folder, and the address it serves, also in e-mail links and the demo's list of pages, so that
a phone on the same network can open them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerarmy import network

ROOT = Path(__file__).resolve().parent.parent
PEERARMY = ROOT / ".venv" / "bin" / "peerarmy"


def settings_in(tmp_path, **env):
    """(SITE_URL, ALLOWED_HOSTS, the database's name) as a fresh process sees them, run from
    `tmp_path` with only `env` set."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'peerarmy.settings'; "
        "django.setup(); from django.conf import settings as s; "
        "print(s.SITE_URL); print(','.join(s.ALLOWED_HOSTS)); print(s.DATABASES['default']['NAME'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "BIND", "PEERARMY_HOME"}}
    clean.update(DEBUG="1", PEERARMY_TESTING="0", **env)
    clean.pop("DATABASE_URL", None)
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=tmp_path, env=clean, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    site, hosts, database = out.stdout.strip().splitlines()
    return site, hosts.split(","), database


def test_the_database_is_the_checkouts_whatever_the_current_folder(tmp_path):
    _site, _hosts, database = settings_in(tmp_path)
    assert Path(database) == ROOT / "var" / "peerarmy.sqlite3"


def test_peerarmy_home_moves_the_database(tmp_path):
    home = tmp_path / "shop"
    _site, _hosts, database = settings_in(tmp_path, PEERARMY_HOME=str(home))
    assert Path(database) == home.resolve() / "var" / "peerarmy.sqlite3"


def test_served_to_the_network_the_links_use_the_machines_address(tmp_path):
    site, hosts, _database = settings_in(tmp_path, BIND="0.0.0.0:8123")
    lan = network.lan_address()
    assert site == f"http://{lan}:8123"
    assert lan in hosts, "a phone asking for that address must not get a 400"


def test_served_on_the_loopback_nothing_changes(tmp_path):
    site, hosts, _database = settings_in(tmp_path)
    assert site == "http://127.0.0.1:8000"
    assert set(hosts) == {"localhost", "127.0.0.1", "[::1]"}
    assert settings_in(tmp_path, BIND="127.0.0.1:9001")[0] == "http://127.0.0.1:9001"


def test_a_site_url_given_wins(tmp_path):
    site, hosts, _ = settings_in(
        tmp_path, BIND="0.0.0.0:8000", SITE_URL="https://army.example.com/"
    )
    assert site == "https://army.example.com"
    assert "army.example.com" in hosts


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("localhost:9000", "http://localhost:9000"),
        ("192.168.1.20:8000", "http://192.168.1.20:8000"),
        ("0.0.0.0:8000", None),
        ("[::]:8000", None),
        (":8000", None),
    ],
)
def test_the_address_served(bind, expected):
    assert network.served_address(bind) == (expected or f"http://{network.lan_address()}:8000")


def test_the_lan_address_is_an_address():
    parts = network.lan_address().split(".")
    assert len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 for p in parts)


def test_a_command_says_which_database_it_used(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BIND"}}
    env.update(DEBUG="1", PEERARMY_TESTING="0", PEERARMY_HOME=str(tmp_path))
    out = subprocess.run(  # noqa: S603
        [str(PEERARMY), "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert f"peerarmy: database SQLite {tmp_path}/var/peerarmy.sqlite3" in out.stderr


def test_the_demo_list_tells_how_to_open_it_on_a_phone(tmp_path):
    """On the loopback it says how to serve it to the network; served to the network it
    gives the address to type and a code to scan."""
    from io import StringIO

    from django.test import override_settings

    from peerarmy.management.commands.demo import Command

    def summary(site):
        out = StringIO()
        with override_settings(SITE_URL=site):
            Command(stdout=out)._print_summary()
        return out.getvalue()

    local = summary("http://127.0.0.1:8000")
    assert "make demo HOST=0.0.0.0:8000" in local
    served = summary("http://192.168.1.20:8000")
    assert "http://192.168.1.20:8000/bicigialla/manage/" in served
    assert "open http://192.168.1.20:8000/bicigialla/" in served
    assert "█" in served and "make demo HOST" not in served
