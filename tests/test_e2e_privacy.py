"""People's rights, end to end in a real browser (Debian's chromium): Ada, a customer of Bici
Gialla without an account, asks on her phone for the link to her data, opens it from her
e-mail, downloads the ZIP and asks for erasure in two steps; the owner sees the request on the
console with its due date and erases her; her link then opens nothing. No phone page is wider
than the phone."""

import io
import re
import zipfile

import pytest
from django.core import mail

from peerarmy.customers.models import Customer
from peerarmy.notifications.models import OutboxMessage
from peerarmy.privacy.models import ErasureRequest, ErasureStatus
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import BusinessFactory, MembershipFactory

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture
from .test_e2e_sharing import _fits, _log_in, _phone

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

ADA = "ada.neri@example.org"


@pytest.mark.django_db(transaction=True)
def test_a_customer_without_an_account_downloads_her_data_and_has_it_erased(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    business = BusinessFactory(slug="bici", name="Bici Gialla")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    Customer.objects.create(
        business=business, email=ADA, first_name="Ada", last_name="Neri", phone="+393331112222"
    )

    # Ada, on her phone, asks for the link
    context, page = _phone(browser, base, language="en")
    page.goto(f"{base}/bici/your-data/")
    _fits(page)
    page.locator("input[name=email]").fill(ADA)
    page.get_by_role("button", name="Send me the link").click()
    page.wait_for_load_state()
    assert "Check your e-mail" in page.content()

    # the e-mail as it left (the outbox's copy loses the link once it is sent)
    (sent,) = [m for m in mail.outbox if m.to == [ADA]]
    url = re.search(r"http\S+/your-data/\S+/", sent.body).group(0)
    assert url not in OutboxMessage.objects.get(event="privacy.data_link").body_text
    page.goto(url)
    _fits(page)
    assert "What the shop knows of you as a customer" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all my data (ZIP)").click()
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        assert ADA in archive.read("data.json").decode()

    # two steps: what erasure means, then the box ticked
    page.get_by_role("link", name="Ask for erasure…").click()
    page.wait_for_load_state()
    _fits(page)
    page.get_by_role("button", name="Ask for erasure").click()
    page.wait_for_load_state()
    assert "Tick the box" in page.content()
    assert not ErasureRequest.objects.exists()
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Ask for erasure").click()
    page.wait_for_load_state()
    assert "is waiting" in page.content()
    request = ErasureRequest.objects.get()

    # the owner erases her from the console
    console = browser.new_context()
    console.add_cookies([{"name": "peerarmy_language", "value": "en", "url": base}])
    staff_page = console.new_page()
    _log_in(staff_page, base, owner.email)
    staff_page.goto(f"{base}/bici/manage/privacy/")
    staff_page.get_by_role("link", name=f"Request {request.pk}").click()
    staff_page.wait_for_load_state()
    assert ADA in staff_page.content()
    staff_page.get_by_role("button", name="Erase now").click()
    staff_page.wait_for_load_state()
    assert "records anonymised or deleted" in staff_page.content()
    request.refresh_from_db()
    assert request.status == ErasureStatus.COMPLETED
    assert not Customer.objects.filter(email=ADA).exists()

    # her link went with the rest
    assert page.goto(url).status == 404
    context.close()
    console.close()
