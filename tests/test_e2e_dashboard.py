"""The owner's dashboard, end to end in a real browser (Debian's chromium): the owner of Bici
Gialla opens the console, sees a year of the army in charts, filters one program and the last
12 months, reads a chart's table, and downloads the monthly report (a PDF) and a section's CSV;
on a phone-sized window in Italian the same page fits the phone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from peerarmy.analytics.figures import refresh_all
from peerarmy.analytics.tests.helpers import paid_shift
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture
from .test_e2e_sharing import _fits, _log_in, _phone

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
ROME = ZoneInfo("Europe/Rome")


def _a_year_of_deliveries(business):
    delivery = ProgramFactory(
        business=business, kind=ProgramKind.DELIVERY, title_en="Cargo-bike deliveries"
    )
    guides = ProgramFactory(business=business, kind=ProgramKind.GUIDES, title_en="Local guides")
    riders = [PeerFactory(business=business, display_name=n) for n in ("Giulia", "Marco", "Sara")]
    today = timezone.localtime(timezone.now(), ROME).date()
    for n in range(0, 360, 4):
        day = today - timedelta(days=n + 1)
        starts = datetime(day.year, day.month, day.day, 9, tzinfo=ROME)
        paid_shift(
            business, delivery, starts, riders[: 1 + n % 2], hours=3, reward_minor=3600, capacity=2
        )
    refresh_all(business)
    return delivery, guides


@pytest.mark.django_db(transaction=True)
def test_the_owner_filters_a_program_and_downloads_the_report(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    business = BusinessFactory(slug="bicigialla", name="Bici Gialla")
    owner = OwnerFactory(business=business).user
    delivery, _guides = _a_year_of_deliveries(business)

    # The owner opens the console on a laptop, in English.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_cookies([{"name": "peerarmy_language", "value": "en", "url": base}])
    page = context.new_page()
    _log_in(page, base, owner.email)
    page.goto(f"{base}/bicigialla/manage/")
    figures = page.locator("#figures")
    assert "How the army is doing" in figures.inner_text()
    assert page.locator("svg.chart").count() >= 5

    # She picks the last 12 months and the delivery program only.
    page.select_option("select[name=period]", "12m")
    assert not page.locator("input[name=start]").is_visible()  # only for dates of her choice
    page.select_option("select[name=program]", str(delivery.pk))
    page.locator("#figures button[type=submit]").click()
    page.wait_for_load_state()
    assert f"program={delivery.pk}" in page.url
    assert "Cargo-bike deliveries" in page.locator("#figures").inner_text()
    work = page.locator("#section-work-card")
    assert "Giulia" in work.inner_text()
    # The blocks chart's figures, as a table
    blocks = page.locator("#section-blocks-card")
    blocks.locator("summary").click()
    assert blocks.locator("table tbody tr").count() >= 12
    _fits(page)

    # She downloads the whole report as a PDF, and the blocks as a CSV.
    with page.expect_download() as got:
        page.get_by_role("link", name="Report (PDF)").click()
    pdf = got.value
    assert pdf.suggested_filename.endswith(".pdf")
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"
    with page.expect_download() as got:
        blocks.get_by_role("link", name="Download as CSV").click()
    text = open(got.value.path(), encoding="utf-8-sig").read()
    assert text.startswith("Period;Offered;Filled;Shifts completed;No-shows")
    context.close()

    # On a phone, in Italian, the dashboard fits the screen.
    phone, page = _phone(browser, base, "it")
    _log_in(page, base, owner.email)
    page.goto(f"{base}/bicigialla/manage/?period=12m")
    assert "Come sta il tuo esercito" in page.locator("#figures").inner_text()
    _fits(page)
    phone.close()
