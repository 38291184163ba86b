"""The `peerarmy` command as an operator uses it."""

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peerarmy.accounts.models import ApiToken, hash_token
from peerarmy.cli import COMMANDS
from peerarmy.tenancy.models import Business, Membership, Role


def test_help_lists_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "peerarmy.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("migrate", "demo", "serve", "worker", "business", "token"):
        assert command in result.stdout
    assert set(COMMANDS) >= {"migrate", "demo", "serve", "worker", "business", "token"}


def test_an_unknown_command_is_refused_with_a_hint():
    result = subprocess.run(
        [sys.executable, "-m", "peerarmy.cli", "frobnicate"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr


@pytest.mark.django_db
def test_business_create_makes_the_business_and_its_owner(capsys):
    call_command(
        "business",
        "create",
        "ciclofficina",
        "--name",
        "Ciclofficina Torino",
        "--owner",
        "Anna@Example.org",
        "--city",
        "Torino",
    )
    business = Business.objects.get(slug="ciclofficina")
    assert business.name == "Ciclofficina Torino"
    membership = Membership.objects.get(business=business)
    assert membership.role == Role.OWNER
    assert membership.user.email == "anna@example.org"
    assert "Created business ciclofficina" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "message"),
    [("Bad Slug!", "slug"), ("admin", "reserved")],
)
def test_business_create_refuses_a_bad_address(slug, message):
    with pytest.raises(CommandError, match=message):
        call_command("business", "create", slug, "--name", "X", "--owner", "x@example.org")
    assert not Business.objects.exists()


@pytest.mark.django_db
def test_token_create_prints_a_token_once_and_stores_its_hash(business, owner, capsys):
    call_command("token", "create", "--business", business.slug, "--user", owner.email)
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("pa_")
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw)
    assert token.user == owner


@pytest.mark.django_db
def test_token_create_refuses_a_peer(business, peer):
    with pytest.raises(CommandError, match="not an owner or staff member"):
        call_command("token", "create", "--business", business.slug, "--user", peer.user.email)
    with pytest.raises(CommandError, match="No business"):
        call_command("token", "create", "--business", "nope", "--user", peer.user.email)


# What Linux hands over for a byte of an argument that is not UTF-8 ($'\xff'): a lone
# surrogate, which no database can hold.
NOT_UTF8 = "\udcff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "create", "--business", NOT_UTF8, "--user", "owner"], "No business"),
        (["token", "create", "--business", "bicigialla", "--user", NOT_UTF8], "No account"),
        (["import", "customers", "x.csv", "--business", NOT_UTF8], "No business"),
        (["superfans", "top", "--business", NOT_UTF8], "No business"),
        (["superfans", "score", "--business", NOT_UTF8], "No business"),
        (["business", "create", NOT_UTF8, "--name", "X", "--owner", "x@ex.org"], "slug: "),
        (["business", "create", "bottega", "--name", "X", "--owner", NOT_UTF8], "--owner: "),
    ],
)
def test_a_slug_or_address_no_database_can_hold_is_one_line_not_a_traceback(
    business, owner, argv, message
):
    argv = [owner.email if arg == "owner" else arg for arg in argv]
    with pytest.raises(CommandError) as exc:
        call_command(*argv)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert not Business.objects.exclude(pk=business.pk).exists()


def test_match_solve_runs_in_a_plain_shell_without_settings(tmp_path):
    """`peerarmy match solve` is a pure computation: no SECRET_KEY, no database, and a lone
    surrogate in an id (valid JSON) is one line and status 2, not a traceback."""
    import os
    from pathlib import Path

    import peerarmy

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(
        '{"requests": [{"id": "r1"}], "peers": [{"id": "p1", "capacity": 1}],'
        ' "edges": [{"request": "r1", "peer": "p1", "cost": 3}]}'
    )
    bad.write_text('{"requests": [{"id": "\\ud800"}], "peers": [], "edges": []}')
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "PEERARMY_TESTING", "SECRET_KEY", "DATABASE_URL"}
    }
    env["DEBUG"] = "0"
    env["PYTHONPATH"] = str(Path(peerarmy.__file__).resolve().parents[1])

    def run(path):
        return subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "peerarmy.cli", "match", "solve", str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    ok, refused = run(good), run(bad)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["matched"] == 1
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "customers", "/dev/null", "--business", "bicigialla", "--language", "de"],
        [
            "business",
            "create",
            "x-shop",
            "--name",
            "X",
            "--owner",
            "x@example.org",
            "--language",
            "de",
        ],
    ],
)
def test_a_language_that_is_not_offered_is_a_usage_error(argv, business):
    """Exit 2, as for any wrong command line, with one line naming the option."""
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["peerarmy", *argv])
    with pytest.raises(SystemExit) as ended:
        utility.execute()
    assert ended.value.code == 2
