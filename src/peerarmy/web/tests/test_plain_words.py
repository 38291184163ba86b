"""Pages speak the owner's words: the shop's clock by its place, a ledger account by whom or
what it is for; a time zone's code and a journal's account path stay out of sight."""

import pytest
from django.template import Context, Template

from peerarmy.rewards import ledger, selectors
from peerarmy.rewards.models import Account, AccountKind
from peerarmy.rewards.services import handle
from peerarmy.rewards.tests.factories import RuleFactory, occurrence
from peerarmy.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_the_schedule_says_whose_clock_its_times_are_on(staff_en, business):
    page = staff_en.get(f"/{business.slug}/manage/blocks/").content.decode()

    assert "Local times of Bologna" in page
    assert "Europe/Rome" not in page


def test_a_shop_without_a_city_is_named_by_its_clock():
    shop = BusinessFactory.build(city="", timezone="America/New_York")
    rendered = Template("{{ shop|clock_place }}").render(Context({"shop": shop}))

    assert rendered == "New York"


def test_ledger_accounts_read_as_whom_or_what_they_are_for(business, peer, program):
    RuleFactory(program=program, amount=1500)
    handle(business, occurrence(peer, program))
    accounts = Account.objects.filter(business=business).select_related("peer", "program")

    words = {account.kind: selectors.account_words(account) for account in accounts}

    assert words[AccountKind.PEER_PAYABLE] == f"Owed to {peer.display_name}"
    assert words[AccountKind.REWARDS] == f"Rewards: {program.title}"
    assert not any(
        path in text for text in words.values() for path in ("liabilities:", "expenses:")
    )


def test_a_house_account_and_a_voucher_read_as_words():
    bank = Account(kind=AccountKind.BANK, name=ledger.house(AccountKind.BANK, "EUR").name)
    voucher = Account(kind=AccountKind.VOUCHER, name="liabilities:vouchers:B2JP-EXM6")

    assert selectors.account_words(bank) == "Bank"
    assert selectors.account_words(voucher) == "Voucher B2JP-EXM6"
