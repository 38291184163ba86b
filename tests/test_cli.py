"""The `peerarmy` command as an operator uses it."""

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
