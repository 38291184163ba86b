"""Resale for everyone: a program's used items with search and filters, an item's page (its
photos, condition explained, "bought at the shop" badge, the reservation form), and the
reservation's own page from the e-mailed link: how long it is held, how to pay (at the till, or
the shop's IBAN with the RF reference and an EPC QR code), cancel it.

No account is needed: a visitor's reservation holds the item while they confirm it by the
e-mailed link; a signed-in person reserving with their own address holds it at once."""

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from peerarmy.chipin import references
from peerarmy.chipin.selectors import bank_details
from peerarmy.codes import token_hash
from peerarmy.errors import DomainError, IdempotencyKeyReused
from peerarmy.money import format_money
from peerarmy.resale import pricing, selectors, services
from peerarmy.resale.models import GRADE_DEFINITIONS, ReservationStatus
from peerarmy.resale.services import months_between
from peerarmy.web.forms.resale import ListingSearchForm, ReservationForm

from .base import business_page, epc_qr_response
from .matching_public import private_page

GET_POST = ("GET", "HEAD", "POST")
RESERVATIONS_PER_HOUR = 20  # by one address without an account: each sends an e-mail
RESERVED_SESSION_KEY = "resale_reserved"


def _published(business, program_slug):
    return selectors.published_program(business, program_slug)


def bought_words(listing, business) -> str:
    """The shop's word for an item it sold: "Bought at Bici Gialla in March 2024"."""
    if not listing.bought_here or listing.bought_on is None:
        return ""
    return _("Bought at %(shop)s in %(month)s") % {
        "shop": business.name,
        "month": date_format(listing.bought_on, "YEAR_MONTH_FORMAT"),
    }


def suggestion_words(listing, business) -> str:
    """How the shop's suggested price was found, in words."""
    if listing.suggested_minor is None or listing.original_minor is None:
        return ""
    listed_on = listing.created_at.astimezone(business.tzinfo).date()
    months = months_between(listing.bought_on, listed_on)
    found = pricing.suggest(listing.original_minor, listing.grade, months, listing.category.rule)
    return _(
        "Sold new at %(original)s; %(grade)s keeps %(keep)s%%; %(years)s whole years keep "
        "%(age)s%%: %(price)s."
    ) % {
        "original": format_money(listing.original_minor, listing.currency),
        "grade": listing.get_grade_display().lower(),
        "keep": found.keep_percent,
        "years": found.years,
        "age": found.age_percent,
        "price": format_money(listing.suggested_minor, listing.currency),
    }


# --- the programs and the search -------------------------------------------------------------


@business_page()
def programs(request, business):
    found = selectors.resale_programs(business)
    if len(found) == 1:
        return redirect(
            "web:resale_program", business_slug=business.slug, program_slug=found[0].slug
        )
    return render(request, "web/resale/programs.html", {"programs": found})


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


@business_page()
def program(request, business, program_slug):
    program = _published(business, program_slug)
    categories = selectors.categories(business, program)
    form = ListingSearchForm(request.GET or None, categories=categories)
    query = selectors.ListingQuery()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = selectors.ListingQuery(
            text=data["q"],
            category_id=int(data["category"]) if data["category"] else None,
            grade=data["grade"],
            size=data["size"],
            min_minor=data["min_price"],
            max_minor=data["max_price"],
            bought_here=data["bought_here"],
        )
    number, size = _page_number(request), selectors.PAGE
    found = selectors.search(business, program, query, offset=(number - 1) * size, limit=size)
    more = len(found) > size
    found = found[:size]
    covers = selectors.cover_photos(business, [f.pk for f in found])
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "program": program,
        "form": form,
        "results": [
            {
                "listing": f,
                "cover": covers.get(f.pk, ""),
                "price": format_money(f.price_minor, f.currency),
                "bought": bought_words(f, business),
                "url": reverse(
                    "web:resale_listing",
                    kwargs={
                        "business_slug": business.slug,
                        "program_slug": program.slug,
                        "code": f.code,
                    },
                ),
            }
            for f in found
        ],
        "searched": form.is_bound,
        "next_url": "?" + urlencode({**params, "page": number + 1}) if more else "",
        "previous_url": "?" + urlencode({**params, "page": number - 1}) if number > 1 else "",
    }
    return render(request, "web/resale/program.html", context)


# --- an item and its reservation -------------------------------------------------------------


def _listing_page(request, business, program, listing, form, status=200):
    photos = selectors.photos_of(business, listing)
    terms = selectors.resale_settings(business, program)
    context = {
        "program": program,
        "listing": listing,
        "photos": photos,
        "price": format_money(listing.price_minor, listing.currency),
        "grade_definition": GRADE_DEFINITIONS.get(listing.grade, ""),
        "bought": bought_words(listing, business),
        "suggestion": suggestion_words(listing, business),
        "form": form,
        "hours": terms.reservation_hours,
        "return_days": terms.return_days,
        "on_sale": listing.status == "public",
        "own": request.user.is_authenticated and listing.seller_id == request.user.pk,
    }
    return render(request, "web/resale/listing.html", context, status=status)


def _initial(request):
    initial = {"key": secrets.token_urlsafe(24)}
    if request.user.is_authenticated:
        initial |= {"name": request.user.get_full_name(), "email": request.user.email}
    return initial


@business_page()
def listing(request, business, program_slug, code):
    program = _published(business, program_slug)
    found = selectors.public_listing(business, program, code)
    form = ReservationForm(initial=_initial(request), business=business)
    return _listing_page(request, business, program, found, form)


def _too_many(request) -> bool:
    from django.core.cache import cache

    key = f"resale:reservations:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > RESERVATIONS_PER_HOUR
    except ValueError:
        cache.set(key, 1, timeout=3600)
        return False


@business_page(("POST",))
def reserve(request, business, program_slug, code):
    program = _published(business, program_slug)
    found = selectors.public_listing(business, program, code)
    form = ReservationForm(request.POST, business=business)
    reserved_url = reverse(
        "web:resale_reserved",
        kwargs={"business_slug": business.slug, "program_slug": program.slug, "code": code},
    )
    if form.is_bot:
        return redirect(reserved_url)
    if not request.user.is_authenticated and _too_many(request):
        form.add_error(None, _("Too many reservations from here in the last hour: try later."))
    elif form.is_valid():
        user = request.user if request.user.is_authenticated else None
        try:
            made = services.reserve(
                business,
                found,
                form.input,
                user=user,
                language=request.LANGUAGE_CODE,
                idempotency_key=form.cleaned_data.get("key") or "",
            ).value
        except IdempotencyKeyReused:
            form.add_error(None, _("This form was already sent: reload the page."))
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_error(None, str(exc.message))
            return _listing_page(request, business, program, found, form, status=409)
        else:
            reservation = made.reservation
            if reservation.status == ReservationStatus.ACTIVE and made.token:
                messages.success(request, _("Reserved: we e-mailed you the details."))
                return redirect(
                    "web:resale_reservation", business_slug=business.slug, token=made.token
                )
            request.session[RESERVED_SESSION_KEY] = {"email": reservation.email}
            return redirect(reserved_url)
    return _listing_page(request, business, program, found, form)


@business_page()
def reserved(request, business, program_slug, code):
    program = _published(business, program_slug)
    found = selectors.public_listing(business, program, code)
    terms = selectors.resale_settings(business, program)
    done = request.session.get(RESERVED_SESSION_KEY) or {}
    return render(
        request,
        "web/resale/reserved.html",
        {
            "program": program,
            "listing": found,
            "email": done.get("email", ""),
            "minutes": terms.confirm_minutes,
        },
    )


# --- the reservation's own page --------------------------------------------------------------


def _reservation_of(business, token):
    return selectors.reservation_by_token(business, token_hash(token))


def _to_pay(reservation) -> int:
    waiting = reservation.status in (ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE)
    return reservation.price_minor if waiting and not reservation.paid_ahead_at else 0


def _reservation_page(request, business, reservation, token, *, problem=""):
    bank = bank_details(business)
    to_pay = _to_pay(reservation)
    item = reservation.listing
    context = {
        "reservation": reservation,
        "listing": item,
        "program": selectors.get_program(business, reservation.program_id),
        "token": token,
        "price": format_money(reservation.price_minor, reservation.currency),
        "bank": bank if to_pay else None,
        "to_pay": format_money(to_pay, reservation.currency) if to_pay else "",
        "reference": references.format_rf(reservation.reference),
        "can_cancel": reservation.status
        in (ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE),
        "problem": problem,
    }
    return render(request, "web/resale/reservation.html", context)


@private_page
@business_page()
def reservation(request, business, token):
    return _reservation_page(request, business, _reservation_of(business, token), token)


@private_page
@business_page()
def reservation_confirm(request, business, token):
    """The link of the e-mail: opening it confirms the reservation."""
    try:
        services.confirm_reservation(business, token)
    except services.ReservationExpired as exc:
        messages.warning(request, str(exc.message))
    return redirect("web:resale_reservation", business_slug=business.slug, token=token)


@private_page
@business_page(("POST",))
def reservation_cancel(request, business, token):
    try:
        services.cancel_reservation(business, None, token=token)
    except DomainError as exc:
        if exc.status == 404:
            raise
        found = _reservation_of(business, token)
        return _reservation_page(request, business, found, token, problem=str(exc.message))
    messages.success(request, _("Your reservation is cancelled: the item is on sale again."))
    return redirect("web:resale_reservation", business_slug=business.slug, token=token)


@private_page
@business_page()
def reservation_qr(request, business, token):
    """The EPC QR code of the transfer: the shop's IBAN, the price and the RF reference."""
    found = _reservation_of(business, token)
    bank = bank_details(business)
    to_pay = _to_pay(found)
    if bank is None or not to_pay:
        raise Http404
    return epc_qr_response(bank, to_pay, found.reference)
