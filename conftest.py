"""Test set-up shared by every app: test settings, scopes, and the e-mail outbox."""

import os

os.environ.setdefault("PEERARMY_TESTING", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API in e2e tests

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from peerarmy.tenancy.tests.factories import (  # noqa: E402
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)

# Speed is measured by the benchmarks, not by the property tests: a loaded CI machine must not
# fail a property because one example took 250 ms.
hypothesis_settings.register_profile("peerarmy", deadline=None)
hypothesis_settings.load_profile("peerarmy")


def _flush_may_purge_the_ledger():
    """The ledger's SQLite triggers refuse DELETE; Django's flush between transactional tests
    deletes every row, so it runs with the ledger's purge switch on (PostgreSQL truncates)."""
    from django.core.management.commands import flush

    from peerarmy.rewards.ledger import forget_accounts, purging

    handle = flush.Command.handle
    if getattr(handle, "_purges_ledger", False):
        return

    def purging_handle(self, *args, **options):
        forget_accounts()
        with purging():
            return handle(self, *args, **options)

    purging_handle._purges_ledger = True
    flush.Command.handle = purging_handle


_flush_may_purge_the_ledger()


@pytest.fixture(autouse=True)
def _scopes_disabled_for_test_code():
    """Test code (factories, assertions) runs unscoped; every request a test makes is scoped
    again by the tenant middleware, so the views and API are tested under real scoping."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


# --- two businesses, each with an owner, staff and peers ---


@pytest.fixture
def business(db):
    return BusinessFactory(slug="bicigialla", name="Bici Gialla")


@pytest.fixture
def other_business(db):
    return BusinessFactory(slug="lecce-bnb", name="Lecce B&B", city="Lecce")


@pytest.fixture
def owner(business):
    return OwnerFactory(business=business).user


@pytest.fixture
def staff(business):
    return MembershipFactory(business=business).user


@pytest.fixture
def other_staff(other_business):
    return OwnerFactory(business=other_business).user


@pytest.fixture
def peer(business):
    return PeerFactory(business=business)


@pytest.fixture
def program(business):
    return ProgramFactory(business=business)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
