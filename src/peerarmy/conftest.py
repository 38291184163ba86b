"""Fixtures every app's tests share: two businesses, each with an owner, staff and peers."""

import pytest

from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)


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
