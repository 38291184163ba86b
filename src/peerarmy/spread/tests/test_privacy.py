"""A person's rights: the export names their own links and the credits about them; erasure
drops who the credits were about and keeps the referrer's counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.spread import privacy, selectors, services
from peerarmy.spread.models import Attribution, Touch
from peerarmy.tenancy.tests.factories import BusinessFactory, CustomerFactory, PeerFactory

from .helpers import friend, landing_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(business):
    return PeerFactory(business=business, display_name="Giulia R.")


def _marta_converted(business, giulia):
    link = landing_link(business, giulia)
    marta, _s = friend(business, link, email="marta@example.org")
    customer = CustomerFactory(business=business, email="marta@example.org")
    from peerarmy.customers.models import Order

    Order.objects.create(
        business=business,
        customer=customer,
        email=customer.email,
        source="generic",
        external_id="#1",
        placed_at=timezone.now(),
        total_minor=2500,
    )
    services.convert_first_orders(business)
    services.note_touch(business, link, marta, timezone.now())
    return link, marta


def test_the_export_names_the_friend_s_credits_and_the_referrer_s_links(business, giulia):
    link, marta = _marta_converted(business, giulia)

    mine = privacy.export(business, user=marta, emails=["marta@example.org"])
    hers = privacy.export(business, user=giulia.user, emails=[giulia.user.email])

    assert [c["what"] for c in mine["share_credits"]] == ["Sign-up", "First order"]
    assert mine["share_credits"][1]["order_total_cents"] == 2500
    assert mine["share_last_link"] == [{"link": link.code, "at": mine["share_last_link"][0]["at"]}]
    assert mine["share_links"] == []
    (own,) = hers["share_links"]
    assert (own["code"], own["signups"], own["first_orders"]) == (link.code, 1, 1)
    assert hers["share_credits"] == []
    assert "marta" not in str(hers)


def test_a_customer_without_an_account_is_found_by_address(business, giulia):
    _marta_converted(business, giulia)

    found = privacy.export(business, user=None, emails=["marta@example.org"])

    assert [c["what"] for c in found["share_credits"]] == ["Sign-up", "First order"]


def test_erasure_forgets_who_and_keeps_the_referrer_s_counts(business, giulia):
    link, marta = _marta_converted(business, giulia)
    before = selectors.figures_by(business, "link")[link.pk]

    changed = privacy.erase(business, user=marta, emails=["marta@example.org"], now=timezone.now())

    assert changed == 3  # two credits anonymised, the last link forgotten
    assert not Attribution.objects.filter(user=marta).exists()
    assert not Attribution.objects.exclude(email_hash="").exists()
    assert not Attribution.objects.filter(customer__isnull=False).exists()
    assert not Touch.objects.exists()
    assert selectors.figures_by(business, "link")[link.pk] == before
    assert privacy.export(business, user=marta, emails=["marta@example.org"])["share_credits"] == []


def test_an_erased_friend_converts_no_more(business, giulia):
    link = landing_link(business, giulia)
    marta, _s = friend(business, link, email="marta@example.org")
    privacy.erase(business, user=marta, emails=["marta@example.org"], now=timezone.now())
    customer = CustomerFactory(business=business, email="marta@example.org")
    from peerarmy.customers.models import Order

    Order.objects.create(
        business=business,
        customer=customer,
        email=customer.email,
        source="generic",
        external_id="#1",
        placed_at=timezone.now() + timedelta(minutes=1),
        total_minor=2500,
    )

    assert services.convert_first_orders(business) == []


def test_another_business_s_rows_are_untouched(business, giulia):
    _link, marta = _marta_converted(business, giulia)
    elsewhere = BusinessFactory()

    assert privacy.erase(elsewhere, user=marta, emails=["marta@example.org"], now=None) == 0
    assert privacy.export(elsewhere, user=marta, emails=["marta@example.org"]) == {
        "share_links": [],
        "share_credits": [],
        "share_last_link": [],
    }
    assert Attribution.objects.filter(user=marta).count() == 2
