"""The console's resale pages: the day's work (listings to review, reservations to collect, the
shop's traded-in items to put on sale, the latest sales), one listing's review, one
reservation's sale, cancellation or return, a trade-in at the till, the categories with their
pricing rules, and the program's terms."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.money import format_money
from peerarmy.photos import MAX_UPLOAD_BYTES
from peerarmy.resale import selectors, services
from peerarmy.resale.models import GRADE_DEFINITIONS, ListingStatus, ReservationStatus
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.resale import (
    CategoryForm,
    ResaleSettingsForm,
    ReturnForm,
    ReviewForm,
    SaleForm,
    TradeInForm,
)
from peerarmy.web.forms.rewards import money_input
from peerarmy.web.forms.sharing_peer import AssetPhotoForm

from .base import attempt, console_page, page_url, role_can, save_form
from .resale_public import bought_words, suggestion_words

GET_POST = ("GET", "HEAD", "POST")
POST = ("POST",)


def _money(minor, currency="EUR"):
    return format_money(minor, currency)


def _programs(business):
    return selectors.resale_programs(business, published=False)


def _program(request, business):
    """The program the page works on: the one asked for (?program=), else the first."""
    programs = _programs(business)
    if not programs:
        return None
    asked = request.GET.get("program") or request.POST.get("program")
    return next((p for p in programs if str(p.pk) == asked), programs[0])


def _no_program(request):
    return render(request, "web/manage/resale/no_program.html", {})


@console_page(needs=Capability.WORK)
def home(request, business):
    program = _program(request, business)
    if program is None:
        return _no_program(request)
    now = timezone.now()
    queue = selectors.review_queue(business)
    collect = [
        {
            "reservation": r,
            "price": _money(r.price_minor, r.currency),
            "soon": (r.expires_at - now).total_seconds() < 6 * 3600,
        }
        for r in selectors.to_collect(business)
    ]
    sales = [
        {
            "sale": s,
            "price": _money(s.price_minor, s.currency),
            "commission": _money(s.commission_minor, s.currency),
        }
        for s in selectors.recent_sales(business, limit=20)
    ]
    return render(
        request,
        "web/manage/resale/home.html",
        {
            "program": program,
            "programs": _programs(business),
            "queue": queue,
            "collect": collect,
            "shop_items": selectors.shop_listings(business),
            "sales": sales,
            "trade_ins": [
                (t, _money(t.offer_minor, t.currency)) for t in selectors.trade_ins(business)
            ][:10],
            "can_set_up": role_can(request, Capability.SETUP),
        },
    )


def _listing_page(request, business, listing, *, form=None, photo_form=None, status=200):
    return render(
        request,
        "web/manage/resale/listing.html",
        {
            "listing": listing,
            "photos": selectors.photos_of(business, listing),
            "price": _money(listing.price_minor, listing.currency),
            "suggested": _money(listing.suggested_minor, listing.currency)
            if listing.suggested_minor is not None
            else "",
            "grade_definition": GRADE_DEFINITIONS.get(listing.grade, ""),
            "bought": bought_words(listing, business),
            "suggestion": suggestion_words(listing, business),
            "form": form or ReviewForm(business=business),
            "photo_form": photo_form or AssetPhotoForm(),
            "reviewable": listing.status == ListingStatus.SUBMITTED
            or (listing.by_shop and listing.status == ListingStatus.DRAFT),
            "reservations": selectors.reservations_of(business, listing),
        },
        status=status,
    )


def _listing(business, listing_id):
    try:
        return selectors.get_listing(business, listing_id)
    except NotFound as exc:
        raise Http404 from exc


@console_page(GET_POST, needs=Capability.WORK)
def listing(request, business, listing_id):
    found = _listing(business, listing_id)
    form = ReviewForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        done = save_form(
            form, lambda data: services.review_listing(business, request.user, found, data)
        )
        if done is not None:
            messages.success(
                request,
                {
                    "approve": _("On sale."),
                    "changes": _("The seller is asked for the changes."),
                    "refuse": _("Refused; the seller is told why."),
                }[form.input.decision],
            )
            return redirect("web:manage_resale", business_slug=business.slug)
    return _listing_page(request, business, found, form=form, status=400 if form.errors else 200)


@console_page(POST, needs=Capability.WORK)
def listing_photos(request, business, listing_id):
    """A photo of an item the shop took in trade (sellers add their own)."""
    found = _listing(business, listing_id)
    photo_form = AssetPhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        data = photo_form.cleaned_data["photo"].read(MAX_UPLOAD_BYTES + 1)
        if attempt(request, lambda: services.add_photo(business, request.user, found, data)):
            messages.success(request, _("The photo is added."))
            return redirect(page_url(business, "manage_resale_listing", listing_id=found.pk))
    return _listing_page(request, business, found, photo_form=photo_form, status=400)


def _reservation(business, reservation_id):
    try:
        return selectors.get_reservation(business, reservation_id)
    except NotFound as exc:
        raise Http404 from exc


def _reservation_page(request, business, reservation, *, sale_form=None, return_form=None,
                      status=200):  # fmt: skip
    now = timezone.now()
    return render(
        request,
        "web/manage/resale/reservation.html",
        {
            "reservation": reservation,
            "listing": reservation.listing,
            "price": _money(reservation.price_minor, reservation.currency),
            "commission": _money(reservation.commission_minor, reservation.currency),
            "share": _money(reservation.share_minor, reservation.currency),
            "open": reservation.status in (ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE),
            "returnable": reservation.status == ReservationStatus.SOLD
            and not reservation.released_at
            and reservation.release_after
            and now <= reservation.release_after,
            "sale_form": sale_form or SaleForm(business=business),
            "return_form": return_form or ReturnForm(business=business),
            "can_take_money": role_can(request, Capability.REWARDS),
        },
        status=status,
    )


@console_page(needs=Capability.WORK)
def reservation(request, business, reservation_id):
    return _reservation_page(request, business, _reservation(business, reservation_id))


@console_page(POST, needs=Capability.WORK)
def reservation_sold(request, business, reservation_id):
    found = _reservation(business, reservation_id)
    form = SaleForm(request.POST, business=business)
    if form.is_valid() and save_form(
        form, lambda data: services.mark_sold(business, request.user, found, data)
    ):
        messages.success(request, _("Sold. The seller is paid when the return window closes."))
        return redirect(page_url(business, "manage_resale_reservation", reservation_id=found.pk))
    return _reservation_page(request, business, found, sale_form=form, status=400)


@console_page(POST, needs=Capability.WORK)
def reservation_cancel(request, business, reservation_id):
    found = _reservation(business, reservation_id)
    if attempt(request, lambda: services.cancel_reservation(business, found, actor=request.user)):
        messages.success(request, _("Cancelled: the item is on sale again."))
    return redirect(page_url(business, "manage_resale_reservation", reservation_id=found.pk))


@console_page(POST, needs=Capability.WORK)
def reservation_return(request, business, reservation_id):
    found = _reservation(business, reservation_id)
    form = ReturnForm(request.POST, business=business)
    if form.is_valid() and save_form(
        form, lambda data: services.return_sale(business, request.user, found, data)
    ):
        messages.success(request, _("Brought back: give the money back at the till."))
        return redirect(page_url(business, "manage_resale_reservation", reservation_id=found.pk))
    return _reservation_page(request, business, found, return_form=form, status=400)


# --- trade-in at the till --------------------------------------------------------------------


@console_page(GET_POST, needs=Capability.WORK)
def trade_in_new(request, business):
    program = _program(request, business)
    if program is None:
        return _no_program(request)
    form = TradeInForm(
        request.POST or None,
        business=business,
        categories=selectors.categories(business, program),
        at_till=True,
    )
    if request.method == "POST" and form.is_valid():
        made = save_form(
            form,
            lambda data: services.offer_trade_in(
                business,
                request.user,
                program.pk,
                data,
                seller_email=form.cleaned_data["seller_email"],
            ),
        )
        if made is not None:
            return redirect(page_url(business, "manage_resale_trade_in", trade_in_id=made.value.pk))
    terms = selectors.resale_settings(business, program)
    return render(
        request,
        "web/manage/resale/trade_in_form.html",
        {"program": program, "form": form, "rate": terms.trade_in_percent},
        status=400 if form.errors else 200,
    )


def _trade_in(business, trade_in_id):
    try:
        return selectors.get_trade_in(business, trade_in_id)
    except NotFound as exc:
        raise Http404 from exc


@console_page(GET_POST, needs=Capability.WORK)
def trade_in(request, business, trade_in_id):
    found = _trade_in(business, trade_in_id)
    if request.method == "POST":
        accept = request.POST.get("decision") == "accept"
        done = attempt(
            request,
            lambda: services.decide_trade_in(business, request.user, found, accept=accept),
        )
        if done is not None:
            if accept:
                messages.success(
                    request,
                    _("Voucher %(code)s given. Photograph the item and put it on sale.")
                    % {"code": done.value.voucher.code},
                )
            else:
                messages.success(request, _("Declined."))
            return redirect(page_url(business, "manage_resale_trade_in", trade_in_id=found.pk))
    return render(
        request,
        "web/manage/resale/trade_in.html",
        {
            "trade_in": found,
            "offer": _money(found.offer_minor, found.currency),
            "suggested": _money(found.suggested_minor, found.currency),
            "original": _money(found.original_minor, found.currency),
            "can_take_money": role_can(request, Capability.REWARDS),
        },
    )


# --- categories and terms --------------------------------------------------------------------


@console_page(needs=Capability.SETUP)
def categories(request, business):
    program = _program(request, business)
    if program is None:
        return _no_program(request)
    rows = selectors.categories(business, program, active_only=False)
    return render(
        request,
        "web/manage/resale/categories.html",
        {
            "program": program,
            "categories": [(c, _money(c.commission_min_minor)) for c in rows],
        },
    )


def _category_initial(category):
    fields = [
        "name_it",
        "name_en",
        "keep_new_percent",
        "keep_excellent_percent",
        "keep_good_percent",
        "keep_worn_percent",
        "keep_parts_percent",
        "yearly_loss_percent",
        "floor_percent",
        "commission_percent",
        "active",
    ]
    initial = {name: getattr(category, name) for name in fields}
    initial["commission_min"] = money_input(category.commission_min_minor)
    return initial


@console_page(GET_POST, needs=Capability.SETUP)
def category_form(request, business, category_id=None):
    program = _program(request, business)
    if program is None:
        return _no_program(request)
    found = None
    if category_id is not None:
        try:
            found = selectors.get_category(business, category_id)
        except NotFound as exc:
            raise Http404 from exc
        program = selectors.get_program(business, found.program_id)
    defaults = CategoryForm.base_fields
    initial = (
        _category_initial(found)
        if found
        else {name: field.initial for name, field in defaults.items() if field.initial is not None}
        | {
            "keep_new_percent": 80,
            "keep_excellent_percent": 65,
            "keep_good_percent": 50,
            "keep_worn_percent": 30,
            "keep_parts_percent": 10,
            "yearly_loss_percent": 10,
            "floor_percent": 40,
            "commission_percent": 20,
        }
    )
    form = CategoryForm(
        request.POST or None, business=business, initial=initial, program_id=program.pk
    )
    if request.method == "POST" and form.is_valid():
        saved = save_form(
            form, lambda data: services.save_category(business, request.user, data, found)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(page_url(business, "manage_resale_categories"))
    return render(
        request,
        "web/manage/resale/category_form.html",
        {"program": program, "form": form, "category": found},
        status=400 if form.errors else 200,
    )


@console_page(GET_POST, needs=Capability.SETUP)
def settings(request, business):
    program = _program(request, business)
    if program is None:
        return _no_program(request)
    terms = selectors.resale_settings(business, program)
    names = [
        "reservation_hours",
        "confirm_minutes",
        "return_days",
        "trade_in_percent",
        "credit_bonus_percent",
    ]
    form = ResaleSettingsForm(
        request.POST or None,
        business=business,
        initial={name: getattr(terms, name) for name in names},
    )
    if request.method == "POST" and form.is_valid():
        if save_form(
            form, lambda data: services.save_settings(business, request.user, program.pk, data)
        ):
            messages.success(request, _("Saved."))
            return redirect(page_url(business, "manage_resale_settings"))
    return render(
        request,
        "web/manage/resale/settings.html",
        {"program": program, "form": form},
        status=400 if form.errors else 200,
    )
