"""The owner's dashboard on the console's home: a period and a program, the charts with their
tables and CSV, the report as PDF and CSV; money only for roles with rewards; nothing of one
business for another's members; and the monthly report e-mailed once, in the owner's language."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from peerarmy.analytics import report
from peerarmy.analytics.figures import refresh_all
from peerarmy.analytics.models import MonthlyReport
from peerarmy.analytics.tests.helpers import paid_shift
from peerarmy.notifications.services import deliver_due
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, PeerFactory, ProgramFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def history(business, program):
    """Two weeks of a delivery program: a block a day, done by one of two riders, paid 30 €."""
    riders = [PeerFactory(business=business, display_name=n) for n in ("Giulia", "Marco")]
    today = timezone.localtime(timezone.now(), ROME).date()
    for n in range(14):
        day = today - timedelta(days=n + 1)
        starts = datetime(day.year, day.month, day.day, 9, tzinfo=ROME)
        paid_shift(business, program, starts, [riders[n % 3 == 0]])
    refresh_all(business)
    return riders


def member(client, business, role):
    user = MembershipFactory(business=business, role=role).user
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_owner_sees_the_army_figures_of_the_last_30_days(client, business, history):
    html = member(client, business, Role.OWNER).get("/bicigialla/manage/").content.decode()
    assert "How the army is doing" in html
    assert "Cost per completed task" in html and "€30.00" in html
    assert 'role="img"' in html  # the charts
    assert "The figures as a table" in html
    for section in ("army", "recruiting", "blocks", "rewards", "budgets", "work"):
        assert f'id="section-{section}"' in html
    assert "Giulia" in html  # who did the most work


def test_community_staff_see_the_work_but_not_the_money(client, business, history):
    html = member(client, business, Role.COMMUNITY).get("/bicigialla/manage/").content.decode()
    assert 'id="section-blocks"' in html
    assert "Cost per completed task" not in html and 'id="section-rewards"' not in html
    response = client.get("/bicigialla/manage/dashboard/rewards.csv")
    assert response.status_code == 404


def test_a_program_filter_and_a_period_of_ones_choice(client, business, program, history):
    other = ProgramFactory(business=business, title_en="Guided tours")
    owner = member(client, business, Role.OWNER)
    html = owner.get(f"/bicigialla/manage/?period=90d&program={other.pk}").content.decode()
    assert "Guided tours" in html
    assert "€0.00" in html or "–" in html  # nothing paid for that program
    html = owner.get(
        "/bicigialla/manage/?period=custom&start=2026-03-10&end=2026-03-01"
    ).content.decode()
    assert "The last day comes before the first." in html


def test_bad_filters_never_break_the_page(client, business, history):
    owner = member(client, business, Role.OWNER)
    for query in (
        "period=nonsense",
        "period=custom&start=yesterday",
        "program=abc",
        "program=999999",
        "period=custom&start=2000-01-01&end=2026-01-01",
    ):
        assert owner.get(f"/bicigialla/manage/?{query}").status_code == 200
        assert owner.get(f"/bicigialla/manage/report.pdf?{query}").status_code == 200


def test_each_section_downloads_as_italian_excel_csv(client, business, history):
    owner = member(client, business, Role.OWNER)
    response = owner.get("/bicigialla/manage/dashboard/blocks.csv?period=90d")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Period;Offered;Filled")
    assert "attachment" in response["Content-Disposition"]
    assert owner.get("/bicigialla/manage/dashboard/nothing.csv").status_code == 404


def test_the_report_downloads_as_pdf_and_csv(client, business, history):
    owner = member(client, business, Role.OWNER)
    pdf = owner.get("/bicigialla/manage/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    csv = owner.get("/bicigialla/manage/report.csv").content.decode("utf-8-sig")
    assert "Key figures;Active peers" in csv
    assert "Who does the work;Giulia" in csv
    assert owner.get("/bicigialla/manage/report.xlsx").status_code == 404


def test_members_of_another_business_get_nothing(client, business, other_business, history):
    client.force_login(MembershipFactory(business=other_business, role=Role.OWNER).user)
    for url in (
        "/bicigialla/manage/",
        "/bicigialla/manage/report.pdf",
        "/bicigialla/manage/report.csv",
        "/bicigialla/manage/dashboard/blocks.csv",
    ):
        assert client.get(url).status_code in (403, 404)
    client.logout()
    assert client.get("/bicigialla/manage/report.pdf").status_code == 302  # to log in
    peer = PeerFactory(business=business)
    client.force_login(peer.user)
    assert client.get("/bicigialla/manage/report.pdf").status_code == 403


def test_the_monthly_report_is_emailed_once_to_each_owner_in_their_language(
    business, history, settings
):  # noqa: F811 - pytest-django's settings fixture
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    owner.language = "it"
    owner.save()
    today = timezone.localtime(timezone.now(), ROME).date()
    first = date(today.year, today.month, 1)
    now = datetime(first.year, first.month, first.day, 7, tzinfo=ROME) + timedelta(days=32)
    now = now.replace(day=1)
    assert report.send_monthly_reports(now=now) >= 1
    assert report.send_monthly_reports(now=now) == 0  # once a month, however often it runs
    assert MonthlyReport.objects.filter(business=business).count() == 1
    deliver_due()
    sent = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(sent) == 1
    message = sent[0]
    assert "Bici Gialla" in message.subject and "esercito" in message.subject
    names = [name for name, _content, _type in message.attachments]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".csv") for n in names)
    pdf = next(c for n, c, _t in message.attachments if n.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")


def test_the_top_referrers_are_the_peers_whose_links_brought_people(client, business, history):
    from peerarmy.spread.models import LinkDay
    from peerarmy.spread.tests.helpers import friend, landing_link

    giulia = history[0]
    link = landing_link(business, giulia)
    LinkDay.objects.create(
        business=business, link=link, day=timezone.localdate() - timedelta(days=2), visits=7
    )
    friend(business, link, days_ago=3)
    html = member(client, business, Role.OWNER).get("/bicigialla/manage/").content.decode()
    assert 'id="section-referrers"' in html
    csv = client.get("/bicigialla/manage/dashboard/referrers.csv").content.decode("utf-8-sig")
    assert "Giulia;7;1;" in csv
