"""End to end in a real browser, on phones: a shop's first payout, from nothing.

A new owner, whose business was created with `peerarmy business create` (no password: they set
one with "forgot password"), follows the console's first-run guide on their phone: the shop's
tagline and logo, the bank account payouts leave from, their customers and orders imported
from the spreadsheets Excel writes in Italy, their superfans scored and the best one invited, a
local-guides program published with its matching settings and a cash reward. The superfan
opens the invitation on their own phone, signs up and applies with nothing but an address;
the owner approves them; they say when they are free. A traveller asks for a local from the
landing page and confirms by e-mail; the superfan is proposed, accepts, meets them and marks
it completed; the wallet shows the reward; they give their IBAN. The owner, the business's
only member, prepares the payout run, approves it alone with their password and downloads a
SEPA file that the pain.001.001.03 schema accepts and that pays exactly what was earned.

The owner and the peer read Italian, the traveller English. Every label is looked up in the
catalogue the server translates with, so the test follows the words a person reads."""

import csv
import importlib.resources
import io
import itertools
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from django.core import mail
from django.core.management import call_command
from django.db import connections
from django.db.models import F
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext, ngettext, pgettext
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from schwifty import IBAN

from peerarmy.matching.models import Match, MatchRequest, MatchStatus
from peerarmy.money import format_money
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.rewards import checks
from peerarmy.rewards.models import BatchStatus, Condition, Event, PayoutBatch, RewardKind
from peerarmy.tenancy.models import Business, Membership
from peerarmy.tenancy.tests.factories import PASSWORD

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
SHOTS = Path("/tmp/e2e-shots")
SLUG = "bottega-rossi"
OWNER = "anna.rossi@example.org"
SUPERFAN = "giulia.bianchi@example.org"
TRAVELLER = "jane.doe@example.org"
SHOP_IBAN = "IT60X0542811101000000123456"
PEER_IBAN = "DE89370400440532013000"
REWARD = 2500  # cents: the cash rule on a completed match
NAMESPACE = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SHOT_NUMBERS = itertools.count(1)  # the screenshots sort in the order they were taken


def it(message, context=None):
    """`message` as the Italian pages say it (the server's own catalogue)."""
    with translation.override("it"):
        return pgettext(context, message) if context else gettext(message)


def it_money(minor):
    with translation.override("it"):
        return format_money(minor, "EUR")


class Phone:
    """A browser context shaped like a phone, with its screenshots and what overflowed."""

    def __init__(self, browser, name, locale):  # noqa: F811
        self.name = name
        self.context = browser.new_context(locale=locale, **PHONE)
        self.page = self.context.new_page()
        self.overflows = []

    def shot(self, label):
        """A full-page screenshot, and a note when the page is wider than the phone."""
        page = self.page
        page.wait_for_load_state()
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > PHONE["viewport"]["width"]:
            self.overflows.append(f"{self.name} {label} {page.url}: {wide} px wide")
        SHOTS.mkdir(exist_ok=True)
        name = f"{next(SHOT_NUMBERS):02d}-{self.name}-{label}.png"
        page.screenshot(path=SHOTS / name, full_page=True)


def _mails_to(email):
    return [m for m in mail.outbox if email in m.to]


def _link(message, pattern=r"https?://\S+"):
    return re.search(pattern, message.body).group(0)


def _console_tab(page, name):
    """Opens a console tab as on a phone: the tabs fold behind the menu button."""
    toggle = page.locator(".tabs-toggle")
    link = page.locator("#console-tabs").get_by_role("link", name=name, exact=True)
    # The page before may still be leaving (a link clicked, its navigation not yet begun): a
    # menu opened on it folds again on the next one, so open it until the tab shows.
    for attempt in range(3):
        page.wait_for_load_state()
        if toggle.is_visible() and not link.is_visible():
            toggle.click()
        try:
            link.click(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    page.wait_for_load_state()


def _guide(page):
    return page.get_by_role("region", name=it("First steps"))


def _expect_step_done(page, title):
    step = _guide(page).get_by_role("listitem").filter(has_text=it(title))
    expect(step).to_contain_text(it("(done)"))
    # a step done is no longer a link to its page
    expect(step.get_by_role("link")).to_have_count(0)


def _open_step(page, title):
    _guide(page).get_by_role("link", name=it(title)).click()
    page.wait_for_load_state()


def _to_console(page):
    _console_tab(page, it("Dashboard"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bottega Rossi")


# --- the files the owner has ------------------------------------------------------------------


def _logo(tmp_path):
    path = tmp_path / "logo-bottega.png"
    image = Image.new("RGB", (512, 512), (190, 40, 40))
    for x in range(128, 384):
        for y in range(200, 312):
            image.putpixel((x, y), (250, 220, 90))
    image.save(path, format="PNG")
    return path


def _excel_csv(path, header, rows):
    """A CSV as Excel saves it in Italy: `;`, Windows-1252, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def _customers_file(tmp_path):
    return _excel_csv(
        tmp_path / "clienti.csv",
        ["Nome", "Cognome", "E-mail", "Città", "Consenso marketing", "Lingua"],
        [
            ["Giulia", "Bianchi", SUPERFAN, "Bologna", "sì", "italiano"],
            ["Marco", "Neri", "marco.neri@example.org", "Bologna", "sì", "italiano"],
            ["Paola", "Verdi", "paola.verdi@example.org", "Modena", "no", "italiano"],
            ["Luca", "Gallo", "luca.gallo@example.org", "Imola", "sì", "italiano"],
        ],
    )


def _orders_file(tmp_path, today):
    """Giulia's eight orders (one of them large: a thousands separator) against one each of
    the others; Luca's was refunded. The shop's own columns (the delivery town) are ignored."""

    def day(days_ago):
        return (today - timedelta(days=days_ago)).strftime("%d/%m/%Y")

    giulia = [
        (8, "1.120,00"),
        (25, "86,50"),
        (47, "142,90"),
        (80, "64,00"),
        (110, "210,00"),
        (150, "98,40"),
        (200, "175,00"),
        (260, "59,90"),
    ]
    rows = [
        [str(1000 + n), SUPERFAN, day(days_ago), total, "pagato", "Bologna"]
        for n, (days_ago, total) in enumerate(giulia)
    ]
    rows += [
        ["1100", "marco.neri@example.org", day(300), "35,90", "pagato", "Bologna"],
        ["1101", "paola.verdi@example.org", day(40), "22,00", "pagato", "Modena"],
        ["1102", "luca.gallo@example.org", day(120), "48,00", "rimborsato", "Imola"],
    ]
    header = ["Numero ordine", "E-mail", "Data ordine", "Totale", "Stato", "Città di consegna"]
    return _excel_csv(tmp_path / "ordini.csv", header, rows)


# --- the test ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_new_shop_pays_its_first_peer_from_phones(
    live_server,
    browser,  # noqa: F811
    settings,
    tmp_path,
):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    phones = []

    # Given a business created from the command line, its owner without a password yet
    out = io.StringIO()
    call_command(
        "business",
        "create",
        SLUG,
        "--name",
        "Bottega Rossi",
        "--owner",
        OWNER,
        "--city",
        "Bologna",
        stdout=out,
    )
    assert "Created business bottega-rossi" in out.getvalue()
    business = Business.objects.get(slug=SLUG)
    (membership,) = Membership.objects.filter(business=business)
    assert not membership.user.has_usable_password()
    base = f"{live_server.url}/{SLUG}"

    # --- the owner sets a password with "forgot password", on her phone, in Italian ---
    owner = Phone(browser, "owner", "it-IT")
    phones.append(owner)
    page = owner.page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name=it("Forgot your password?")).click()
    page.get_by_label(it("Email")).fill(OWNER)
    page.get_by_role("button", name=it("Reset My Password")).click()
    page.wait_for_load_state()
    (reset,) = _mails_to(OWNER)
    page.goto(_link(reset))
    page.get_by_label(it("New Password"), exact=True).fill(PASSWORD)
    page.get_by_label(it("New Password (again)")).fill(PASSWORD)
    owner.shot("new-password")
    page.get_by_role("button", name=it("Change Password")).click()
    expect(page.get_by_text(it("Your password is now changed."))).to_be_visible()

    # and logs in: she lands on her console, with the first-run guide
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(it("Email")).fill(OWNER)
    page.get_by_label(it("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=it("Sign In"), exact=True).click()
    page.wait_for_url(f"{base}/manage/")
    expect(_guide(page)).to_be_visible()
    expect(_guide(page).get_by_role("listitem")).to_have_count(9)
    owner.shot("console-first-run")

    # --- 1. the shop: a tagline, a few words, and the logo ---
    _open_step(page, "Describe your shop: a tagline, a few words about it, its colour")
    page.get_by_label(it("Logo"), exact=True).set_input_files(_logo(tmp_path))
    page.get_by_role("button", name=it("Upload"), exact=True).click()
    expect(page.get_by_role("img", name=it("Your logo"))).to_be_visible()
    page.get_by_label(it("Tagline (Italian)")).fill("Pasta fresca e amici sotto i portici")
    page.get_by_label(it("Tagline (English)")).fill("Fresh pasta and friends under the arcades")
    page.get_by_label(it("About the business (Italian)")).fill(
        "Dal 1962 tiriamo la sfoglia a mano in via del Pratello."
    )
    page.get_by_role("button", name=it("Save"), exact=True).click()
    expect(page.get_by_text(it("The shop's settings are saved."))).to_be_visible()
    owner.shot("shop")
    business.refresh_from_db()
    assert business.logo, "the logo is stored"
    _to_console(page)
    _expect_step_done(page, "Describe your shop: a tagline, a few words about it, its colour")

    # --- 2. the bank account payouts leave from ---
    _open_step(page, "Give the bank account payouts are paid from")
    page.get_by_label(it("Account holder")).fill("Bottega Rossi di Anna Rossi")
    page.get_by_label(it("IBAN"), exact=True).fill("IT60 X054 2811 1010 0000 0123 456")
    page.get_by_role("button", name=it("Save"), exact=True).click()
    expect(page.get_by_text(it("The rewards settings are saved."))).to_be_visible()
    owner.shot("rewards-settings")
    _to_console(page)
    _expect_step_done(page, "Give the bank account payouts are paid from")

    # --- 3. customers and orders, from Excel's Italian CSV files ---
    today = timezone.localdate(timezone=business.tzinfo)
    _open_step(page, "Import your customers (a Shopify export or a spreadsheet)")
    for kind, path in (
        ("customers", _customers_file(tmp_path)),
        ("orders", _orders_file(tmp_path, today)),
    ):
        page.get_by_label(it("What the file holds")).select_option(kind)
        page.get_by_label(it("CSV file")).set_input_files(path)
        page.get_by_role("button", name=it("Import", "verb"), exact=True).click()
        status = page.locator("#import-status")
        expect(status).to_contain_text(path.name)
        # Excel's encoding and separator were recognised, and every row was good
        expect(status).to_contain_text(f"Windows-1252, {it('semicolons')}")
        expect(page.get_by_text(it("None: every row was good."))).to_be_visible()
        owner.shot(f"import-{kind}")
        page.get_by_role("link", name="← " + it("Imports")).click()
        expect(page).to_have_url(re.compile(r"/manage/imports/$"))
    _to_console(page)
    _expect_step_done(page, "Import your customers (a Shopify export or a spreadsheet)")
    # --- 4. the superfans: the import scored them in the background (at once, in tests) ---
    _expect_step_done(page, "See who your superfans are")

    # --- 5. she looks at them, scores again to be sure, and invites the first ---
    _open_step(page, "Invite your superfans to join")
    page.get_by_role("button", name=it("Score now")).click()
    page.wait_for_load_state()
    ranking = page.get_by_role("table").get_by_role("row")
    expect(ranking.nth(1)).to_contain_text("Giulia Bianchi")
    expect(ranking.nth(1)).to_contain_text(it_money(195670))
    owner.shot("superfans")
    ranking.filter(has_text=SUPERFAN).get_by_role("checkbox").check()
    page.get_by_role("button", name=it("Invite selected")).click()
    page.wait_for_load_state()
    expect(ranking.filter(has_text=SUPERFAN)).to_contain_text(it("Invited"))
    (invitation,) = _mails_to(SUPERFAN)
    _to_console(page)
    _expect_step_done(page, "Invite your superfans to join")

    # --- 6. a local-guides program, published, with its matching settings and reward ---
    _open_step(page, "Publish a first program")
    page.get_by_role("link", name=it("New program")).click()
    page.get_by_label(it("Title (Italian)")).fill("Passeggiate golose")
    page.get_by_label(it("Title (English)")).fill("Food walks with a local")
    page.get_by_label(it("Summary (Italian)")).fill("Un nostro cliente ti porta tra i banchi.")
    page.get_by_label(it("Summary (English)")).fill("One of our regulars shows you the market.")
    page.get_by_label(it("Kind"), exact=True).select_option(
        label=it("Local guides", "program kind")
    )
    page.get_by_role("button", name=it("Save as draft")).click()
    page.get_by_text(it("Publish…")).click()
    page.get_by_role("button", name=it("Yes, publish it")).click()
    expect(page.get_by_text(it("The program is published: peers can see it now."))).to_be_visible()
    owner.shot("program")

    _console_tab(page, it("Matching"))
    page.get_by_role("listitem").filter(has_text="Passeggiate golose").get_by_role(
        "link", name=it("Settings")
    ).click()
    page.get_by_label(it("Interests"), exact=True).fill(
        "mercato | Mercato | Market\nosterie | Osterie | Old taverns"
    )
    page.get_by_label(it("Meeting length (minutes)")).fill("90")
    page.get_by_role("button", name=it("Save"), exact=True).click()
    expect(page.get_by_text(it("The matching settings are saved."))).to_be_visible()
    owner.shot("matching-settings")

    _console_tab(page, it("Rewards"))
    page.get_by_role("link", name=it("Rules and budgets")).click()
    rule = page.locator("#new-rule")
    rule.get_by_label(it("Program"), exact=True).select_option(label="Passeggiate golose")
    rule.get_by_label(it("When"), exact=True).select_option(Event.MATCH_COMPLETED.value)
    rule.get_by_label(it("If"), exact=True).select_option(Condition.ALWAYS.value)
    rule.get_by_label(it("Give"), exact=True).select_option(RewardKind.CASH.value)
    rule.get_by_label(it("Amount"), exact=True).fill("25,00")
    rule.get_by_role("button", name=it("Add rule")).click()
    expect(
        page.get_by_text(it("The rule is saved; it applies to the next events."))
    ).to_be_visible()
    owner.shot("rules")
    _to_console(page)
    _expect_step_done(page, "Publish a first program")
    owner.shot("console-six-steps")

    # --- the superfan, on her own phone, from the e-mail ---
    fan = Phone(browser, "superfan", "it-IT")
    phones.append(fan)
    fan_page = fan.page
    fan_page.goto(_link(invitation, r"https?://\S+/invite/\S+/"))
    expect(fan_page.get_by_role("heading", level=1)).to_contain_text("Giulia")
    fan.shot("invitation")
    fan_page.get_by_role("button", name=re.compile(re.escape(it("Join the army")))).click()
    fan_page.wait_for_url(re.compile(r"/accounts/signup/"))
    assert fan_page.get_by_label(it("Email")).first.input_value() == SUPERFAN
    fan_page.get_by_label(it("Password"), exact=True).fill(PASSWORD)
    fan_page.get_by_label(it("Password (again)")).fill(PASSWORD)
    fan_page.get_by_label(
        it("I have read the privacy notice and agree that my data is used as it says.")
    ).check()
    fan.shot("signup")
    fan_page.locator("main button[type=submit]").click()
    # the invitation reached this address: no confirmation e-mail, straight to the form
    fan_page.wait_for_url(f"{base}/me/apply/")
    assert len(_mails_to(SUPERFAN)) == 1

    # she applies with only an address: no coordinates, no map
    expect(fan_page.get_by_label(it("Name shown to others"))).to_have_value("Giulia")
    fan_page.get_by_label(it("Italian"), exact=True).check()
    fan_page.get_by_label(it("English"), exact=True).check()
    fan_page.get_by_label(it("Home area")).fill("Via del Pratello 10, Bologna")
    fan.shot("apply")
    fan_page.get_by_role("button", name=it("Send application")).click()
    fan_page.wait_for_url(f"{base}/me/")
    expect(fan_page.get_by_text(it("Your application is waiting for approval."))).to_be_visible()
    # nothing is asked of her yet: her address placed her, and the weekly hours are asked
    # once she is approved (the availability page is an active peer's)
    expect(fan_page.locator("#missing")).to_have_count(0)
    fan.shot("applied")
    peer = Peer.objects.get(business=business, user__email=SUPERFAN)
    assert peer.status == PeerStatus.APPLICANT
    assert peer.latitude is not None, "the address alone placed her"
    assert peer.customer.email == SUPERFAN

    # --- 7. the owner approves her ---
    page.reload()
    _open_step(page, "Approve a first peer")
    page.get_by_role("link", name="Giulia").first.click()
    page.get_by_role("button", name=it("Approve"), exact=True).click()
    expect(page.get_by_text(it("Active member of the army."))).to_be_visible()
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    owner.shot("approved")
    _to_console(page)
    _expect_step_done(page, "Approve a first peer")

    # --- she is told what is missing before requests can reach her, and gives it ---
    fan_page.reload()
    missing = fan_page.locator("#missing")
    expect(missing).to_contain_text(
        it("Your weekly hours, so that visitors' requests can be offered to you.")
    )
    fan.shot("active-missing-hours")
    missing.get_by_role("link", name=it("Set your availability")).click()
    fan_page.wait_for_url(f"{base}/me/matching/")
    with translation.override("it"):
        saturday = str(WEEKDAYS[5])
    fan_page.get_by_label(it("I accept requests")).check()
    fan_page.get_by_label(it("Row %(n)s: day") % {"n": 1}).select_option(label=saturday)
    fan_page.get_by_label(it("Row %(n)s: from") % {"n": 1}).fill("09:00")
    fan_page.get_by_label(it("Row %(n)s: to") % {"n": 1}).fill("19:00")
    fan_page.get_by_role("button", name=it("Save"), exact=True).click()
    expect(fan_page.get_by_text(it("Your availability is saved."))).to_be_visible()
    fan.shot("availability")
    fan_page.get_by_role("link", name=it("Overview", "the peer's app")).click()
    expect(fan_page.locator("#missing")).to_have_count(0)

    # --- a traveller asks for a local from the landing page, in English ---
    traveller = Phone(browser, "traveller", "en-GB")
    phones.append(traveller)
    visit = traveller.page
    visit.goto(f"{base}/")
    expect(visit.get_by_text("Fresh pasta and friends under the arcades")).to_be_visible()
    traveller.shot("landing")
    visit.get_by_role("link", name="Ask for a local: Food walks with a local").click()
    visit.get_by_label("Your name").fill("Jane Doe")
    visit.get_by_label("Your e-mail").fill(TRAVELLER)
    visit.get_by_label("Day", exact=True).fill(_a_saturday_ahead(today).isoformat())
    visit.get_by_label("Free from").fill("10:00")
    visit.get_by_label("Free until").fill("13:00")
    visit.get_by_label("Address or place").fill("Piazza Maggiore, Bologna")
    visit.get_by_label("People in your group").fill("2")
    visit.get_by_label("English", exact=True).check()
    visit.get_by_label("Market", exact=True).check()
    traveller.shot("request-form")
    visit.get_by_role("button", name="Send my request").click()
    expect(visit.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    (confirmation,) = _mails_to(TRAVELLER)
    visit.goto(_link(confirmation, r"https?://\S+/confirm/"))
    visit.get_by_role("button", name="Confirm my request").click()
    expect(visit.get_by_text("Thank you: your e-mail is confirmed.")).to_be_visible()
    expect(visit.get_by_role("heading", name="Waiting for a local's answer")).to_be_visible()
    traveller.shot("waiting")
    match = Match.objects.get(request__email=TRAVELLER)
    assert match.peer == peer
    assert match.status == MatchStatus.PROPOSED

    # --- 8. the owner's guide counts the first request ---
    page.reload()
    _expect_step_done(page, "Open a first block, or receive a first request")

    # --- the superfan accepts in her app ---
    fan_page.get_by_role("link", name=it("Requests")).click()
    waiting = fan_page.get_by_role("region", name=it("Waiting for your answer"))
    proposal = waiting.get_by_role("listitem").filter(has_text="Passeggiate golose")
    expect(proposal).to_contain_text("Piazza Maggiore, Bologna")
    expect(proposal).not_to_contain_text(TRAVELLER)
    fan.shot("proposal")
    proposal.get_by_role("button", name=it("Accept")).click()
    coming_up = fan_page.get_by_role("region", name=it("Accepted, coming up"))
    expect(coming_up).to_contain_text("Jane Doe")
    match.refresh_from_db()
    assert match.status == MatchStatus.ACCEPTED

    # the walk happened: move it a week into the past rather than wait for Saturday
    shift = timedelta(days=8)
    Match.objects.filter(pk=match.pk).update(
        meets_at=F("meets_at") - shift, ends_at=F("ends_at") - shift
    )
    MatchRequest.objects.filter(pk=match.request_id).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    fan_page.reload()
    past = fan_page.get_by_role("region", name=it("Past and cancelled"))
    past.get_by_role("button", name=it("Mark as completed")).click()
    expect(fan_page.get_by_text(it("Marked as completed. Thank you!"))).to_be_visible()
    match.refresh_from_db()
    assert match.status == MatchStatus.COMPLETED

    # --- her wallet shows the reward; she gives her IBAN ---
    fan_page.get_by_role("link", name=it("Wallet", "the peer's app")).click()
    earned = REWARD
    balances = fan_page.get_by_role("region", name=it("Balances"))
    expect(balances).to_contain_text(it_money(earned))
    movements = fan_page.get_by_role("region", name=it("Latest movements"))
    reward_row = movements.get_by_role("row").filter(has_text=it("a match is completed"))
    expect(reward_row).to_contain_text(f"+{it_money(REWARD)}")
    bank = fan_page.locator("#bank")
    bank.get_by_label(it("Account holder")).fill("Giulia Bianchi")
    bank.get_by_label(it("IBAN"), exact=True).fill(PEER_IBAN)
    bank.get_by_role("button", name=it("Save bank details")).click()
    fan_page.wait_for_load_state()
    expect(bank).to_contain_text("Giulia Bianchi")
    expect(bank).to_contain_text(PEER_IBAN[:4])  # shown masked
    fan.shot("wallet")

    # --- 9. a peer rewarded: every step is done, and the guide makes way ---
    _to_console(page)
    expect(_guide(page)).to_have_count(0)
    owner.shot("console-done")

    # --- the owner, alone, pays: prepare, approve with her password, download the file ---
    _console_tab(page, it("Rewards"))
    expect(page.get_by_text(it("Owed to peers")).locator("..")).to_contain_text(it_money(earned))
    page.get_by_role("button", name=it("Prepare payout run")).click()
    page.wait_for_url(re.compile(r"/manage/rewards/batches/\d+/$"))
    with translation.override("it"):
        checked = ngettext(
            "I checked the payment of this run: %(total)s.",
            "I checked the %(count)s payments of this run: %(total)s in all.",
            1,
        ) % {"count": 1, "total": format_money(earned, "EUR")}
    page.get_by_label(checked).check()
    page.get_by_label(it("Your password")).fill(PASSWORD)
    owner.shot("batch-approve")
    page.get_by_role("button", name=it("Approve"), exact=True).click()
    expect(
        page.get_by_text(
            it("The payout run is approved: download the bank file and upload it to your bank.")
        )
    ).to_be_visible()
    expect(
        page.get_by_text(it("who prepared it too, and confirmed it with their password"))
    ).to_be_visible()
    owner.shot("batch-approved")
    with page.expect_download() as download:
        page.get_by_role("link", name=it("Download SEPA file")).click()
    xml = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.endswith(".xml")

    # the bank would take it: the schema accepts it, and it pays what was earned, to her IBAN,
    # from the shop's
    _check_sepa(xml, earned)
    batch = PayoutBatch.objects.get(business=business)
    assert batch.status == BatchStatus.APPROVED
    assert batch.approved_alone and batch.approved_by == batch.prepared_by == membership.user
    assert Membership.objects.filter(business=business).count() == 1
    assert checks.check_business(business.pk) == []

    # and no phone page was wider than the phone
    overflows = [note for phone in phones for note in phone.overflows]
    for phone in phones:
        phone.context.close()
    connections.close_all()
    assert overflows == []


def _a_saturday_ahead(today):
    """A Saturday at least two days away: far enough for the peer to answer."""
    days = (5 - today.weekday()) % 7
    return today + timedelta(days=days + 7 if days < 2 else days)


def _check_sepa(xml, earned):
    xsd = importlib.resources.files("sepaxml") / "schemas" / "pain.001.001.03.xsd"
    with importlib.resources.as_file(xsd) as path:
        xmlschema.XMLSchema(str(path)).validate(xml.decode())
    root = ET.fromstring(xml)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NAMESPACE)
    assert header.findtext("p:NbOfTxs", namespaces=NAMESPACE) == "1"
    assert Decimal(header.findtext("p:CtrlSum", namespaces=NAMESPACE)) * 100 == earned
    payment = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NAMESPACE)
    debtor_iban = payment.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NAMESPACE)
    assert debtor_iban == SHOP_IBAN
    (transfer,) = payment.findall("p:CdtTrfTxInf", NAMESPACE)
    creditor_iban = transfer.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NAMESPACE)
    assert creditor_iban == PEER_IBAN
    for iban in (debtor_iban, creditor_iban):
        IBAN(iban)  # raises on a wrong checksum or country format
    amount = transfer.find("p:Amt/p:InstdAmt", NAMESPACE)
    assert amount.get("Ccy") == "EUR"
    assert Decimal(amount.text) * 100 == earned
    assert transfer.findtext("p:Cdtr/p:Nm", namespaces=NAMESPACE) == "Giulia Bianchi"
