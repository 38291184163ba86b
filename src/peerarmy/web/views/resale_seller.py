"""The seller's resale pages (any signed-in customer or peer): their listings with what the
shop said, a new listing (the item picked from their own orders, with the shop's suggested
price), its photos, sending it to the shop, withdrawing it; their sales and what each earns
them, paid when the return window closes; a trade-in for shop credit of an item the shop sold
them."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError, NotFound
from peerarmy.money import format_money
from peerarmy.photos import MAX_UPLOAD_BYTES
from peerarmy.resale import pricing, selectors, services
from peerarmy.resale.models import ListingStatus, Payout, ReservationStatus, TradeInStatus
from peerarmy.web.forms.resale import PHOTO_TYPES, ListingForm, TradeInForm
from peerarmy.web.forms.rewards import money_input
from peerarmy.web.forms.sharing_peer import AssetPhotoForm

from .base import peer_page
from .resale_public import bought_words, suggestion_words

GET_POST = ("GET", "HEAD", "POST")
POST = ("POST",)


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _program(request, business):
    """The resale program the seller works in: the one asked for, or the first published."""
    return selectors.published_program(business, request.GET.get("program") or None)


def _program_or_none(request, business):
    try:
        return _program(request, business)
    except NotFound:
        return None


def _sale_rows(business, user):
    now = timezone.now()
    rows = []
    for sale in selectors.sales_of_seller(business, user):
        item = sale.listing
        if sale.status == ReservationStatus.RETURNED:
            state = _("Brought back by the buyer: on sale again")
        elif sale.released_at and item.payout == Payout.CREDIT:
            credit = pricing.credit_with_bonus(sale.share_minor, sale.credit_bonus_percent)
            state = _("Paid to you as shop credit: %(amount)s, the bonus included") % {
                "amount": format_money(credit, sale.currency)
            }
        elif sale.released_at:
            state = _("Paid to you")
        else:
            local = timezone.localtime(sale.release_after, business.tzinfo)
            state = _("Paid to you on %(day)s, when the return window closes") % {
                "day": date_format(local, "DATE_FORMAT")
            }
        rows.append(
            {
                "sale": sale,
                "title": item.title,
                "price": format_money(sale.price_minor, sale.currency),
                "share": format_money(sale.share_minor, sale.currency),
                "state": state,
                "waiting": sale.status == ReservationStatus.SOLD and not sale.released_at,
                "late": sale.release_after and sale.release_after < now,
            }
        )
    return rows


@peer_page()
def mine(request, business):
    program = _program_or_none(request, business)
    listings = selectors.listings_of_seller(business, request.user)
    offers = [
        t
        for t in selectors.trade_ins_of_seller(business, request.user)
        if t.status == TradeInStatus.OFFERED
    ]
    return render(
        request,
        "web/me/resale/mine.html",
        {
            "peer": selectors.peer_of(business, request.user),
            "program": program,
            "listings": [
                (item, format_money(item.price_minor, item.currency)) for item in listings
            ],
            "sales": _sale_rows(business, request.user),
            "offers": [(t, format_money(t.offer_minor, t.currency)) for t in offers],
            "has_bought": bool(selectors.bought_items(business, request.user)),
        },
    )


def _listing_form(request, business, program, *, listing=None):
    terms = selectors.resale_settings(business, program)
    bought = selectors.bought_items(business, request.user)
    initial = {"payout": Payout.CREDIT, "delivery": "pickup"}
    if listing is not None:
        initial = {
            "category": str(listing.category_id),
            "title": listing.title,
            "description": listing.description,
            "grade": listing.grade,
            "size": listing.size,
            "price": money_input(listing.price_minor),
            "delivery": listing.delivery,
            "payout": listing.payout,
            "payout_holder": listing.payout_holder,
            "payout_iban": listing.payout_iban,
        }
        if listing.bought_order and listing.bought_line is not None:
            initial["bought"] = f"{listing.bought_order}|{listing.bought_line}"
    elif request.GET.get("bought"):
        initial["bought"] = request.GET["bought"]
    return ListingForm(
        request.POST if request.method == "POST" else None,
        business=business,
        initial=initial,
        categories=selectors.categories(business, program),
        bought=bought,
        credit_bonus=terms.credit_bonus_percent,
    )


def _form_page(request, business, program, form, *, listing=None, status=200, **extra):
    context = {
        "peer": selectors.peer_of(business, request.user),
        "program": program,
        "form": form,
        "listing": listing,
        "suggestions": bool(selectors.bought_items(business, request.user)),
        "photo_types": PHOTO_TYPES,
        **extra,
    }
    if listing is not None:
        context |= {
            "photos": selectors.photos_of(business, listing),
            "photo_form": extra.get("photo_form") or AssetPhotoForm(),
            "bought": bought_words(listing, business),
            "suggestion": suggestion_words(listing, business),
            "editable": listing.status
            in (
                ListingStatus.DRAFT,
                ListingStatus.SUBMITTED,
                ListingStatus.CHANGES,
                ListingStatus.PUBLIC,
            ),
            "public_url": _url(
                business, "resale_listing", program_slug=program.slug, code=listing.code
            )
            if listing.status in (ListingStatus.PUBLIC, ListingStatus.RESERVED)
            else "",
        }
    return render(request, "web/me/resale/listing.html", context, status=status)


@peer_page(GET_POST)
def new(request, business):
    program = _program_or_none(request, business)
    if program is None:
        return redirect("web:me_resale", business_slug=business.slug)
    form = _listing_form(request, business, program)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_listing(business, request.user, program.pk, form.input).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Saved. Now add a photo or two and send it to the shop."))
            return redirect(_url(business, "me_resale_listing", listing_id=made.pk) + "#photos")
    return _form_page(request, business, program, form, status=400 if form.errors else 200)


def _mine(request, business, listing_id):
    found = selectors.get_listing(business, listing_id)
    if found.seller_id != request.user.pk or found.by_shop:
        raise NotFound(_("No such listing."))
    return found


@peer_page(GET_POST)
def listing(request, business, listing_id):
    found = _mine(request, business, listing_id)
    program = selectors.get_program(business, found.program_id)
    form = _listing_form(request, business, program, listing=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_listing(business, request.user, found, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(_url(business, "me_resale_listing", listing_id=found.pk))
    return _form_page(
        request, business, program, form, listing=found, status=400 if form.errors else 200
    )


@peer_page(POST)
def photos(request, business, listing_id):
    found = _mine(request, business, listing_id)
    photo_form = AssetPhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        data = photo_form.cleaned_data["photo"].read(MAX_UPLOAD_BYTES + 1)
        try:
            services.add_photo(business, request.user, found, data)
        except DomainError as exc:
            photo_form.add_error("photo", str(exc.message))
        else:
            messages.success(request, _("The photo is added."))
            return redirect(_url(business, "me_resale_listing", listing_id=found.pk) + "#photos")
    program = selectors.get_program(business, found.program_id)
    form = _listing_form(request, business, program, listing=found)
    return _form_page(
        request, business, program, form, listing=found, photo_form=photo_form, status=400
    )


@peer_page(POST)
def photo_delete(request, business, listing_id, photo_id):
    found = _mine(request, business, listing_id)
    services.remove_photo(business, request.user, found, photo_id)
    messages.success(request, _("The photo is removed."))
    return redirect(_url(business, "me_resale_listing", listing_id=found.pk) + "#photos")


def _step(request, business, listing_id, call, done):
    found = _mine(request, business, listing_id)
    try:
        call(business, request.user, found)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(_url(business, "me_resale_listing", listing_id=found.pk))


@peer_page(POST)
def submit(request, business, listing_id):
    return _step(
        request,
        business,
        listing_id,
        services.submit_listing,
        _("Sent: the shop checks it and tells you by e-mail."),
    )


@peer_page(POST)
def withdraw(request, business, listing_id):
    return _step(
        request, business, listing_id, services.withdraw_listing, _("Withdrawn from sale.")
    )


# --- trade-in from the app -------------------------------------------------------------------


@peer_page(GET_POST)
def trade_in_new(request, business):
    program = _program_or_none(request, business)
    if program is None:
        return redirect("web:me_resale", business_slug=business.slug)
    bought = selectors.bought_items(business, request.user)
    form = TradeInForm(
        request.POST if request.method == "POST" else None,
        business=business,
        categories=selectors.categories(business, program),
        bought=bought,
        at_till=False,
        initial={"bought": request.GET.get("bought", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_trade_in(
                business, request.user, program.pk, form.input, seller=request.user
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Here is the shop's offer: accept it to get the voucher."))
            return redirect(_url(business, "me_resale") + "#offers")
    terms = selectors.resale_settings(business, program)
    return render(
        request,
        "web/me/resale/trade_in.html",
        {
            "peer": selectors.peer_of(business, request.user),
            "program": program,
            "form": form,
            "bought": bought,
            "rate": terms.trade_in_percent,
        },
        status=400 if form.errors else 200,
    )


@peer_page(POST)
def trade_in_decide(request, business, trade_in_id):
    offer = selectors.get_trade_in(business, trade_in_id)
    if offer.seller_id != request.user.pk or offer.at_till:
        raise NotFound(_("No such trade-in."))
    accept = request.POST.get("decision") == "accept"
    try:
        decided = services.decide_trade_in(business, request.user, offer, accept=accept).value
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        if accept:
            messages.success(
                request,
                _("Done: your voucher %(code)s is worth %(value)s. Bring the item to the shop.")
                % {
                    "code": decided.voucher.code,
                    "value": format_money(decided.voucher.value_minor, decided.currency),
                },
            )
        else:
            messages.success(request, _("Declined. You can still list the item for sale."))
    return redirect(_url(business, "me_resale"))
