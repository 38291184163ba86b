"""End to end in a real browser: the whole peer flow of a delivery program. Peer A claims the
last seat of a block and gets it confirmed with an .ics; peer B finds it full and joins the
waitlist; A releases it and B is promoted at once; B checks in; staff mark it completed and a
`block.completed` event carries the promised reward."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone, translation
from playwright.sync_api import expect

from peerarmy.money import format_money
from peerarmy.scheduling import ical, services
from peerarmy.scheduling.inputs import NewBlockInput
from peerarmy.scheduling.models import (
    Block,
    Claim,
    ClaimStatus,
    ScheduleEvent,
    WaitlistEntry,
    WaitlistStatus,
)
from peerarmy.scheduling.tests.factories import FairnessLimitsFactory
from peerarmy.tenancy.tests.factories import (
    PASSWORD,
    BusinessFactory,
    MembershipFactory,
    PeerFactory,
    ProgramFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


def _signed_in_page(browser, live_server, email):  # noqa: F811
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.wait_for_load_state()
    return context, page


def _hours(block, business):
    """ "14:20–17:20": how the block's time reads on the peer's page, in the business's zone."""
    starts = timezone.localtime(block.starts_at, business.tzinfo)
    ends = timezone.localtime(block.ends_at, business.tzinfo)
    return f"{starts:%H:%M}–{ends:%H:%M}"


def _mails_to(email):
    return [m for m in mail.outbox if email in m.to]


@pytest.mark.django_db(transaction=True)
def test_peers_claim_wait_get_promoted_check_in_and_complete_a_block(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    # Given a business (Italian by default; the peers' browsers ask for English) with a
    # published delivery program whose peers may release up to 5 minutes before the start
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla", default_language="it")
    program = ProgramFactory(
        business=business, title_it="Consegne in cargo-bike", title_en="Cargo-bike deliveries"
    )
    FairnessLimitsFactory(business=business, program=program, forfeit_cutoff_minutes=5)
    staff = MembershipFactory(business=business).user
    anna = PeerFactory(business=business, display_name="Anna")
    bruno = PeerFactory(business=business, display_name="Bruno")

    # and two blocks made by staff: one seat starting in 20 minutes (its check-in window, 30
    # minutes before the start, is already open), and two seats tomorrow
    now = timezone.now().replace(second=0, microsecond=0)
    place = {
        "place_name": "Bici Gialla, Via del Pratello",
        "address": "Via del Pratello 10, Bologna",
        "latitude": "44.494900",
        "longitude": "11.334300",
        "reward_minor": 2500,
        "reward_points": 10,
        "capacity": 1,
    }

    def new_block(**fields):
        data = NewBlockInput.parse({"program_id": program.pk, **place, **fields})
        return services.create_block(business, staff, data).value

    soon = new_block(starts_at=now + timedelta(minutes=20), ends_at=now + timedelta(hours=3))
    tomorrow = new_block(
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        capacity=2,
        place_name="Mercato delle Erbe",
    )
    with translation.override("en"):
        reward = f"{format_money(2500, 'EUR')} + 10 points"
    my_blocks = f"{live_server.url}/bicigialla/me/blocks/"

    # When Anna opens her blocks, she sees both, with time, place and reward
    anna_context, anna_page = _signed_in_page(browser, live_server, anna.user.email)
    anna_page.goto(my_blocks)
    assert anna_page.locator("html").get_attribute("lang") == "en"
    claimable = anna_page.get_by_role("region", name="Blocks you can claim")
    soon_card = claimable.get_by_role("listitem").filter(has_text=_hours(soon, business))
    tomorrow_card = claimable.get_by_role("listitem").filter(has_text=_hours(tomorrow, business))
    expect(soon_card).to_contain_text("Cargo-bike deliveries")
    expect(soon_card).to_contain_text("Bici Gialla, Via del Pratello")
    expect(soon_card).to_contain_text("Via del Pratello 10, Bologna")
    expect(soon_card).to_contain_text(reward)
    expect(soon_card).to_contain_text("1 seat left")
    expect(soon_card).to_contain_text("2 h 40 min")
    expect(tomorrow_card).to_contain_text("Mercato delle Erbe")
    expect(tomorrow_card).to_contain_text("2 seats left")

    # and claims the one-seat block: it moves to her upcoming blocks
    soon_card.get_by_role("button", name="Claim").click()
    upcoming = anna_page.get_by_role("region", name="My upcoming blocks")
    expect(anna_page.get_by_text("The block is yours.")).to_be_visible()
    expect(upcoming).to_contain_text(_hours(soon, business))
    expect(upcoming).to_contain_text(reward)
    expect(claimable.get_by_role("listitem").filter(has_text=_hours(soon, business))).to_have_count(
        0
    )
    anna_claim = Claim.objects.get(block=soon, peer=anna)
    assert anna_claim.status == ClaimStatus.ACTIVE
    soon.refresh_from_db()
    assert soon.seats_taken == 1

    # then the confirmation e-mail carries the block as an iCalendar attachment
    (confirmation,) = _mails_to(anna.user.email)
    calendars = [a for a in confirmation.attachments if a[2].startswith("text/calendar")]
    assert len(calendars) == 1
    ics = calendars[0][1]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert f"UID:{ical.block_uid(soon)}" in ics.replace("\r\n ", "")

    # When Bruno opens his blocks, the one-seat block is full, and he joins its waitlist
    bruno_context, bruno_page = _signed_in_page(browser, live_server, bruno.user.email)
    bruno_page.goto(my_blocks)
    bruno_claimable = bruno_page.get_by_role("region", name="Blocks you can claim")
    full_card = bruno_claimable.get_by_role("listitem").filter(has_text=_hours(soon, business))
    expect(full_card).to_contain_text("Full")
    expect(full_card).to_contain_text("This block is full.")
    expect(full_card.get_by_role("button", name="Claim")).to_have_count(0)
    full_card.get_by_role("button", name="Join waitlist").click()
    expect(bruno_page.get_by_text("You are on the waitlist. If a seat frees up")).to_be_visible()
    bruno_upcoming = bruno_page.get_by_role("region", name="My upcoming blocks")
    expect(bruno_upcoming).to_contain_text("On the waitlist")
    expect(full_card).to_contain_text("You are on the waitlist of this block.")
    assert WaitlistEntry.objects.get(block=soon).peer == bruno

    # When Anna releases the block
    mail.outbox.clear()
    card = upcoming.get_by_role("listitem").filter(has_text=_hours(soon, business))
    card.get_by_text("Release…").click()  # it asks first
    card.get_by_role("button", name="Yes, release it").click()
    expect(anna_page.get_by_text("You have released the block.")).to_be_visible()
    expect(upcoming).to_contain_text("You have not claimed any block yet.")
    anna_claim.refresh_from_db()
    assert anna_claim.status == ClaimStatus.RELEASED

    # then Bruno got the seat at once, and an e-mail saying so (with the .ics again)
    bruno_claim = Claim.objects.get(block=soon, peer=bruno)
    assert bruno_claim.status == ClaimStatus.ACTIVE
    assert bruno_claim.promoted_from_waitlist
    assert WaitlistEntry.objects.get(block=soon).status == WaitlistStatus.PROMOTED
    soon.refresh_from_db()
    assert soon.seats_taken == 1
    (promotion,) = _mails_to(bruno.user.email)
    assert any(a[2].startswith("text/calendar") for a in promotion.attachments)
    assert not _mails_to(anna.user.email)

    # and his page now shows it among his upcoming blocks, inside its check-in window
    bruno_page.reload()
    bruno_card = bruno_upcoming.get_by_role("listitem").filter(has_text=_hours(soon, business))
    expect(bruno_card).to_contain_text("Cargo-bike deliveries")
    expect(bruno_upcoming).not_to_contain_text("On the waitlist")

    # When Bruno checks in
    bruno_card.get_by_role("button", name="Check in").click()
    expect(bruno_card).to_contain_text("You are checked in.")
    expect(bruno_card).to_contain_text("Checked in at")
    expect(bruno_card.get_by_role("button", name="Check out")).to_be_visible()
    bruno_claim.refresh_from_db()
    assert bruno_claim.checked_in_at is not None

    # The block has to have started before staff can mark it completed
    # (services.complete_claim refuses earlier, and the console only offers the button then):
    # move it, and its claims, 20 minutes into the past rather than wait for the clock.
    start = timezone.now() - timedelta(minutes=20)
    Block.objects.filter(pk=soon.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Claim.objects.filter(block=soon).update(starts_at=start, ends_at=start + timedelta(hours=2))

    # When staff open the block in the console and mark Bruno's claim completed
    staff_context, staff_page = _signed_in_page(browser, live_server, staff.email)
    staff_page.goto(f"{live_server.url}/bicigialla/manage/blocks/{soon.pk}/")
    expect(staff_page.get_by_text("1 of 1 seats taken")).to_be_visible()
    anna_row = staff_page.get_by_role("row").filter(has_text="Anna")
    expect(anna_row).to_contain_text("Released")
    bruno_row = staff_page.get_by_role("row").filter(has_text="Bruno")
    expect(bruno_row).to_contain_text("from the waitlist")
    bruno_row.get_by_role("button", name="Mark completed").click()
    bruno_row = staff_page.get_by_role("row").filter(has_text="Bruno")
    expect(bruno_row).to_contain_text("Marked as completed.")
    expect(bruno_row).to_contain_text("Completed")
    expect(bruno_row.get_by_role("button", name="Mark completed")).to_have_count(0)

    # then the claim is completed and a block.completed event carries the promised reward
    bruno_claim.refresh_from_db()
    assert bruno_claim.status == ClaimStatus.COMPLETED
    event = ScheduleEvent.objects.get(kind="block.completed")
    assert event.claim == bruno_claim
    assert event.payload["peer_id"] == bruno.pk
    assert event.payload["block_id"] == soon.pk
    assert event.payload["reward_minor"] == 2500
    assert event.payload["reward_currency"] == "EUR"
    assert event.payload["reward_points"] == 10

    anna_context.close()
    bruno_context.close()
    staff_context.close()
    connections.close_all()
