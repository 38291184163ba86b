"""Sharing in the peer's app (`me/sharing/`): the things a peer lists through the shop, their
listing's state (waiting for the shop, approved, or refused with the shop's reason), the
bookings of them and what they earned; the peer's own bookings as a rider; and, for a booking
of their asset, the pick-up and the return, which the owning peer hands over themselves.

Only an active peer of the business comes in: anyone else is sent to their home in the army
(a page) or answered 404 (a change). A peer reaches only their own assets and the bookings of
them: another's id looks like one never used. The rider's name and phone show only while the
owner has something to hand over (a confirmed booking, or the asset out)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.money import format_money
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.selectors import peer_for_user
from peerarmy.photos import MAX_UPLOAD_BYTES
from peerarmy.sharing import calendars, pricing, selectors, services
from peerarmy.sharing.inputs import AssetStateInput
from peerarmy.sharing.models import HOLDING, BookingStatus, ListingStatus
from peerarmy.web.forms.sharing_peer import (
    AssetPhotoForm,
    AssetStateForm,
    CheckInForm,
    CheckOutForm,
    PeerAssetForm,
)

from .base import peer_page

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)
PAST_SHOWN = 10  # the latest bookings of the peer's assets returned, cancelled or lapsed
HANDING_OVER = (BookingStatus.CONFIRMED, BookingStatus.OUT)


# --- who comes in ----------------------------------------------------------------------------


def _peer(request, business):
    """The visitor's active peer in this business, or None."""
    peer = peer_for_user(business, request.user)
    if peer is None or peer.status != PeerStatus.ACTIVE:
        return None
    peer.business = business  # the selectors and services read it; spare them the query
    return peer


def _peer_or_404(request, business):
    peer = _peer(request, business)
    if peer is None:
        raise Http404
    return peer


def _my_asset(business, peer, asset_id):
    """The peer's own asset; any other id is a 404."""
    asset = selectors.get_asset(business, asset_id)
    if asset.owner_peer_id != peer.pk:
        raise Http404
    return asset


def _my_booking(business, peer, booking_id):
    """A booking of the peer's own asset; any other is a 404."""
    booking = selectors.get_booking(business, booking_id)
    if booking.asset.owner_peer_id != peer.pk:
        raise Http404
    return booking


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _programs_by_id(business):
    return {p.pk: p for p in selectors.sharing_programs(business, published=False)}


def _public_url(business, asset, programs):
    """The asset's public page, while visitors can see it."""
    program = programs.get(asset.program_id)
    if program is None or not asset.bookable:
        return ""
    return _url(business, "sharing_asset", program_slug=program.slug, code=asset.code)


# --- my rentals ------------------------------------------------------------------------------


@peer_page()
def mine(request, business):
    peer = _peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    programs = _programs_by_id(business)
    my_assets = list(selectors.assets(business, owner_peer=peer))
    owned = list(selectors.bookings_of_owner(business, peer))
    # still to hand over or to take back (a late one too), soonest first; then the rest
    coming = sorted((b for b in owned if b.status in HOLDING), key=lambda b: (b.starts_at, b.pk))
    past = [b for b in owned if b.status not in HOLDING][:PAST_SHOWN]
    rides = [
        (b, _public_url(business, b.asset, programs))
        for b in selectors.bookings_of_user(business, request.user)
    ]
    return render(
        request,
        "web/me/sharing/mine.html",
        {
            "peer": peer,
            "assets": [
                (a, programs.get(a.program_id), _public_url(business, a, programs))
                for a in my_assets
            ],
            "coming": coming,
            "past": past,
            "handing_over": HANDING_OVER,
            "earnings": sorted(selectors.earnings_of_owner(business, peer).items()),
            "rides": rides,
            "feed_url": calendars.feed_url(business, "peer", peer.pk) if my_assets else "",
            "can_list": bool(selectors.sharing_programs(business)),
        },
    )


# --- listing an asset ------------------------------------------------------------------------


def _form(request, business, *, asset=None):
    programs = selectors.sharing_programs(business)
    published = {p.pk for p in programs}
    stations = [
        s for s in selectors.stations(business, active_only=True) if s.program_id in published
    ]
    return PeerAssetForm(
        request.POST if request.method == "POST" else None,
        programs=programs,
        stations=stations,
        asset=asset,
        business=business,
    )


def _save_listing(request, business, peer, form, asset=None):
    """The listing saved (and sent to the shop), or None with the service's refusal shown."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return services.list_peer_asset(peer, form.input, asset=asset).value
    except DomainError as exc:
        form.add_domain_error(exc)
        return None


@peer_page(GET_POST)
def asset_new(request, business):
    peer = _peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    form = _form(request, business)
    saved = _save_listing(request, business, peer, form)
    if saved is not None:
        messages.success(
            request,
            _("Thank you! %(business)s checks your listing and lets you know by e-mail.")
            % {"business": business.name},
        )
        return redirect(_url(business, "me_sharing_asset", asset_id=saved.pk) + "#photos")
    return render(
        request,
        "web/me/sharing/asset_form.html",
        {"peer": peer, "form": form, "asset": None, "programs": form.programs},
        status=400 if form.errors else 200,
    )


def _asset_page(request, business, peer, asset, *, form=None, status=200, **forms):
    programs = _programs_by_id(business)
    return render(
        request,
        "web/me/sharing/asset_form.html",
        {
            "peer": peer,
            "asset": asset,
            "program": programs.get(asset.program_id),
            "public_url": _public_url(business, asset, programs),
            "form": form or _form(request, business, asset=asset),
            "photos": selectors.photos_of(asset),
            "photo_form": forms.get("photo_form") or AssetPhotoForm(),
            "state_form": forms.get("state_form")
            or AssetStateForm(initial={"state": asset.state}, business=business),
            "max_photos": services.MAX_PHOTOS,
            "approved": asset.listing == ListingStatus.APPROVED,
        },
        status=status,
    )


@peer_page(GET_POST)
def asset_edit(request, business, asset_id):
    peer = _peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    asset = _my_asset(business, peer, asset_id)
    form = _form(request, business, asset=asset)
    saved = _save_listing(request, business, peer, form, asset=asset)
    if saved is not None:
        messages.success(
            request, _("Saved. The shop checks the changes before riders can book it again.")
        )
        return redirect(_url(business, "me_sharing_asset", asset_id=saved.pk))
    return _asset_page(
        request, business, peer, asset, form=form, status=400 if form.errors else 200
    )


@peer_page(POST)
def asset_photos(request, business, asset_id):
    peer = _peer_or_404(request, business)
    asset = _my_asset(business, peer, asset_id)
    form = AssetPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data["photo"].read(MAX_UPLOAD_BYTES + 1)
        try:
            services.add_asset_photo(business, request.user, asset, data)
        except DomainError as exc:
            form.add_error("photo", str(exc.message))
        else:
            messages.success(request, _("The photo is added."))
            return redirect(_url(business, "me_sharing_asset", asset_id=asset.pk) + "#photos")
    return _asset_page(request, business, peer, asset, photo_form=form, status=400)


@peer_page(POST)
def asset_photo_delete(request, business, asset_id, photo_id):
    peer = _peer_or_404(request, business)
    asset = _my_asset(business, peer, asset_id)
    services.remove_asset_photo(business, request.user, asset, photo_id)
    messages.success(request, _("The photo is removed."))
    return redirect(_url(business, "me_sharing_asset", asset_id=asset.pk) + "#photos")


@peer_page(POST)
def asset_state(request, business, asset_id):
    peer = _peer_or_404(request, business)
    asset = _my_asset(business, peer, asset_id)
    form = AssetStateForm(request.POST, business=business)
    if form.is_valid():
        try:
            services.set_asset_state(
                business, request.user, asset, AssetStateInput(state=form.input.state)
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(_url(business, "me_sharing_asset", asset_id=asset.pk) + "#state")
    return _asset_page(request, business, peer, asset, state_form=form, status=400)


# --- a booking of my asset -------------------------------------------------------------------


def _booking_page(request, business, peer, booking, *, status=200, **forms):
    asset = booking.asset
    commission, share = pricing.commission(booking.price_minor, booking.commission_percent)
    return render(
        request,
        "web/me/sharing/booking.html",
        {
            "peer": peer,
            "booking": booking,
            "asset": asset,
            "share": share,
            "commission": commission,
            "show_contact": booking.status in HANDING_OVER,
            "to_take": 0 if booking.paid_at else booking.price_minor + booking.deposit_minor,
            "out_form": forms.get("out_form")
            or CheckOutForm(paid=bool(booking.paid_at), business=business),
            "in_form": forms.get("in_form") or CheckInForm(business=business),
            "can_check_out": booking.status == BookingStatus.CONFIRMED,
            "can_check_in": booking.status == BookingStatus.OUT,
        },
        status=status,
    )


@peer_page()
def booking(request, business, booking_id):
    peer = _peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    return _booking_page(request, business, peer, _my_booking(business, peer, booking_id))


@peer_page(POST)
def booking_check_out(request, business, booking_id):
    peer = _peer_or_404(request, business)
    booking = _my_booking(business, peer, booking_id)
    form = CheckOutForm(request.POST, paid=bool(booking.paid_at), business=business)
    if form.is_valid():
        try:
            services.check_out(business, request.user, booking, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("Handed over. When it comes back, check it in on this page.")
            )
            return redirect(_url(business, "me_sharing_booking", booking_id=booking.pk))
    return _booking_page(request, business, peer, booking, out_form=form, status=400)


@peer_page(POST)
def booking_check_in(request, business, booking_id):
    peer = _peer_or_404(request, business)
    booking = _my_booking(business, peer, booking_id)
    form = CheckInForm(request.POST, business=business)
    if form.is_valid():
        try:
            settled = services.check_in(business, request.user, booking, form.input).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _returned_words(settled, booking.currency))
            return redirect(_url(business, "me_sharing_booking", booking_id=booking.pk))
    return _booking_page(request, business, peer, booking, in_form=form, status=400)


def _returned_words(settled, currency):
    words = [_("It is back.")]
    if settled.collect_minor:
        words.append(
            _("The deposit does not cover the fees: take %(amount)s from the rider.")
            % {"amount": format_money(settled.collect_minor, currency)}
        )
    if settled.given_back_minor:
        words.append(
            _("%(amount)s of the deposit goes back to the rider.")
            % {"amount": format_money(settled.given_back_minor, currency)}
        )
    return " ".join(str(w) for w in words)
