"""Creating a business and adding its members, through their typed inputs."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peerarmy.errors import PermissionDenied
from peerarmy.inputs import InvalidInput
from peerarmy.tenancy.inputs import BusinessInput, MemberInput
from peerarmy.tenancy.models import Business, Membership, Role
from peerarmy.tenancy.services import add_member, create_business

from .factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {"slug": "ciclofficina", "name": "Ciclofficina", "owner_email": " Anna@Example.org "}


def business_input(**changes):
    return BusinessInput.parse({**GOOD, **changes})


def test_a_business_is_made_with_its_owner_who_has_no_password_yet():
    outcome = create_business(data=business_input(city="Torino", default_language="en"))

    business, owner, owner_created = outcome.value
    assert outcome.created and owner_created
    assert (business.slug, business.city, business.default_language) == (
        "ciclofficina",
        "Torino",
        "en",
    )
    assert owner.email == "anna@example.org" and owner.language == "en"
    assert not owner.has_usable_password()
    assert Membership.objects.get(business=business).role == Role.OWNER


def test_an_existing_account_becomes_the_owner():
    user = UserFactory(email="anna@example.org")

    _business, owner, owner_created = create_business(data=business_input()).value

    assert owner == user and not owner_created


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"slug": "Bad Slug!"}, "slug", "Use 1 to 50 lower-case letters"),
        ({"slug": "-x"}, "slug", "Use 1 to 50 lower-case letters"),
        ({"slug": "admin"}, "slug", "This address is reserved."),
        ({"slug": "x" * 51}, "slug", "Use at most 50 characters."),
        ({"name": ""}, "name", "This field is required."),
        ({"owner_email": "not an address"}, "owner_email", "valid email"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone."),
        ({"default_language": "fr"}, "default_language", "Choose one of: it, en."),
        ({"brand_color": "red"}, "brand_color", "Use a colour like #1f6feb."),
        ({"contact_email": "shop@"}, "contact_email", "valid email"),
        ({"tagline_en": "x" * 201}, "tagline_en", "Use at most 200 characters."),
    ],
)
def test_a_bad_business_names_the_field(change, field, message):
    with pytest.raises(InvalidInput) as exc:
        business_input(**change)
    assert [f for f, _m in exc.value.errors] == [field]
    assert message in exc.value.errors[0][1]


def test_an_address_in_capitals_is_the_same_address():
    assert business_input(slug="CicloFficina").slug == "ciclofficina"


def test_every_fault_is_named_at_once():
    with pytest.raises(InvalidInput) as exc:
        business_input(slug="admin", name="", timezone="Nowhere")
    assert {f for f, _m in exc.value.errors} == {"slug", "name", "timezone"}


def test_an_address_already_taken_is_refused_and_nothing_is_made(business):
    with pytest.raises(InvalidInput) as exc:
        create_business(data=business_input(slug=business.slug, owner_email="new@example.org"))
    assert exc.value.errors == [
        ("slug", f"A business with the address “{business.slug}” already exists.")
    ]
    assert Business.objects.count() == 1


def test_the_owner_adds_a_member_and_changes_their_role(business, owner):
    user = UserFactory(email="luca@example.org")

    added = add_member(business=business, actor=owner, data=MemberInput(email="LUCA@example.org"))
    changed = add_member(
        business=business, actor=owner, data=MemberInput(email="luca@example.org", role="owner")
    )

    assert added.created and added.value.user == user and added.value.role == Role.STAFF
    assert not changed.created and changed.value.role == Role.OWNER
    assert Membership.objects.filter(business=business, user=user).count() == 1


def test_a_member_needs_an_account_and_only_the_owner_adds_one(business, owner, staff):
    with pytest.raises(InvalidInput) as exc:
        add_member(business=business, actor=owner, data=MemberInput(email="nobody@example.org"))
    assert exc.value.errors == [("email", "No account uses this e-mail address yet.")]
    with pytest.raises(PermissionDenied):
        add_member(business=business, actor=staff, data=MemberInput(email=owner.email))
    with pytest.raises(InvalidInput):
        MemberInput.parse({"email": "luca@example.org", "role": "boss"})


# --- the operator's commands ---------------------------------------------------------------------


def test_business_create_names_every_fault_on_one_line():
    with pytest.raises(CommandError) as exc:
        call_command(
            "business", "create", "admin", "--name", "X", "--owner", "nope", "--timezone", "Moon"
        )
    message = str(exc.value)
    assert "slug: This address is reserved." in message
    assert "--owner: " in message and "--timezone: Unknown time zone." in message
    assert not Business.objects.exists()


def test_business_create_leaves_the_language_to_the_input():
    with pytest.raises(CommandError) as exc:
        call_command("business", "create", "bottega", "--name", "X", "--owner", "x@ex.org",
                     "--language", "fr")  # fmt: skip
    assert str(exc.value) == "--language: Choose one of: it, en."
    call_command("business", "create", "bottega", "--name", "X", "--owner", "x@ex.org",
                 "--language", "en")  # fmt: skip
    assert Business.objects.get(slug="bottega").default_language == "en"


def test_business_create_refuses_an_address_already_taken(business):
    with pytest.raises(CommandError, match="already exists"):
        call_command("business", "create", business.slug, "--name", "X", "--owner", "x@ex.org")


def test_business_create_tells_an_existing_account_it_is_the_owner(capsys):
    UserFactory(email="anna@example.org")
    call_command(
        "business", "create", "bottega", "--name", "Bottega", "--owner", "anna@example.org"
    )
    out = capsys.readouterr().out
    assert "Created business bottega (Bottega)." in out
    assert "anna@example.org already had an account and is now the owner." in out


def test_business_list_shows_every_business_by_address(business, other_business, capsys):
    call_command("business", "list")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == sorted([business.slug, other_business.slug])


def test_token_create_refuses_an_unknown_account_and_a_long_name(business, owner):
    with pytest.raises(CommandError, match="No account with the e-mail 'nobody@example.org'"):
        call_command("token", "create", "--business", business.slug, "--user", "nobody@example.org")
    with pytest.raises(CommandError, match="--name: Use at most 100 characters."):
        call_command(
            "token",
            "create",
            "--business",
            business.slug,
            "--user",
            owner.email,
            "--name",
            "x" * 101,
        )
