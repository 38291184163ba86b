"""The worker's jobs for sharing: found by the sweep, run outside any business's scope as the
worker runs them; the lapse frees the asset, the reminder goes once, and last month's sponsor
reports go once on the first days of a month."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django_scopes import scope

from peerarmy.notifications.models import OutboxMessage
from peerarmy.notifications.services import deliver_due
from peerarmy.sharing import reports, tasks
from peerarmy.sharing.inputs import SponsorInput
from peerarmy.sharing.models import Booking, BookingStatus, SponsorReport
from peerarmy.sharing.services import save_sponsor
from peerarmy.sharing.tests.helpers import (
    asset,
    book,
    bring_back,
    next_saturday,
    pick_up,
    sharing_program,
)
from peerarmy.worker import periodic_jobs

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def _sent(to):
    deliver_due()
    return [m for m in mail.outbox if to in m.to]


def _as_the_worker(job):
    """Run a job as the worker does: scoping on, and no business in scope."""
    with scope():
        return job.call()


def test_the_sweep_runs_sharings_jobs():
    jobs = periodic_jobs()
    for job in (tasks.lapse_bookings, tasks.remind_bookings, tasks.send_sponsor_reports):
        assert job in jobs


def test_a_booking_not_confirmed_in_time_frees_its_asset(business, owner):
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    start = next_saturday()
    made = book(business, bike, start=start, hours=3, confirm=False)
    assert made.booking.status == BookingStatus.UNCONFIRMED
    assert _as_the_worker(tasks.lapse_bookings) == 0  # still within its hour to confirm
    # the hour to confirm has run out
    Booking.objects.filter(pk=made.booking.pk).update(
        hold_until=timezone.now() - timedelta(minutes=1)
    )
    assert _as_the_worker(tasks.lapse_bookings) == 1
    made.booking.refresh_from_db()
    assert made.booking.status == BookingStatus.LAPSED
    again = book(business, bike, start=start, hours=3, email="second@example.com")
    assert again.booking.status == BookingStatus.CONFIRMED
    assert _as_the_worker(tasks.lapse_bookings) == 0


def test_the_reminder_before_pick_up_goes_once(business, owner):
    program = sharing_program(business, owner, reminder_hours=24)
    bike = asset(business, owner, program)
    soon = (timezone.now() + timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    later = next_saturday(weeks=2)
    booking = book(business, bike, start=soon, hours=2, email="rider@example.com").booking
    book(business, bike, start=later, hours=2, email="later@example.com")
    assert _as_the_worker(tasks.remind_bookings) == 1
    cache.delete("sharing.tasks.remind_bookings")  # ten minutes later
    assert _as_the_worker(tasks.remind_bookings) == 0
    reminders = OutboxMessage.objects.filter(event="sharing.booking_reminder")
    assert [m.recipient for m in reminders] == ["rider@example.com"]  # not the later one
    [reminder] = [m for m in _sent("rider@example.com") if m.subject == reminders[0].subject]
    assert bike.name_it in reminder.body
    booking.refresh_from_db()
    assert booking.reminded_at is not None


def test_the_reminders_wait_ten_minutes_between_rounds(business, owner):
    program = sharing_program(business, owner, reminder_hours=24)
    bike = asset(business, owner, program)
    soon = (timezone.now() + timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    assert _as_the_worker(tasks.remind_bookings) == 0  # nothing to remind yet
    book(business, bike, start=soon, hours=2, email="rider@example.com")
    assert _as_the_worker(tasks.remind_bookings) == 0  # the next round comes in ten minutes
    cache.delete("sharing.tasks.remind_bookings")
    assert _as_the_worker(tasks.remind_bookings) == 1


def _month_world(business, owner):
    """A rental in a month; a bank sponsoring through it, a shop whose sponsorship ended the
    month before, and the first days of the next month."""
    start = next_saturday()
    month = start.date().replace(day=1)
    program = sharing_program(business, owner)
    bike = asset(business, owner, program)
    booking = book(business, bike, start=start, hours=2, email="ada@example.com").booking
    pick_up(business, owner, booking)
    bring_back(business, owner, booking, distance_km=9)

    def sponsor(name, starts_on, ends_on):
        data = SponsorInput(
            program_id=program.pk,
            name=name,
            contact_email=f"{name.lower()}@example.com",
            starts_on=starts_on,
            ends_on=ends_on,
        )
        return save_sponsor(business, owner, data).value

    bank = sponsor("Banca", month - timedelta(days=60), month + timedelta(days=10))
    ended = sponsor("Bottega", month - timedelta(days=60), month - timedelta(days=1))
    following = reports.next_month(month)
    return month, following, bank, ended


def test_last_months_reports_go_once_on_the_first_days(business, owner):
    month, following, bank, ended = _month_world(business, owner)
    now = datetime(following.year, following.month, 2, 7, 0, tzinfo=ROME)
    assert reports.send_monthly_reports(now=now) == 1
    assert reports.send_monthly_reports(now=now + timedelta(hours=1)) == 0
    [message] = _sent(bank.contact_email)
    assert len(message.attachments) == 2
    assert _sent(ended.contact_email) == []
    report = SponsorReport.objects.get(sponsor=bank)
    assert report.month == month and report.sent_at is not None
    assert (report.figures["rentals"], report.figures["hours"], report.figures["km"]) == (1, 2.0, 9)


def test_no_report_goes_after_the_first_days_or_before_the_month_ends(business, owner):
    month, following, bank, _ended = _month_world(business, owner)
    mid_month = datetime(following.year, following.month, 12, 9, 0, tzinfo=ROME)
    assert reports.send_monthly_reports(now=mid_month) == 0
    late_in_month = datetime(month.year, month.month, 28, 9, 0, tzinfo=ROME)
    assert reports.send_monthly_reports(now=late_in_month) == 0
    assert not SponsorReport.objects.exists()
    assert _sent(bank.contact_email) == []


def test_the_monthly_job_runs_as_the_worker_runs_it(business, owner):
    _month_world(business, owner)
    # today's date decides whether a report is due: whatever it is, the job runs unscoped
    sent = _as_the_worker(tasks.send_sponsor_reports)
    assert sent == SponsorReport.objects.filter(sent_at__isnull=False).count()
    cache.delete("sharing.tasks.send_sponsor_reports")  # an hour later
    assert _as_the_worker(tasks.send_sponsor_reports) == 0
