"""A sponsor's monthly report: the figures of the month are exact, the CSV opens in Italian
Excel, the PDF names the sponsor, and the sponsor's contact receives it once."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext

from peerarmy.notifications.services import deliver_due
from peerarmy.rewards.statements import period_label
from peerarmy.rewards.tests.test_statements import pdf_text
from peerarmy.sharing import reports, selectors, services
from peerarmy.sharing.inputs import SponsorInput
from peerarmy.sharing.models import PageViews, SponsorReport
from peerarmy.sharing.tests.helpers import asset, book, bring_back, pick_up, sharing_program

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def _month() -> date:
    """The first of the month after next: every booking of the world is in the future."""
    return reports.next_month(reports.next_month(timezone.localdate()))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


def _sponsor(business, owner, program, *, name, assets=(), language="it", month=None):
    month = month or _month()
    data = SponsorInput(
        program_id=program.pk,
        name=name,
        contact_name="Giulia Verdi",
        contact_email=f"{slugify(name)}@example.com",
        language=language,
        starts_on=month - timedelta(days=40),
        ends_on=month + timedelta(days=300),
        amount_minor=120_000,
        asset_ids=[a.pk for a in assets],
    )
    return services.save_sponsor(business, owner, data).value


def _rental(business, owner, the_asset, start, *, hours, email, back_after=None, km=None):
    """A rental picked up at `start` and brought back `back_after` later (never, if None)."""
    booking = book(business, the_asset, start=start, hours=hours, email=email).booking
    pick_up(business, owner, booking, now=start)
    if back_after is not None:
        bring_back(business, owner, booking, now=start + back_after, distance_km=km)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def world(business, owner):
    """Bici Gialla's program with a cargo bike (sponsored alone by a bank) and an e-bike; a
    shop sponsors the whole program. In the month:
    - cargo: 3 h with 12 km; 2 h returned 30 min late with no km (same rider, other case);
      2 h from 23:30 on the last day (counted: picked up in the month);
    - e-bike: 1 h from 00:15 on the first day with 5 km; still out 1.5 h at `now`;
    Outside: the e-bike picked up at 00:15 on the next month's first day; a confirmed booking of
    the cargo never picked up. Page views in the month and in the next."""
    month = _month()
    following = reports.next_month(month)
    last_day = following - timedelta(days=1)
    program = sharing_program(business, owner)
    cargo = asset(business, owner, program, name_it="Cargo rosso", name_en="Red cargo")
    ebike = asset(business, owner, program, name_it="E-bike blu", name_en="Blue e-bike")
    hour = timedelta(hours=1)
    _rental(
        business,
        owner,
        cargo,
        _at(month, 10),
        hours=3,
        email="ada@example.com",
        back_after=3 * hour,
        km=12,
    )
    _rental(
        business,
        owner,
        cargo,
        _at(month.replace(day=10), 9),
        hours=2,
        email="Ada@Example.com",
        back_after=2.5 * hour,
    )
    _rental(
        business,
        owner,
        cargo,
        _at(last_day, 23, 30),
        hours=2,
        email="bruno@example.com",
        back_after=2 * hour,
    )
    _rental(
        business,
        owner,
        ebike,
        _at(month, 0, 15),
        hours=1,
        email="carla@example.com",
        back_after=hour,
        km=5,
    )
    still_out = _rental(
        business, owner, ebike, _at(month.replace(day=20), 10), hours=4, email="dario@example.com"
    )
    _rental(
        business,
        owner,
        ebike,
        _at(following, 0, 15),
        hours=1,
        email="elio@example.com",
        back_after=hour,
        km=40,
    )
    book(business, cargo, start=_at(month.replace(day=15), 10), hours=2, email="fabio@example.com")
    for the_asset, day, count in (
        (cargo, month, 7),
        (cargo, month.replace(day=25), 3),
        (ebike, last_day, 4),
        (cargo, following, 100),
    ):
        PageViews.objects.create(business=business, asset=the_asset, day=day, count=count)
    return {
        "month": month,
        "program": program,
        "cargo": cargo,
        "ebike": ebike,
        "now": still_out.checked_out_at + timedelta(minutes=90),
        "bank": _sponsor(business, owner, program, name="Banca Felsinea", assets=[cargo]),
        "shop": _sponsor(business, owner, program, name="Caffè Zamboni", language="en"),
    }


def test_a_sponsor_of_one_asset_counts_that_asset_in_the_month(business, world):
    figures = reports.figures(business, world["bank"], world["month"], now=world["now"])
    assert (figures["rentals"], figures["hours"], figures["riders"]) == (3, 7.5, 2)
    assert (figures["km"], figures["km_rentals"], figures["views"]) == (12, 1, 10)
    assert not figures["whole_program"]
    [row] = figures["assets"]
    assert row["name_it"] == "Cargo rosso"
    assert (row["rentals"], row["hours"], row["km"], row["views"]) == (3, 7.5, 12, 10)


def test_a_sponsor_of_the_whole_program_counts_every_asset(business, world):
    figures = reports.figures(business, world["shop"], world["month"], now=world["now"])
    # 7.5 h of the cargo bike, 1 h returned and 1.5 h still out on the e-bike
    assert (figures["rentals"], figures["hours"], figures["riders"]) == (5, 10.0, 4)
    assert (figures["km"], figures["km_rentals"], figures["views"]) == (17, 2, 14)
    assert figures["whole_program"]
    rows = {row["name_it"]: row for row in figures["assets"]}
    assert set(rows) == {"Cargo rosso", "E-bike blu"}
    ebike = rows["E-bike blu"]
    assert (ebike["rentals"], ebike["hours"], ebike["riders"]) == (2, 2.5, 2)
    assert (ebike["km"], ebike["km_rentals"], ebike["views"]) == (5, 1, 4)


def test_the_figures_take_a_few_queries_whatever_the_bookings(
    business, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        reports.figures(business, world["shop"], world["month"], now=world["now"])


def test_a_report_is_made_once_per_month_and_listed_newest_first(business, world):
    bank, month = world["bank"], world["month"]
    first = reports.make_report(business, bank, month.replace(day=17), now=world["now"])
    again = reports.make_report(business, bank, month, now=world["now"])
    earlier = reports.make_report(business, bank, reports.previous_month(month), now=world["now"])
    assert first.pk == again.pk and again.month == month
    assert again.figures["rentals"] == 3 and earlier.figures["rentals"] == 0
    assert [r.pk for r in selectors.sponsor_reports(business, bank)] == [again.pk, earlier.pk]
    assert selectors.get_sponsor_report(business, bank, again.pk).pk == again.pk
    from peerarmy.errors import NotFound

    with pytest.raises(NotFound):
        selectors.get_sponsor_report(business, world["shop"], again.pk)


def _rows(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_the_italian_csv_has_semicolons_and_decimal_commas(business, world):
    report = reports.make_report(business, world["bank"], world["month"], now=world["now"])
    text = reports.report_csv(report)
    rows = _rows(text, ";")
    assert len(rows) == 3 and all(len(row) == 7 for row in rows)  # headings, the asset, total
    assert rows[1] == ["Cargo rosso", "3", "7,5", "2", "12", "1", "10"]
    with translation.override("it"):
        total = gettext("Total")
    assert rows[2] == [total, "3", "7,5", "2", "12", "1", "10"]


def test_the_english_csv_has_commas_and_decimal_points(business, world):
    report = reports.make_report(business, world["shop"], world["month"], now=world["now"])
    rows = _rows(reports.report_csv(report), ",")
    assert rows[0][0] == "Asset"
    assert rows[1:] == [
        ["Red cargo", "3", "7.5", "2", "12", "1", "10"],
        ["Blue e-bike", "2", "2.5", "2", "5", "1", "4"],
        ["Total", "5", "10.0", "4", "17", "2", "14"],
    ]


def test_the_pdf_names_the_sponsor_the_business_and_the_figures(business, world):
    report = reports.make_report(business, world["shop"], world["month"], now=world["now"])
    data = reports.report_pdf(report, compress=False)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Caffè Zamboni" in text
    assert "Bici Gialla" in text
    assert "Blue e-bike" in text and "10.0" in text
    month = world["month"]
    assert period_label(month.year, month.month, "en") in text  # "March 2027"
    assert reports.report_pdf(report).startswith(b"%PDF")  # compressed as sent


def _sent(to):
    deliver_due()
    return [m for m in mail.outbox if to in m.to]


def test_the_contact_receives_the_report_with_its_pdf_and_csv_once(business, world):
    bank = world["bank"]
    report = reports.make_report(business, bank, world["month"], now=world["now"])
    assert not reports.send_report(business, report).replayed
    assert reports.send_report(business, report).replayed
    [message] = _sent(bank.contact_email)
    assert "Bici Gialla" in message.subject
    names = sorted(name for name, _content, _type in message.attachments)
    assert names == [
        f"banca-felsinea-{world['month']:%Y-%m}.csv",
        f"banca-felsinea-{world['month']:%Y-%m}.pdf",
    ]
    report.refresh_from_db()
    assert report.sent_at is not None
    # forced: sent again
    reports.send_report(business, report, force=True)
    assert len(_sent(bank.contact_email)) == 2


def test_the_pdf_attachment_arrives_as_a_pdf(business, world):
    report = reports.make_report(business, world["bank"], world["month"], now=world["now"])
    reports.send_report(business, report)
    [message] = _sent(world["bank"].contact_email)
    attached = {name: content for name, content, _type in message.attachments}
    pdf = next(content for name, content in attached.items() if name.endswith(".pdf"))
    csv_text = next(content for name, content in attached.items() if name.endswith(".csv"))
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    assert "7,5" in csv_text


def test_a_report_of_another_business_is_not_found(business, world, other_business):
    report = reports.make_report(business, world["bank"], world["month"], now=world["now"])
    from peerarmy.errors import NotFound

    with pytest.raises(NotFound):
        selectors.get_sponsor_report(other_business, world["bank"], report.pk)
    assert SponsorReport.objects.filter(business=other_business).count() == 0
