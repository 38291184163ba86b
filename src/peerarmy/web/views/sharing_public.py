"""Sharing for everyone: a business's sharing programs, a program's search (when, what kind,
which station) with the price of each free asset for that range, a station's and an asset's
pages (the asset's with its booking form and a live quote), and the booking's own page from the
e-mailed link: its status, where to pick it up, how to pay (the shop's IBAN, the RF reference
and an EPC QR code a banking app scans), add it to a calendar, cancel it.

No account is needed: a visitor's booking holds the asset while they confirm it by the e-mailed
link; a signed-in person booking with their own address is confirmed at once. Times are typed
and shown on the business's clock. The feeds an owner subscribes to (`sharing.calendars`) are
served here too: their address is their key."""

import math
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from peerarmy.chipin import references
from peerarmy.chipin.selectors import bank_details
from peerarmy.errors import DomainError, IdempotencyKeyReused
from peerarmy.money import format_money
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.selectors import peer_for_user
from peerarmy.sharing import calendars, selectors, services
from peerarmy.sharing.inputs import CancelInput
from peerarmy.sharing.models import VEHICLES, AssetKind, BookingStatus, PaymentMethod
from peerarmy.web.forms.sharing_public import (
    DATE_FORMAT,
    RANGE_FIELDS,
    TIME_FORMAT,
    BookingForm,
    QuoteForm,
    SearchForm,
)

from .base import business_page, epc_qr_response
from .matching_public import private_page

GET_POST = ("GET", "HEAD", "POST")
# The range a search form and a booking form start with: tomorrow, from 10:00 for 3 hours.
DEFAULT_START_HOUR = 10
DEFAULT_HOURS = 3
# Bookings one address on the internet may make in an hour without an account (each sends an
# e-mail and holds an asset until it is confirmed): in the cache every web process shares.
BOOKINGS_PER_HOUR = 20
BOOKED_SESSION_KEY = "sharing_booked"


# --- words -----------------------------------------------------------------------------------


def length_words(minutes: int) -> str:
    """A length as people say it: "3 hours", "1 day, 2 hours", "45 minutes"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)s day", "%(count)s days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours})
    if mins:
        parts.append(ngettext("%(count)s minute", "%(count)s minutes", mins) % {"count": mins})
    return ", ".join(parts)


def hours_words(windows) -> list[dict]:
    """An asset's weekly hours, a line per weekday that has any: [{"day", "hours"}]."""
    by_day = {}
    for weekday, opens, closes in sorted(windows or []):
        by_day.setdefault(weekday, []).append(f"{opens}–{closes}")
    return [
        {"day": str(WEEKDAYS[day]).capitalize(), "hours": ", ".join(spans)}
        for day, spans in sorted(by_day.items())
    ]


def _hours_sentence(asset) -> str:
    lines = hours_words(asset.weekly_hours)
    return "; ".join(f"{line['day']} {line['hours']}" for line in lines)


def problem_words(asset, exc: DomainError) -> str:
    """Why the asset cannot be booked for a range, in words a visitor acts on."""
    default = exc.message is type(exc).default_message
    if exc.code == "outside_opening_hours":
        return _(
            "Pick-up and return must fall within the hours the asset can be handed over: %(hours)s."
        ) % {"hours": _hours_sentence(asset)}
    if exc.code == "asset_unavailable" and default:
        return _("Someone has already booked this asset at that time: try other times.")
    return str(exc.message)


def _price_line(quote, currency) -> str:
    return _("%(price)s for %(length)s") % {
        "price": format_money(quote.total_minor, currency),
        "length": length_words(quote.minutes),
    }


def _map_link(latitude, longitude) -> str:
    """A plain link to the place on OpenStreetMap (no map script on the page)."""
    if latitude is None or longitude is None:
        return ""
    lat, lon = f"{float(latitude):.6f}", f"{float(longitude):.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


# --- who is looking --------------------------------------------------------------------------


def _is_peer(request, business) -> bool:
    """Whether the visitor is an active peer of the army (who pays the peer price)."""
    if not request.user.is_authenticated:
        return False
    peer = peer_for_user(business, request.user)
    return peer is not None and peer.status == PeerStatus.ACTIVE


def _rider(request, business) -> dict:
    """What the booking form knows of a signed-in person."""
    user = request.user
    if not user.is_authenticated:
        return {}
    peer = peer_for_user(business, user)
    name = user.get_full_name() or (peer.display_name if peer is not None else "")
    return {"name": name, "email": user.email}


def _default_range(business) -> dict:
    tz = business.tzinfo
    day = timezone.localdate(timezone=tz) + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, DEFAULT_START_HOUR, tzinfo=tz)
    end = start + timedelta(hours=DEFAULT_HOURS)
    return {
        "from_date": start.strftime(DATE_FORMAT),
        "from_time": start.strftime(TIME_FORMAT),
        "until_date": end.strftime(DATE_FORMAT),
        "until_time": end.strftime(TIME_FORMAT),
    }


def _range_from(query) -> dict:
    """The range a link carried (the search's "Book" link), else nothing."""
    found = {name: str(query.get(name, ""))[:10] for name in RANGE_FIELDS}
    return found if all(found.values()) else {}


def _kind_choices(present) -> list[tuple[str, str]]:
    return [(value, label) for value, label in AssetKind.choices if value in present]


FLEET_SHOWN = 60


def _published(business, program_slug):
    return selectors.get_sharing_program(business, program_slug, published=True)


# --- the programs and the search -------------------------------------------------------------


@business_page()
def programs(request, business):
    found = selectors.sharing_programs(business)
    if len(found) == 1:
        return redirect(
            "web:sharing_program", business_slug=business.slug, program_slug=found[0].slug
        )
    return render(request, "web/sharing/programs.html", {"programs": found})


def _tariff_lines(asset) -> dict:
    """An asset's prices as the pages show them."""
    currency = asset.currency
    lines = []
    if asset.hour_minor is not None:
        lines.append(_("%(price)s an hour") % {"price": format_money(asset.hour_minor, currency)})
    if asset.day_minor is not None:
        lines.append(_("%(price)s a day") % {"price": format_money(asset.day_minor, currency)})
    return {
        "prices": lines,
        "capped": asset.hour_minor is not None and asset.day_minor is not None,
        "deposit": format_money(asset.deposit_minor, currency) if asset.deposit_minor else "",
    }


def _peer_note(terms, *, peer) -> str:
    percent = terms.peer_discount_percent
    if not percent:
        return ""
    if peer:
        return _(
            "As a peer of the army you pay %(percent)s%% less: the prices shown are yours."
        ) % {"percent": percent}
    return _("Peers of the army pay %(percent)s%% less.") % {"percent": percent}


RESULTS_PAGE = 24  # what a phone shows before "Show more"; a search never shows more than:
RESULTS_MOST = 240


def _shown(request) -> int:
    """How many results the search shows: a page, and a page more each "Show more"."""
    try:
        asked = int(request.GET.get("shown", RESULTS_PAGE))
    except ValueError:
        asked = RESULTS_PAGE
    return min(max(asked - asked % RESULTS_PAGE, RESULTS_PAGE), RESULTS_MOST)


@business_page()
def program(request, business, program_slug):
    program = _published(business, program_slug)
    terms = selectors.sharing_settings(business, program)
    stations = list(selectors.stations(business, program, active_only=True))
    peer = _is_peer(request, business)
    searching = "from_date" in request.GET
    # Without a search the page shows the fleet, up to FLEET_SHOWN of it (a big fleet is
    # searched, not scrolled); with one, what is free.
    fleet = [] if searching else selectors.public_assets(business, program, limit=FLEET_SHOWN)
    more = 0
    if len(fleet) == FLEET_SHOWN:
        more = selectors.public_count(business, program) - FLEET_SHOWN
    form = SearchForm(
        request.GET if searching else None,
        business=business,
        kinds=_kind_choices(selectors.public_kinds(business, program)),
        stations=stations,
        initial=_default_range(business),
    )
    results, more_url = None, ""
    if searching and form.is_valid():
        if form.input.starts_at < timezone.now() - timedelta(minutes=5):
            form.add_error("from_date", _("The start is in the past: choose a time from now on."))
        else:
            shown = _shown(request)
            found = selectors.search(business, program, form.input, peer=peer, limit=shown + 1)
            if len(found) > shown:
                found = found[:shown]
                more_url = "?" + urlencode({**request.GET.dict(), "shown": shown + RESULTS_PAGE})
            covers = selectors.cover_photos(business, [f.asset.pk for f in found])
            query = urlencode(form.range_query())
            results = [
                {
                    "asset": f.asset,
                    "cover": covers.get(f.asset.pk, ""),
                    "price": _price_line(f.quote, f.asset.currency),
                    "discount": format_money(f.quote.discount_minor, f.asset.currency)
                    if f.quote.discount_minor
                    else "",
                    "deposit": format_money(f.asset.deposit_minor, f.asset.currency)
                    if f.asset.deposit_minor
                    else "",
                    "book_url": reverse(
                        "web:sharing_asset",
                        kwargs={
                            "business_slug": business.slug,
                            "program_slug": program.slug,
                            "code": f.asset.code,
                        },
                    )
                    + "?"
                    + query,
                }
                for f in found
            ]
    context = {
        "program": program,
        "form": form,
        "results": results,
        "stations": stations,
        "fleet": [(a, _tariff_lines(a)) for a in fleet],
        "more": more,
        "more_url": more_url,
        "sponsors": selectors.current_sponsors(business, program),
        "peer_note": _peer_note(terms, peer=peer),
    }
    return render(request, "web/sharing/program.html", context)


@business_page()
def station(request, business, program_slug, code):
    program = _published(business, program_slug)
    place = selectors.public_station(business, program, code)
    terms = selectors.sharing_settings(business, program)
    peer = _is_peer(request, business)
    assets = selectors.public_assets(business, program, station=place)
    context = {
        "program": program,
        "station": place,
        "map_url": _map_link(place.latitude, place.longitude),
        "assets": [(a, _tariff_lines(a)) for a in assets],
        "sponsors": selectors.current_sponsors(business, program),
        "peer_note": _peer_note(terms, peer=peer),
    }
    return render(request, "web/sharing/station.html", context)


# --- an asset, its quote and its booking -----------------------------------------------------


def _quote_context(request, business, asset, form) -> dict:
    """The price of the range in the form, or why it cannot be booked, in words."""
    if not form.is_bound:
        return {}
    if not form.is_valid():
        first = next(iter(form.errors.values()))
        return {"problem": str(first[0])}
    data = form.input
    try:
        services.check_bookable(asset, data.starts_at, data.ends_at, now=timezone.now())
    except DomainError as exc:
        return {"problem": problem_words(asset, exc)}
    quote = services.quote_for(asset, data.starts_at, data.ends_at, user=request.user)
    return {
        "price": _price_line(quote, asset.currency),
        "discount": format_money(quote.discount_minor, asset.currency)
        if quote.discount_minor
        else "",
        "deposit": format_money(asset.deposit_minor, asset.currency) if asset.deposit_minor else "",
        "total": format_money(quote.total_minor + asset.deposit_minor, asset.currency),
    }


def _upcoming_blocked(business, asset) -> list:
    today = timezone.localdate(timezone=business.tzinfo).isoformat()
    return [datetime.fromisoformat(d).date() for d in sorted(asset.blocked_dates) if d >= today]


def _asset_page(request, business, program, asset, form, *, quote=None, status=200):
    terms = selectors.sharing_settings(business, program)
    peer = _is_peer(request, business)
    photos = selectors.photos_of(asset)
    if quote is None:
        quote = _quote_context(
            request, business, asset, QuoteForm(form.initial or None, business=business)
        )
    station = asset.station
    description = asset.description or ""
    preview = _("%(kind)s to rent at %(business)s.") % {
        "kind": asset.get_kind_display(),
        "business": business.name,
    }
    tariff = _tariff_lines(asset)
    if tariff["prices"]:
        preview = f"{preview} {' · '.join(tariff['prices'])}"
    context = {
        "program": program,
        "asset": asset,
        "photos": photos,
        "image": photos[0].url if photos else "",
        "preview": preview,
        "description": description,
        "is_vehicle": asset.kind in VEHICLES,
        "tariff": tariff,
        "peer_note": _peer_note(terms, peer=peer),
        "hours": hours_words(asset.weekly_hours),
        "blocked": _upcoming_blocked(business, asset),
        "shortest": services.minutes_words(asset.min_minutes),
        "longest": services.minutes_words(asset.max_minutes),
        "station": station,
        "map_url": _map_link(
            station.latitude if station else asset.latitude,
            station.longitude if station else asset.longitude,
        ),
        "owner": asset.owner_peer,
        "sponsors": selectors.current_sponsors(business, program, asset=asset),
        "form": form,
        "quote": quote,
        "free_cancel_hours": terms.free_cancel_hours,
        "confirm_minutes": terms.confirm_minutes,
    }
    return render(request, "web/sharing/asset.html", context, status=status)


def _booking_form(request, business, data=None, initial=None):
    return BookingForm(
        data,
        business=business,
        transfer=bank_details(business) is not None,
        initial=initial,
    )


@business_page()
def asset(request, business, program_slug, code):
    program = _published(business, program_slug)
    asset = selectors.public_asset(business, program, code)
    if request.method == "GET":
        services.count_page_view(asset)
    initial = {
        **(_range_from(request.GET) or _default_range(business)),
        **_rider(request, business),
        "payment_method": PaymentMethod.TILL,
        "key": secrets.token_urlsafe(24),
    }
    form = _booking_form(request, business, initial=initial)
    return _asset_page(request, business, program, asset, form)


@business_page()
def asset_quote(request, business, program_slug, code):
    """The price of the range chosen on the asset's page (a fragment htmx swaps in)."""
    program = _published(business, program_slug)
    asset = selectors.public_asset(business, program, code)
    form = QuoteForm(request.GET, business=business)
    return render(
        request,
        "web/sharing/_quote.html",
        {"quote": _quote_context(request, business, asset, form), "asset": asset},
    )


def _too_many_bookings(request) -> bool:
    from django.core.cache import cache

    key = f"sharing:bookings:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > BOOKINGS_PER_HOUR
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return False


def _refused(form, asset, exc: DomainError) -> None:
    """A refusal of the service, in words, next to the boxes it is about."""
    if exc.code in ("validation_failed",) and getattr(exc, "errors", None):
        form.add_domain_error(exc)
        return
    message = problem_words(asset, exc)
    field = None
    if exc.code in ("booking_too_short", "booking_too_long", "validation_failed"):
        field = form.form_field(exc.field) if exc.field else None
    form.add_error(field, message)


def _book(request, business, asset, form):
    """Book through the service; the outcome, or None when it refused (words on the form)."""
    user = request.user if request.user.is_authenticated else None
    try:
        return services.book(
            business,
            asset,
            form.input,
            user=user,
            language=get_language() or business.default_language,
            idempotency_key=form.idempotency_key,
        )
    except IdempotencyKeyReused:
        form.add_error(
            None, _("You already booked with this form: open the page again for a new booking.")
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        _refused(form, asset, exc)
    return None


@business_page(("POST",))
def asset_book(request, business, program_slug, code):
    program = _published(business, program_slug)
    asset = selectors.public_asset(business, program, code)
    form = _booking_form(request, business, data=request.POST)
    booked_url = reverse(
        "web:sharing_booked",
        kwargs={"business_slug": business.slug, "program_slug": program.slug, "code": code},
    )
    if form.is_bot:
        return redirect(booked_url)
    if not request.user.is_authenticated and _too_many_bookings(request):
        form.add_error(None, _("Too many bookings from here in the last hour: try again later."))
    elif form.is_valid():
        made = _book(request, business, asset, form)
        if made is not None:
            booking, token = made.value.booking, made.value.token
            if booking.status == BookingStatus.CONFIRMED and token:
                messages.success(request, _("Booked: we e-mailed you the details."))
                return redirect("web:sharing_booking", business_slug=business.slug, token=token)
            request.session[BOOKED_SESSION_KEY] = {
                "email": booking.email,
                "code": booking.code,
                "confirmed": booking.status != BookingStatus.UNCONFIRMED,
            }
            return redirect(booked_url)
    quote = _quote_context(request, business, asset, QuoteForm(request.POST, business=business))
    return _asset_page(request, business, program, asset, form, quote=quote)


@business_page()
def asset_booked(request, business, program_slug, code):
    program = _published(business, program_slug)
    asset = selectors.public_asset(business, program, code)
    terms = selectors.sharing_settings(business, program)
    booked = request.session.get(BOOKED_SESSION_KEY) or {}
    return render(
        request,
        "web/sharing/booked.html",
        {
            "program": program,
            "asset": asset,
            "email": booked.get("email", ""),
            "code": booked.get("code", ""),
            "confirmed": booked.get("confirmed", False),
            "minutes": terms.confirm_minutes,
        },
    )


# --- the booking's own page ------------------------------------------------------------------


def _booking_of(business, token):
    return selectors.booking_by_token(business, services.token_hash(token))


def _to_pay(booking) -> int:
    """What is still to pay ahead by transfer: the rental and the deposit, until it arrives."""
    waiting = booking.status in (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED)
    transfer = booking.payment_method == PaymentMethod.TRANSFER
    if not (waiting and transfer and booking.paid_at is None):
        return 0
    return booking.price_minor + booking.deposit_minor


def _booking_page(request, business, booking, token, *, problem=""):
    asset = booking.asset
    station = asset.station
    bank = bank_details(business)
    to_pay = _to_pay(booking)
    now = timezone.now()
    can_cancel = booking.status in (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED)
    free_cancel = can_cancel and (
        booking.status == BookingStatus.UNCONFIRMED
        or booking.free_cancel_until is None
        or now <= booking.free_cancel_until
    )
    context = {
        "booking": booking,
        "asset": asset,
        "station": station,
        "map_url": _map_link(
            station.latitude if station else asset.latitude,
            station.longitude if station else asset.longitude,
        ),
        "token": token,
        "length": length_words(
            math.ceil((booking.ends_at - booking.starts_at).total_seconds() / 60)
        ),
        "bank": bank if to_pay else None,
        "to_pay": format_money(to_pay, booking.currency) if to_pay else "",
        "reference": references.format_rf(booking.reference),
        "can_cancel": can_cancel,
        "free_cancel": free_cancel,
        "problem": problem,
        "sponsors": selectors.current_sponsors(business, booking.program_id, asset=asset),
        "program": selectors.get_sharing_program(business, booking.program_id),
    }
    return render(request, "web/sharing/booking.html", context)


@private_page
@business_page()
def booking(request, business, token):
    return _booking_page(request, business, _booking_of(business, token), token)


@private_page
@business_page()
def booking_confirm(request, business, token):
    """The link of the e-mail: opening it confirms the booking (as chip-in's pledges)."""
    try:
        services.confirm_booking(business, token)
    except services.AssetUnavailable as exc:
        messages.warning(request, str(exc.message))
    return redirect("web:sharing_booking", business_slug=business.slug, token=token)


@private_page
@business_page(("POST",))
def booking_cancel(request, business, token):
    try:
        services.cancel_by_rider(business, token, CancelInput())
    except DomainError as exc:
        if exc.status == 404:
            raise
        booking = _booking_of(business, token)
        return _booking_page(request, business, booking, token, problem=str(exc.message))
    messages.success(request, _("Your booking is cancelled."))
    return redirect("web:sharing_booking", business_slug=business.slug, token=token)


@private_page
@business_page()
def booking_ics(request, business, token):
    booking = _booking_of(business, token)
    url = services.booking_url(business, token)
    content = calendars.booking_ics(business, booking, url=url)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.code}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@private_page
@business_page()
def booking_qr(request, business, token):
    """The EPC QR code ("GiroCode") of the booking's transfer: the shop's IBAN, what is left
    to pay and the RF reference, which European banking apps read."""
    booking = _booking_of(business, token)
    bank = bank_details(business)
    to_pay = _to_pay(booking)
    if bank is None or not to_pay:
        raise Http404
    return epc_qr_response(bank, to_pay, booking.reference)


@business_page()
def calendar_feed(request, business, token):
    """A feed an owner subscribes to (an asset's, a peer's assets', the fleet's)."""
    kind, target = calendars.read_token(business, token)
    response = HttpResponse(
        calendars.feed_ics(business, kind, target), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{business.slug}-sharing.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response
