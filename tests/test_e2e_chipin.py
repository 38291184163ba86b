"""Chip in, end to end in a real browser (Debian's chromium): Giulia's e-bike campaign is
nearly funded; a friend opens the link Giulia shared, on a phone and in Italian, pledges,
confirms her e-mail and sees how to pay (the IBAN, her RF reference, the EPC QR code); her
transfer arrives in the bank's CAMT.053 statement, which the shop's staff upload in the
console; the goal is reached, Giulia closes the campaign from her phone, and her wallet shows
the voucher for the bike. The books are sound at the end."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from peerarmy.chipin import bankfiles, references, selectors, services, statement_files
from peerarmy.chipin.inputs import CampaignInput, PledgeInput, TillPaymentInput
from peerarmy.chipin.models import CampaignStatus, Pledge, PledgeStatus
from peerarmy.money import format_money
from peerarmy.programs.models import ProgramKind
from peerarmy.rewards.checks import check_business
from peerarmy.rewards.models import RewardSettings
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    MembershipFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SHOP_IBAN = "IT60X0542811101000000123456"
FRIEND = "marta.conti@example.org"
FRIEND_IBAN = "IT02L1234512345123456789012"


def it(message, context=None):
    with translation.override("it"):
        return pgettext(context, message) if context else gettext(message)


def _link(to, pattern=r"https?://\S+"):
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    return re.search(pattern, message.body).group(0)


def _fits(page):
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{page.url} is {wide} px wide"


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_friend_chips_in_from_a_shared_link_and_the_bike_is_funded(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    # Given Bici Gialla, with a published chip-in program, its bank account and an owner
    business = BusinessFactory(slug="bici", name="Bici Gialla")
    staff = MembershipFactory(business=business, role=Role.OWNER).user
    RewardSettings.objects.update_or_create(
        business=business, defaults={"debtor_name": "Bici Gialla", "debtor_iban": SHOP_IBAN}
    )
    program = ProgramFactory(business=business, kind=ProgramKind.CHIP_IN)
    # and Giulia, a peer, whose campaign for €1,000 has €859.10 from the family (paid at the
    # till); the shop adds 10% of what friends give, up to €100
    giulia = PeerFactory(
        business=business,
        display_name="Giulia",
        user=UserFactory(first_name="Giulia", last_name="Rinaldi", language="it"),
    ).user
    campaign = services.start_campaign(
        business,
        giulia,
        CampaignInput(
            program_id=program.pk,
            goal_minor=100_000,
            title="La mia e-bike",
            message="Per andare al lavoro in bici.",
            deadline=timezone.now() + timedelta(days=10),
        ),
    ).value
    family = services.make_pledge(
        business,
        campaign,
        PledgeInput(name="Mamma", email="mamma@example.org", amount_minor=85_910),
    ).value
    services.confirm_pledge(business, family.token)
    services.record_till_payment(
        business, staff, family.pledge, TillPaymentInput(amount_minor=85_910)
    )
    shared = services.public_url(campaign, selectors.beneficiary_link(campaign))
    mail.outbox.clear()

    # --- a friend opens the shared link on her phone, in Italian ---
    friend = browser.new_context(locale="it-IT", **PHONE)
    page = friend.new_page()
    page.goto(shared)
    expect(page.get_by_role("heading", level=1)).to_have_text("La mia e-bike")
    expect(
        page.get_by_text(it("Shared with you by %(name)s") % {"name": "Giulia Rinaldi"})
    ).to_be_visible()
    _fits(page)
    page.get_by_role("link", name=it("Chip in", "button"), exact=True).click()
    # still needed: friends must give €909.10 (with the shop's 10%, €1,000.01), less €859.10
    still = campaign.pledge_ceiling_minor - 85_910
    assert still == 5_000
    page.get_by_label(it("How much you give (€)")).fill("50")
    page.get_by_label(it("Your name")).fill("Marta Conti")
    page.get_by_label(it("Your e-mail")).fill(FRIEND)
    page.get_by_label(it("A few words for them (optional)")).fill("Buone pedalate!")
    page.get_by_role("button", name=it("Send my pledge")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(it("Check your e-mail"))
    _fits(page)

    # she confirms from the e-mail, and the pledge's page says how to pay
    page.goto(_link(FRIEND, r"https?://\S+/confirm/"))
    pledge = Pledge.objects.get(email=FRIEND)
    assert pledge.status == PledgeStatus.AWAITING
    assert pledge.share_link == selectors.beneficiary_link(campaign)
    expect(page.get_by_role("heading", name=it("How to pay"))).to_be_visible()
    expect(page.get_by_text(references.format_rf(pledge.reference))).to_be_visible()
    expect(page.get_by_text("IT60 X054 2811 1010 0000 0123 456")).to_be_visible()
    with translation.override("it"):
        expect(page.get_by_text(format_money(5_000, "EUR"), exact=True)).to_be_visible()
    expect(page.locator(".chipin-epc svg")).to_be_visible()
    _fits(page)

    # --- her transfer arrives: staff upload the bank's statement in the console ---
    statement = statement_files.camt053(
        [
            bankfiles.BankCredit(
                line=1,
                bank_ref="E2E-0001",
                booked_on=timezone.localdate(),
                amount_minor=5_000,
                currency="EUR",
                debtor_name="CONTI MARTA",
                debtor_iban=FRIEND_IBAN,
                debtor_bic="",
                reference=pledge.reference,
                remittance="Colletta Giulia",
                end_to_end_id="NOTPROVIDED",
            )
        ],
        account_iban=SHOP_IBAN,
        statement_id="E2E",
    )
    desk = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    console = desk.new_page()
    _log_in(console, base, staff.email)
    console.goto(f"{base}/bici/manage/chip-in/statements/")
    console.locator("input[type=file]").set_input_files(
        {"name": "estratto.xml", "mimeType": "application/xml", "buffer": statement}
    )
    console.get_by_role("button", name=it("Upload and match")).click()
    console.wait_for_load_state()
    expect(console.get_by_text("CONTI MARTA")).to_be_visible()
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.RECEIVED
    assert pledge.payer_iban == FRIEND_IBAN
    # she is thanked
    assert any(FRIEND in m.to and "50,00" in m.body for m in mail.outbox)

    # --- Giulia, on her phone, closes the funded campaign and finds the voucher ---
    mine = browser.new_context(locale="it-IT", **PHONE)
    phone = mine.new_page()
    _log_in(phone, base, giulia.email)
    phone.goto(shared)
    expect(phone.locator(".chipin-figures")).to_contain_text("100%")
    phone.get_by_role("button", name=it("Close it and get my voucher")).click()
    phone.wait_for_load_state()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SUCCEEDED
    voucher = campaign.voucher
    assert voucher.value_minor == 90_910 + 9_091  # friends' €909.10 and the shop's 10%
    expect(phone.get_by_text(voucher.code)).to_be_visible()
    _fits(phone)
    phone.goto(f"{base}/bici/me/wallet/")
    expect(phone.get_by_text(voucher.code)).to_be_visible()
    _fits(phone)
    # the friends were told, and the books are sound
    funded = it("You did it: the chip-in for %(name)s is funded") % {"name": "Giulia Rinaldi"}
    assert any(FRIEND in m.to and m.subject == funded for m in mail.outbox)
    assert check_business(business.pk) == []
    for context in (friend, desk, mine):
        context.close()
