"""Sharing in the business console: the day's hand-overs at the counter (pick-ups and returns,
on a phone), the week's calendar of bookings, a booking with what may be done to it (the
transfer arrived, the pick-up, the return, cancelling), the fleet (stations, assets, their
photos and state, the peers' listings to review), each program's terms, and the sponsors with
their fee and their monthly reports.

The pages read through `sharing.selectors` and change through `sharing.services` (and
`sharing.reports`), which check who acts themselves: a refusal comes back next to the field it
names, or as a message. Pages show statuses in words and times on the business's clock."""

import math
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy.chipin import references
from peerarmy.money import format_money
from peerarmy.photos import MAX_UPLOAD_BYTES
from peerarmy.sharing import reports, selectors, services
from peerarmy.sharing.models import (
    AssetState,
    BookingStatus,
    ListingStatus,
)
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.sharing import (
    AssetForm,
    AssetPhotosForm,
    AssetStateForm,
    CancelForm,
    CheckInForm,
    CheckOutForm,
    ListingDecisionForm,
    SharingSettingsForm,
    SponsorForm,
    SponsorLogoForm,
    StationForm,
)

from .base import attempt as _attempt
from .base import console_page
from .base import page_url as _url
from .base import role_can as _can
from .base import save_form as _save

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)
# What the week's calendar shows: every booking but those never confirmed in time.
CALENDAR = [s for s in BookingStatus.values if s != BookingStatus.LAPSED]
CANCELLABLE = (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED)


def _money(minor, currency="EUR"):
    return format_money(minor, currency)


def _rf(reference):
    try:
        return references.format_rf(reference)
    except references.NotAReference:
        return reference


def _today(business):
    return timezone.localdate(timezone=business.tzinfo)


def _day_param(request, business, name="day"):
    """A day from the address (?day=2025-06-14), or today on the business's clock."""
    try:
        return date.fromisoformat(request.GET.get(name, "")[:10])
    except ValueError:
        return _today(business)


def late_words(minutes):
    """How late, the way the counter says it: "25 min", "1 h 10", "2 days 3 h"."""
    minutes = max(1, minutes)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    if minutes < 1440:
        return _("%(hours)d h %(minutes)02d") % {"hours": minutes // 60, "minutes": minutes % 60}
    days, hours = minutes // 1440, (minutes % 1440) // 60
    words = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return f"{words} {hours} h" if hours else words


def _lateness(booking, now):
    """ "late by 1 h 10" for an asset out past its end; else ""."""
    if booking.status != BookingStatus.OUT or now <= booking.ends_at:
        return ""
    minutes = math.ceil((now - booking.ends_at).total_seconds() / 60)
    return _("late by %(time)s") % {"time": late_words(minutes)}


def _programs_or_none(request, business, template, extra=None):
    """The sharing programs (drafts too); without one, the page that says how to make one."""
    programs = selectors.sharing_programs(business, published=False)
    if programs:
        return programs, None
    return None, render(request, template, {"programs": [], **(extra or {})})


# --- the day at the counter ------------------------------------------------------------------


@console_page(needs=Capability.WORK)
def today(request, business):
    day = _day_param(request, business)
    now = timezone.now()
    programs = selectors.sharing_programs(business, published=False)
    pickups, returns = selectors.to_hand_over(business, day)
    pickup_rows = [
        {
            "booking": b,
            "url": _url(business, "manage_sharing_booking", booking_id=b.pk),
            "unpaid": b.paid_at is None,
            "to_take": b.price_minor + b.deposit_minor,
        }
        for b in pickups
    ]
    return_rows = [
        {
            "booking": b,
            "url": _url(business, "manage_sharing_booking", booking_id=b.pk),
            "late": _lateness(b, now),
        }
        for b in returns
    ]
    to_review = []
    if _can(request, Capability.SETUP):
        to_review = list(selectors.listings_to_review(business))
    return render(
        request,
        "web/manage/sharing/today.html",
        {
            "programs": programs,
            "day": day,
            "is_today": day == _today(business),
            "previous_day": (day - timedelta(days=1)).isoformat(),
            "next_day": (day + timedelta(days=1)).isoformat(),
            "pickups": pickup_rows,
            "returns": return_rows,
            "to_review": to_review,
        },
    )


# --- the week's bookings ---------------------------------------------------------------------


@console_page(needs=Capability.WORK)
def bookings(request, business):
    first = _day_param(request, business, "week")
    monday = first - timedelta(days=first.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    start, _end = selectors.day_bounds(business, days[0])
    _start, end = selectors.day_bounds(business, days[-1])
    tz = business.tzinfo
    now = timezone.now()
    found = list(selectors.bookings(business, start=start, end=end, statuses=CALENDAR))
    by_asset = {}
    assets = {}
    for booking in found:
        assets.setdefault(booking.asset_id, booking.asset)
        first_day = timezone.localtime(booking.starts_at, tz).date()
        last_day = timezone.localtime(booking.ends_at - timedelta(microseconds=1), tz).date()
        entry = {
            "booking": booking,
            "url": _url(business, "manage_sharing_booking", booking_id=booking.pk),
            "late": _lateness(booking, now),
            "cancelled": booking.status == BookingStatus.CANCELLED,
        }
        cells = by_asset.setdefault(booking.asset_id, {d: [] for d in days})
        for d in days:
            if first_day <= d <= last_day:
                cells[d].append(entry)
    rows = [
        {"asset": assets[asset_id], "cells": [{"day": d, "entries": cells[d]} for d in days]}
        for asset_id, cells in sorted(
            by_asset.items(), key=lambda item: (assets[item[0]].name, item[0])
        )
    ]
    return render(
        request,
        "web/manage/sharing/bookings.html",
        {
            "days": days,
            "rows": rows,
            "today": _today(business),
            "previous_week": (monday - timedelta(days=7)).isoformat(),
            "next_week": (monday + timedelta(days=7)).isoformat(),
            "this_week": _today(business) - timedelta(days=_today(business).weekday()),
            "monday": monday,
        },
    )


def _settled(booking):
    """What the return did with the money, from what the booking keeps."""
    if booking.status != BookingStatus.RETURNED:
        return None
    fees = booking.late_fee_minor + booking.damage_kept_minor
    from_deposit = fees - booking.collected_minor
    paid_deposit = booking.deposit_minor if booking.paid_at else 0
    return {
        "late_fee": booking.late_fee_minor,
        "damage": booking.damage_kept_minor,
        "from_deposit": from_deposit,
        "collect": booking.collected_minor,
        "given_back": max(0, paid_deposit - from_deposit),
    }


def _booking_page(request, business, booking, *, forms=None, code=200):
    forms = forms or {}
    status = booking.status
    can_check_out = status == BookingStatus.CONFIRMED
    amount = booking.price_minor + booking.deposit_minor
    context = {
        "booking": booking,
        "asset": booking.asset,
        "owner_name": booking.asset.owner_peer.display_name if booking.asset.owner_peer_id else "",
        "reference": _rf(booking.reference),
        "late": _lateness(booking, timezone.now()),
        "length": services.minutes_words(
            math.ceil((booking.ends_at - booking.starts_at).total_seconds() / 60)
        ),
        "settled": _settled(booking),
        "can_pay": booking.paid_at is None and status in CANCELLABLE and amount > 0,
        "till_refund": selectors.till_refund(business, booking),
        "to_pay": amount,
        "check_out_form": forms.get("check_out")
        or (
            CheckOutForm(booking=booking, amount_words=_money(amount, booking.currency))
            if can_check_out
            else None
        ),
        "check_in_form": forms.get("check_in")
        or (CheckInForm(business=business) if status == BookingStatus.OUT else None),
        "cancel_form": forms.get("cancel")
        or (CancelForm(business=business) if status in CANCELLABLE else None),
    }
    return render(request, "web/manage/sharing/booking.html", context, status=code)


@console_page(needs=Capability.WORK)
def booking(request, business, booking_id):
    return _booking_page(request, business, selectors.get_booking(business, booking_id))


def _to_booking(business, booking):
    return redirect(
        "web:manage_sharing_booking", business_slug=business.slug, booking_id=booking.pk
    )


@console_page(POST, needs=Capability.REWARDS)
def booking_given_back(request, business, booking_id):
    booking = selectors.get_booking(business, booking_id)
    if _attempt(request, lambda: services.give_back_at_till(business, request.user, booking)):
        messages.success(request, _("The deposit is given back."))
    return _to_booking(business, booking)


@console_page(POST, needs=Capability.REWARDS)
def booking_paid(request, business, booking_id):
    booking = selectors.get_booking(business, booking_id)
    if _attempt(request, lambda: services.record_transfer(business, request.user, booking)):
        messages.success(request, _("The transfer is recorded: the booking is paid."))
    return _to_booking(business, booking)


@console_page(POST, needs=Capability.WORK)
def booking_check_out(request, business, booking_id):
    booking = selectors.get_booking(business, booking_id)
    amount = _money(booking.price_minor + booking.deposit_minor, booking.currency)
    form = CheckOutForm(request.POST, booking=booking, amount_words=amount, business=business)
    if form.is_valid() and _save(
        form, lambda data: services.check_out(business, request.user, booking, data)
    ):
        messages.success(
            request,
            _("%(asset)s is out with %(name)s.")
            % {"asset": booking.asset.name, "name": booking.name},
        )
        return _to_booking(business, booking)
    booking = selectors.get_booking(business, booking_id)
    return _booking_page(request, business, booking, forms={"check_out": form}, code=400)


@console_page(POST, needs=Capability.WORK)
def booking_check_in(request, business, booking_id):
    booking = selectors.get_booking(business, booking_id)
    form = CheckInForm(request.POST, business=business)
    done = None
    if form.is_valid():
        done = _save(form, lambda data: services.check_in(business, request.user, booking, data))
    if done is None:
        booking = selectors.get_booking(business, booking_id)
        return _booking_page(request, business, booking, forms={"check_in": form}, code=400)
    settled = done.value
    currency = booking.currency
    parts = [_("%(asset)s is back.") % {"asset": booking.asset.name}]
    if settled.late_fee_minor:
        parts.append(
            _("Late fee: %(amount)s.") % {"amount": _money(settled.late_fee_minor, currency)}
        )
    if settled.from_deposit_minor:
        parts.append(
            _("Taken from the deposit: %(amount)s.")
            % {"amount": _money(settled.from_deposit_minor, currency)}
        )
    if settled.collect_minor:
        parts.append(
            _("Collect %(amount)s at the till: the deposit did not cover it all.")
            % {"amount": _money(settled.collect_minor, currency)}
        )
    if settled.given_back_minor:
        parts.append(
            _("Give back %(amount)s.") % {"amount": _money(settled.given_back_minor, currency)}
            if not settled.booking.paid_by_transfer
            else _("%(amount)s goes back by transfer.")
            % {"amount": _money(settled.given_back_minor, currency)}
        )
    messages.success(request, " ".join(parts))
    return _to_booking(business, booking)


@console_page(POST, needs=Capability.WORK)
def booking_cancel(request, business, booking_id):
    booking = selectors.get_booking(business, booking_id)
    form = CancelForm(request.POST, business=business)
    if form.is_valid() and _save(
        form, lambda data: services.cancel_by_staff(business, request.user, booking, data)
    ):
        messages.success(
            request,
            _("The booking is cancelled: %(name)s is told by e-mail.") % {"name": booking.name},
        )
        return _to_booking(business, booking)
    booking = selectors.get_booking(business, booking_id)
    return _booking_page(request, business, booking, forms={"cancel": form}, code=400)


# --- the fleet -------------------------------------------------------------------------------


def _fleet_page(request, business, *, decision=None, code=200):
    """Stations, assets and the listings to review; `decision` is (asset id, form) refused."""
    programs = selectors.sharing_programs(business, published=False)
    titles = {p.pk: p.title for p in programs}
    stations = list(selectors.stations(business))
    assets = list(selectors.assets(business))
    pending = []
    for asset in assets:
        if asset.owner_peer_id and asset.listing == ListingStatus.PENDING:
            form = (
                decision[1]
                if decision is not None and decision[0] == asset.pk
                else ListingDecisionForm(business=business, prefix=f"listing-{asset.pk}")
            )
            pending.append(
                {
                    "asset": asset,
                    "form": form,
                    "url": _url(business, "manage_sharing_listing", asset_id=asset.pk),
                    "edit_url": _url(business, "manage_sharing_asset", asset_id=asset.pk),
                }
            )
    return render(
        request,
        "web/manage/sharing/fleet.html",
        {
            "programs": programs,
            "several_programs": len(programs) > 1,
            "titles": titles,
            "stations": [
                {
                    "station": s,
                    "program": titles.get(s.program_id, ""),
                    "url": _url(business, "manage_sharing_station", station_id=s.pk),
                }
                for s in stations
            ],
            "assets": [
                {
                    "asset": a,
                    "program": titles.get(a.program_id, ""),
                    "url": _url(business, "manage_sharing_asset", asset_id=a.pk),
                }
                for a in assets
            ],
            "pending": pending,
        },
        status=code,
    )


@console_page(needs=Capability.SETUP)
def fleet(request, business):
    return _fleet_page(request, business)


@console_page(POST, needs=Capability.SETUP)
def asset_listing(request, business, asset_id):
    asset = selectors.get_asset(business, asset_id)
    form = ListingDecisionForm(request.POST, business=business, prefix=f"listing-{asset.pk}")
    done = None
    if form.is_valid():
        done = _save(
            form, lambda data: services.decide_listing(business, request.user, asset, data)
        )
    if done is None:
        return _fleet_page(request, business, decision=(asset.pk, form), code=400)
    if done.value.listing == ListingStatus.APPROVED:
        messages.success(
            request, _("%(asset)s is approved: people can book it.") % {"asset": asset.name}
        )
    else:
        messages.success(
            request, _("%(asset)s is refused: its owner is told why.") % {"asset": asset.name}
        )
    return redirect("web:manage_sharing_fleet", business_slug=business.slug)


def _asset_forms_context(request, business, asset):
    if asset is None:
        return {}
    return {
        "photos": selectors.photos_of(asset),
        "photos_form": AssetPhotosForm(),
        "state_form": AssetStateForm(business=business, initial={"state": asset.state}),
        "owner_name": asset.owner_peer.display_name if asset.owner_peer_id else "",
        "decision_form": ListingDecisionForm(business=business, prefix=f"listing-{asset.pk}")
        if asset.owner_peer_id and asset.listing == ListingStatus.PENDING
        else None,
    }


def _asset_page(request, business, *, asset=None):
    programs, empty = _programs_or_none(request, business, "web/manage/sharing/asset_form.html")
    if empty is not None:
        return empty
    stations = list(selectors.stations(business))
    titles = {p.pk: p.title for p in programs}
    for station in stations:
        station.program_title = titles.get(station.program_id, "")
    form = AssetForm(
        request.POST or None,
        business=business,
        programs=programs,
        stations=stations,
        asset=asset,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form, lambda data: services.save_asset(business, request.user, data, asset=asset)
        )
        if saved is not None:
            if asset is None:
                messages.success(
                    request,
                    _("%(asset)s is in the fleet. Add its photos: people like to see it.")
                    % {"asset": saved.value.name},
                )
            else:
                messages.success(request, _("The asset is saved."))
            return redirect(
                "web:manage_sharing_asset", business_slug=business.slug, asset_id=saved.value.pk
            )
    return render(
        request,
        "web/manage/sharing/asset_form.html",
        {"form": form, "asset": asset, "programs": programs}
        | _asset_forms_context(request, business, asset),
        status=400 if form.errors else 200,
    )


@console_page(GET_POST, needs=Capability.SETUP)
def asset_new(request, business):
    return _asset_page(request, business)


@console_page(GET_POST, needs=Capability.SETUP)
def asset_edit(request, business, asset_id):
    return _asset_page(request, business, asset=selectors.get_asset(business, asset_id))


def _to_asset(business, asset):
    return redirect("web:manage_sharing_asset", business_slug=business.slug, asset_id=asset.pk)


@console_page(POST, needs=Capability.SETUP)
def asset_photos(request, business, asset_id):
    asset = selectors.get_asset(business, asset_id)
    uploads = request.FILES.getlist("photos")
    if not uploads:
        messages.error(request, _("Choose one or more photos first."))
        return _to_asset(business, asset)
    added = 0
    for upload in uploads:
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if _attempt(
            request, lambda data=data: services.add_asset_photo(business, request.user, asset, data)
        ):
            added += 1
    if added:
        messages.success(
            request,
            ngettext("%(count)d photo added.", "%(count)d photos added.", added) % {"count": added},
        )
    return _to_asset(business, asset)


@console_page(POST, needs=Capability.SETUP)
def asset_photo_delete(request, business, asset_id, photo_id):
    asset = selectors.get_asset(business, asset_id)
    if _attempt(
        request, lambda: services.remove_asset_photo(business, request.user, asset, photo_id)
    ):
        messages.success(request, _("The photo is removed."))
    return _to_asset(business, asset)


@console_page(POST, needs=Capability.SETUP)
def asset_state(request, business, asset_id):
    asset = selectors.get_asset(business, asset_id)
    form = AssetStateForm(request.POST, business=business)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _to_asset(business, asset)
    done = _attempt(
        request, lambda: services.set_asset_state(business, request.user, asset, form.input)
    )
    if done is not None:
        messages.success(
            request,
            _("%(asset)s is now: %(state)s.")
            % {"asset": asset.name, "state": AssetState(done.value.state).label},
        )
    return _to_asset(business, asset)


# --- stations --------------------------------------------------------------------------------


def _station_page(request, business, *, station=None):
    programs, empty = _programs_or_none(request, business, "web/manage/sharing/station_form.html")
    if empty is not None:
        return empty
    form = StationForm(request.POST or None, business=business, programs=programs, station=station)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda data: services.save_station(business, request.user, data, station=station),
        )
        if saved is not None:
            messages.success(
                request, _("The station %(name)s is saved.") % {"name": saved.value.name}
            )
            return redirect("web:manage_sharing_fleet", business_slug=business.slug)
    return render(
        request,
        "web/manage/sharing/station_form.html",
        {"form": form, "station": station, "programs": programs},
        status=400 if form.errors else 200,
    )


@console_page(GET_POST, needs=Capability.SETUP)
def station_new(request, business):
    return _station_page(request, business)


@console_page(GET_POST, needs=Capability.SETUP)
def station_edit(request, business, station_id):
    return _station_page(request, business, station=selectors.get_station(business, station_id))


# --- the programs' terms ---------------------------------------------------------------------


@console_page(GET_POST, needs=Capability.SETUP)
def settings(request, business):
    programs = selectors.sharing_programs(business, published=False)
    chosen = request.POST.get("program", "") if request.method == "POST" else ""
    entries = []
    refused = False
    for program in programs:
        prefix = f"program-{program.pk}"
        if chosen == str(program.pk):
            form = SharingSettingsForm(request.POST, business=business, prefix=prefix)
            if form.is_valid() and _save(
                form,
                lambda data, program=program: services.save_settings(
                    business, request.user, program, data
                ),
            ):
                messages.success(
                    request,
                    _("The terms of %(program)s are saved; they apply to new bookings.")
                    % {"program": program.title},
                )
                return redirect("web:manage_sharing_settings", business_slug=business.slug)
            refused = True
        else:
            terms = selectors.sharing_settings(business, program)
            form = SharingSettingsForm(business=business, prefix=prefix, terms=terms)
        entries.append({"program": program, "form": form})
    if request.method == "POST" and not refused:
        raise Http404
    return render(
        request,
        "web/manage/sharing/settings.html",
        {"entries": entries, "programs": programs},
        status=400 if refused else 200,
    )


# --- sponsors --------------------------------------------------------------------------------


@console_page(needs=Capability.SETUP)
def sponsors(request, business):
    programs = selectors.sharing_programs(business, published=False)
    titles = {p.pk: p.title for p in programs}
    today_ = _today(business)
    rows = [
        {
            "sponsor": s,
            "program": titles.get(s.program_id, ""),
            "current": s.starts_on <= today_ <= s.ends_on,
            "url": _url(business, "manage_sharing_sponsor", sponsor_id=s.pk),
        }
        for s in selectors.sponsors(business)
    ]
    return render(
        request,
        "web/manage/sharing/sponsors.html",
        {"rows": rows, "programs": programs, "several_programs": len(programs) > 1},
    )


def _sponsor_page(request, business, *, sponsor=None):
    programs, empty = _programs_or_none(request, business, "web/manage/sharing/sponsor_form.html")
    if empty is not None:
        return empty
    assets = [a for a in selectors.assets(business) if a.state != AssetState.RETIRED]
    chosen = selectors.sponsor_asset_ids(sponsor) if sponsor is not None else []
    initial = None
    if sponsor is None:
        today_ = _today(business)
        initial = {
            "starts_on": today_.isoformat(),
            "ends_on": today_.replace(year=today_.year + 1).isoformat()
            if not (today_.month == 2 and today_.day == 29)
            else (today_ + timedelta(days=365)).isoformat(),
            "language": business.default_language[:2]
            if business.default_language[:2] in ("it", "en")
            else "it",
            "program": programs[0].pk if len(programs) == 1 else "",
        }
    kwargs = {"initial": initial} if initial is not None else {}
    form = SponsorForm(
        request.POST or None,
        business=business,
        programs=programs,
        assets=assets,
        sponsor=sponsor,
        chosen=chosen,
        **kwargs,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda data: services.save_sponsor(business, request.user, data, sponsor=sponsor),
        )
        if saved is not None:
            messages.success(
                request, _("The sponsor %(name)s is saved.") % {"name": saved.value.name}
            )
            return redirect(
                "web:manage_sharing_sponsor",
                business_slug=business.slug,
                sponsor_id=saved.value.pk,
            )
    context = {"form": form, "sponsor": sponsor, "programs": programs}
    if sponsor is not None:
        context |= {
            "logo_form": SponsorLogoForm(),
            "can_record_fee": _can(request, Capability.REWARDS)
            and sponsor.fee_received_at is None
            and sponsor.amount_minor > 0,
            "reports": [
                {
                    "report": r,
                    "pdf": _url(
                        business,
                        "manage_sharing_sponsor_report_pdf",
                        sponsor_id=sponsor.pk,
                        report_id=r.pk,
                    ),
                    "csv": _url(
                        business,
                        "manage_sharing_sponsor_report_csv",
                        sponsor_id=sponsor.pk,
                        report_id=r.pk,
                    ),
                }
                for r in selectors.sponsor_reports(business, sponsor)
            ],
            "last_month": reports.previous_month(_today(business)),
        }
    return render(
        request,
        "web/manage/sharing/sponsor_form.html",
        context,
        status=400 if form.errors else 200,
    )


@console_page(GET_POST, needs=Capability.SETUP)
def sponsor_new(request, business):
    return _sponsor_page(request, business)


@console_page(GET_POST, needs=Capability.SETUP)
def sponsor_edit(request, business, sponsor_id):
    return _sponsor_page(request, business, sponsor=selectors.get_sponsor(business, sponsor_id))


def _to_sponsor(business, sponsor):
    return redirect(
        "web:manage_sharing_sponsor", business_slug=business.slug, sponsor_id=sponsor.pk
    )


@console_page(POST, needs=Capability.SETUP)
def sponsor_logo(request, business, sponsor_id):
    sponsor = selectors.get_sponsor(business, sponsor_id)
    form = SponsorLogoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the logo's picture first."))
        return _to_sponsor(business, sponsor)
    data = form.cleaned_data["logo"].read(MAX_UPLOAD_BYTES + 1)
    if _attempt(request, lambda: services.set_sponsor_logo(business, request.user, sponsor, data)):
        messages.success(request, _("The logo is saved."))
    return _to_sponsor(business, sponsor)


@console_page(POST, needs=Capability.REWARDS)
def sponsor_fee(request, business, sponsor_id):
    sponsor = selectors.get_sponsor(business, sponsor_id)
    done = _attempt(request, lambda: services.record_sponsor_fee(business, request.user, sponsor))
    if done is not None and not done.replayed:
        messages.success(
            request,
            _("The fee of %(amount)s is recorded as the program's income.")
            % {"amount": _money(sponsor.amount_minor, sponsor.currency)},
        )
    return _to_sponsor(business, sponsor)


@console_page(POST, needs=Capability.SETUP)
def sponsor_report_send(request, business, sponsor_id):
    sponsor = selectors.get_sponsor(business, sponsor_id)
    month = reports.previous_month(_today(business))

    def send():
        report = reports.make_report(business, sponsor, month)
        return reports.send_report(business, report, force=True)

    if _attempt(request, send) is not None:
        messages.success(
            request,
            _("Last month's report is on its way to %(email)s.") % {"email": sponsor.contact_email},
        )
    return _to_sponsor(business, sponsor)


def _report(business, sponsor_id, report_id):
    sponsor = selectors.get_sponsor(business, sponsor_id)
    return selectors.get_sponsor_report(business, sponsor, report_id)


@console_page(needs=Capability.SETUP)
def sponsor_report_pdf(request, business, sponsor_id, report_id):
    report = _report(business, sponsor_id, report_id)
    response = HttpResponse(reports.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{reports.report_filename(report, "pdf")}"'
    )
    return response


@console_page(needs=Capability.SETUP)
def sponsor_report_csv(request, business, sponsor_id, report_id):
    report = _report(business, sponsor_id, report_id)
    response = HttpResponse(reports.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{reports.report_filename(report, "csv")}"'
    )
    return response
