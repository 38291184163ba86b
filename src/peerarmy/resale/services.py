"""Every change in resale: the program's terms and categories; a seller's listing, its photos
and staff's review; a buyer's reservation, its confirmation, cancellation and expiry; the
sale, the return, and the seller's share paid once the return window closes; the trade-in.

Money moves only through the ledger (`rewards.ledger`):
- a sale: the till (or the bank, for a transfer) receives the price; the shop's commission is
  income; the seller's share waits in `liabilities:resale:held` until the return window closes;
  an item the shop took in trade is a sale of its own (all income);
- a return within the window: the sale's transaction reversed, the money given back at the till
  (the buyer brings the item back to the shop);
- the release: the seller's share to a peer's payable (the peers' payout runs pay it), owed
  to a customer's bank account (the refunds payout run), or a shop voucher with the bonus;
- a trade-in: a voucher at once, its value an expense of the program.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from peerarmy import events, photos
from peerarmy.codes import new_token, token_hash, unique_code, unique_reference
from peerarmy.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.money import format_money
from peerarmy.notifications.services import enqueue_email
from peerarmy.rewards import ledger, money_in
from peerarmy.rewards.ledger import Leg
from peerarmy.rewards.models import AccountKind, TransactionKind
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import pricing, selectors
from .inputs import (
    CategoryInput,
    ListingInput,
    ResaleSettingsInput,
    ReservationInput,
    ReturnInput,
    ReviewInput,
    SaleInput,
    TradeInInput,
)
from .models import (
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    Payout,
    ResaleSettings,
    Reservation,
    ReservationStatus,
    TradeIn,
    TradeInStatus,
)

SOLD = "resale.sold"
MAX_PHOTOS = 8
LISTING_PHOTO = photos.Shape(1600, 1600, 320)
TRADE_IN_VALID_DAYS = 7
# what a seller may still change: a listing reserved or sold is the buyer's business too
EDITABLE = {
    ListingStatus.DRAFT,
    ListingStatus.SUBMITTED,
    ListingStatus.CHANGES,
    ListingStatus.PUBLIC,
}


class ListingNotAvailable(DomainError):
    code = "listing_not_available"
    status = 409
    default_message = gettext_lazy("Someone else has just reserved this item, or it is sold.")


class ReservationExpired(DomainError):
    code = "reservation_expired"
    status = 410
    default_message = gettext_lazy(
        "This reservation has expired and the item is on sale again: reserve it anew."
    )


class NotBoughtHere(DomainError):
    code = "not_bought_here"
    status = 422
    default_message = gettext_lazy(
        "This item is not among your orders at this shop: list it without the order."
    )


def _money(minor, currency):
    return format_money(minor, currency)


def _now(now):
    return now or timezone.now()


# --- the program's terms and categories ------------------------------------------------------


def _resale_program(business, program_id):
    from peerarmy.programs.models import ProgramKind

    program = selectors.get_program(business, program_id)
    if program.kind != ProgramKind.RESALE:
        errors = FieldErrors()
        errors.add("program_id", _("This program is not a resale program."))
        errors.raise_if_any()
    return program


@transaction.atomic
def save_settings(business, actor, program_id, data: ResaleSettingsInput) -> Outcome:
    check_can(actor, business, Capability.SETUP)
    program = _resale_program(business, program_id)
    terms, created = ResaleSettings.objects.update_or_create(
        business=business, program=program, defaults=data.model_dump()
    )
    return Outcome(terms, created=created)


@transaction.atomic
def save_category(business, actor, data: CategoryInput, category=None) -> Outcome[Category]:
    check_can(actor, business, Capability.SETUP)
    program = _resale_program(business, data.program_id)
    values = data.model_dump(exclude={"program_id"})
    if category is None:
        code = _category_code(business, program, data.name_en or data.name_it)
        return Outcome(
            Category.objects.create(business=business, program=program, code=code, **values),
            created=True,
        )
    category = selectors.get_category(business, category)
    if category.program_id != program.pk:
        raise InvalidTransition(_("A category stays in its program."), field="program_id")
    for name, value in values.items():
        setattr(category, name, value)
    category.save()
    return Outcome(category)


def _category_code(business, program, name):
    from django.utils.text import slugify

    base = slugify(name)[:32] or "category"
    code, n = base, 1
    while Category.objects.filter(business=business, program=program, code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


# --- bought here -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bought:
    """The line of the seller's order an item came from, as the shop vouches for it."""

    order: str
    line: int
    name: str
    unit_minor: int
    placed_on: date


def bought_line(business, who, order: str, line: int) -> Bought:
    """The `line`-th item of the order `order` at this business of `who` (a user, or an
    e-mail address); NotBoughtHere when it is not theirs, not paid, or not there."""
    for item in selectors.bought_items(business, who):
        if item.order_external_id == order and item.position == line:
            return Bought(order, line, item.name, item.unit_price_minor, item.placed_on)
    raise NotBoughtHere(field="bought_order")


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(months - (1 if end.day < start.day else 0), 0)


def suggestion(business, category, grade, original_minor, bought_on, *, today=None):
    """The shop's suggested price for an item it sold at `original_minor` on `bought_on`."""
    today = today or timezone.localdate(timezone=business.tzinfo)
    return pricing.suggest(original_minor, grade, months_between(bought_on, today), category.rule)


# --- listings --------------------------------------------------------------------------------


def _seller_payout_problems(business, user, data, errors):
    """A seller paid in money needs somewhere to be paid: a peer's bank details, or the
    account given on the listing."""
    if data.payout != Payout.MONEY:
        return
    peer = selectors.peer_of(business, user)
    if peer is not None and selectors.has_payout_details(business, peer):
        return
    if not data.payout_iban:
        errors.add("payout_iban", _("Give the IBAN to pay you on, or choose shop credit."))
    if not data.payout_holder:
        errors.add("payout_holder", _("Give the account holder's name."))


def _listing_values(business, user, data: ListingInput, category, *, now):
    values = data.model_dump(exclude={"program_id", "category_id", "bought_line"})
    values["category"] = category
    values.update(
        bought_order="", bought_line=None, bought_on=None, bought_name="", original_minor=None
    )
    values["suggested_minor"] = None
    if data.bought_order:
        bought = bought_line(business, user, data.bought_order, data.bought_line)
        values.update(
            bought_order=bought.order,
            bought_line=bought.line,
            bought_on=bought.placed_on,
            bought_name=bought.name[:200],
            original_minor=bought.unit_minor,
        )
        values["suggested_minor"] = suggestion(
            business, category, data.grade, bought.unit_minor, bought.placed_on
        ).price_minor
    values["updated_at"] = now
    return values


def _check_listing(business, user, data: ListingInput, program):
    errors = FieldErrors()
    category = selectors.category_in(business, program, data.category_id)
    if category is None or not category.active:
        errors.add("category_id", _("Choose one of the shop's categories."))
    _seller_payout_problems(business, user, data, errors)
    errors.raise_if_any()
    return category


@transaction.atomic
def create_listing(business, user, program_id, data: ListingInput, *, now=None) -> Outcome:
    """A seller's new listing, as a draft until they submit it with its photos."""
    now = _now(now)
    program = selectors.published_program(business, program_id)
    category = _check_listing(business, user, data, program)
    values = _listing_values(business, user, data, category, now=now)
    listing = Listing.objects.create(
        business=business,
        program=program,
        code=unique_code(Listing, business),
        seller=user,
        currency=business.currency or "EUR",
        created_at=now,
        **values,
    )
    return Outcome(listing, created=True)


def _own_listing(business, user, listing, *, for_update=True) -> Listing:
    listing = selectors.get_listing(business, listing, for_update=for_update)
    if listing.seller_id != user.pk or listing.by_shop:
        raise NotFound(_("No such listing."))
    return listing


@transaction.atomic
def update_listing(business, user, listing, data: ListingInput, *, now=None) -> Outcome:
    """The seller changes their listing; a public one goes back to review."""
    now = _now(now)
    listing = _own_listing(business, user, listing)
    if listing.status not in EDITABLE:
        raise InvalidTransition(_("A reserved or sold item cannot be changed."))
    category = _check_listing(business, user, data, listing.program)
    for name, value in _listing_values(business, user, data, category, now=now).items():
        setattr(listing, name, value)
    if listing.status == ListingStatus.PUBLIC:
        listing.status = ListingStatus.SUBMITTED
        listing.submitted_at = now
    listing.save()
    return Outcome(listing)


def _for_photos(business, actor, listing) -> Listing:
    listing = selectors.get_listing(business, listing, for_update=True)
    if listing.by_shop or listing.seller_id != getattr(actor, "pk", None):
        check_can(actor, business, Capability.WORK)
    if listing.status not in EDITABLE:
        raise InvalidTransition(_("A reserved or sold item cannot be changed."))
    return listing


def add_photo(business, actor, listing, data: bytes) -> Outcome[ListingPhoto]:
    """A photo of the item, resized and re-encoded without its metadata (EXIF, GPS)."""
    with transaction.atomic():
        listing = _for_photos(business, actor, listing)
        if listing.photos.count() >= MAX_PHOTOS:
            raise InvalidTransition(
                _("A listing has at most %(count)s photos: remove one first.")
                % {"count": MAX_PHOTOS},
                field="photo",
            )
    try:
        processed = photos.process(data, LISTING_PHOTO)
    except photos.PhotoError as exc:
        raise DomainError(str(exc), code="photo_rejected", field="photo", status=422) from exc
    name = photos.store(f"resale/{business.pk}", processed)
    with transaction.atomic():
        listing = _for_photos(business, actor, listing)
        photo = ListingPhoto.objects.create(
            business=business, listing=listing, name=name, position=listing.photos.count()
        )
    return Outcome(photo, created=True)


@transaction.atomic
def remove_photo(business, actor, listing, photo_id) -> Outcome[None]:
    listing = _for_photos(business, actor, listing)
    photo = ListingPhoto.objects.filter(business=business, listing=listing, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    name = photo.name
    photo.delete()
    if not ListingPhoto.objects.filter(business=business, name=name).exists():
        transaction.on_commit(lambda: photos.delete(name))
    return Outcome(None)


@transaction.atomic
def submit_listing(business, user, listing, *, now=None) -> Outcome[Listing]:
    """The seller sends the listing to the shop's review."""
    listing = _own_listing(business, user, listing)
    if listing.status == ListingStatus.SUBMITTED:
        return Outcome(listing, replayed=True)
    if listing.status not in (ListingStatus.DRAFT, ListingStatus.CHANGES):
        raise InvalidTransition(_("Only a draft, or a listing with changes asked, is sent."))
    if not listing.photos.exists():
        raise InvalidTransition(_("Add at least one photo first."), field="photo")
    listing.status = ListingStatus.SUBMITTED
    listing.submitted_at = _now(now)
    listing.review_note = ""
    listing.save(update_fields=["status", "submitted_at", "review_note"])
    return Outcome(listing)


@transaction.atomic
def withdraw_listing(business, user, listing) -> Outcome[Listing]:
    listing = _own_listing(business, user, listing)
    if listing.status == ListingStatus.WITHDRAWN:
        return Outcome(listing, replayed=True)
    if listing.status not in EDITABLE | {ListingStatus.REFUSED}:
        raise InvalidTransition(_("A reserved or sold item cannot be withdrawn."))
    listing.status = ListingStatus.WITHDRAWN
    listing.save(update_fields=["status"])
    return Outcome(listing)


@transaction.atomic
def review_listing(business, actor, listing, data: ReviewInput, *, now=None) -> Outcome:
    """Staff publish a listing, ask for changes, or refuse it; the seller hears why, in their
    language."""
    check_can(actor, business, Capability.WORK)
    now = _now(now)
    listing = selectors.get_listing(business, listing, for_update=True)
    if listing.status not in (ListingStatus.SUBMITTED, ListingStatus.DRAFT) or (
        listing.status == ListingStatus.DRAFT and not listing.by_shop
    ):
        raise InvalidTransition(_("Only a listing waiting for review can be reviewed."))
    if data.decision == "approve":
        if not listing.photos.exists():
            raise InvalidTransition(_("Add at least one photo first."), field="photo")
        listing.status = ListingStatus.PUBLIC
        listing.published_at = now
        listing.review_note = ""
    else:
        refuse = data.decision == "refuse"
        listing.status = ListingStatus.REFUSED if refuse else ListingStatus.CHANGES
        listing.review_note = data.note
    listing.save(update_fields=["status", "published_at", "review_note"])
    if listing.seller_id and not listing.by_shop:
        _tell_seller(business, listing, data.decision)
    return Outcome(listing)


def _tell_seller(business, listing, decision):
    seller = listing.seller
    enqueue_email(
        business=business,
        to=seller.email,
        template=f"resale/email/listing_{decision}",
        context={
            "business_name": business.name,
            "title": listing.title,
            "note": listing.review_note,
            "url": _absolute(
                reverse(
                    "web:me_resale_listing",
                    kwargs={"business_slug": business.slug, "listing_id": listing.pk},
                )
            ),
        },
        language=selectors.language_of(business, seller),
        event=f"resale.listing_{decision}",
    )


def _absolute(path):
    from django.conf import settings

    return settings.SITE_URL + path


# --- reservations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reserved:
    reservation: Reservation
    token: str  # the secret of the e-mailed link; shown once


def reserve(
    business,
    listing,
    data: ReservationInput,
    *,
    user=None,
    language="it",
    idempotency_key="",
    now=None,
) -> Outcome[Reserved]:
    """A buyer reserves a public listing. A visitor confirms by the e-mailed link (the item is
    held meanwhile, for the program's confirmation minutes); a signed-in person reserving with
    their own address holds it at once, for the program's reservation hours. Two buyers never
    hold one item: the database keeps one holder per listing."""
    now = _now(now)
    if idempotency_key:
        earlier = selectors.reservation_by_idempotency_key(business, idempotency_key)
        if earlier is not None:
            same = earlier.listing_id == getattr(listing, "pk", listing) and (
                earlier.email == data.email.lower()
            )
            if not same:
                from peerarmy.errors import IdempotencyKeyReused

                raise IdempotencyKeyReused(
                    _("This Idempotency-Key was already used for another reservation.")
                )
            return Outcome(Reserved(earlier, ""), replayed=True)
    listing = selectors.get_listing(business, listing)
    if listing.status != ListingStatus.PUBLIC:
        raise ListingNotAvailable()
    if listing.seller_id and user is not None and listing.seller_id == user.pk:
        raise InvalidTransition(_("This is your own listing."))
    terms = selectors.resale_settings(business, listing.program_id)
    signed_in = user is not None and user.is_authenticated
    confirmed = signed_in and user.email.lower() == data.email.lower()
    token, hashed = new_token()
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                business=business,
                program_id=listing.program_id,
                listing=listing,
                code=unique_code(Reservation, business),
                status=ReservationStatus.ACTIVE if confirmed else ReservationStatus.UNCONFIRMED,
                holding=True,
                user=user if signed_in else None,
                name=data.name,
                email=data.email.lower(),
                phone=data.phone,
                language=language[:2],
                token_hash=hashed,
                idempotency_key=idempotency_key,
                reference=_new_reference(business),
                price_minor=listing.price_minor,
                currency=listing.currency,
                created_at=now,
                confirmed_at=now if confirmed else None,
                expires_at=now
                + (
                    timedelta(hours=terms.reservation_hours)
                    if confirmed
                    else timedelta(minutes=terms.confirm_minutes)
                ),
            )
            updated = Listing.objects.filter(
                business=business, pk=listing.pk, status=ListingStatus.PUBLIC
            ).update(status=ListingStatus.RESERVED)
            if not updated:
                raise ListingNotAvailable()
            _tell_buyer(business, reservation, token, confirmed=confirmed)
    except IntegrityError as exc:
        if idempotency_key:
            earlier = selectors.reservation_by_idempotency_key(business, idempotency_key)
            if earlier is not None:
                return Outcome(Reserved(earlier, ""), replayed=True)
        raise ListingNotAvailable() from exc
    return Outcome(Reserved(reservation, token), created=True)


def _new_reference(business) -> str:
    from peerarmy.chipin import references

    return unique_reference(Reservation, business, lambda body: references.rf_reference("R" + body))


def payees_by_reference(business, references):
    """The reservations a bank statement's credits pay ahead, by their RF reference (chip-in's
    reconciliation asks): those held and not yet paid, with their price and how to book it."""
    from functools import partial

    from peerarmy.chipin.reconcile import Payee

    found = {}
    references = list(references)
    for start in range(0, len(references), 500):
        rows = Reservation.objects.filter(
            business=business,
            reference__in=references[start : start + 500],
            paid_ahead_at__isnull=True,
            status__in=[ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE],
        ).select_related("listing")
        for reservation in rows.order_by():
            found[reservation.reference] = Payee(
                label=_("Reservation %(code)s: %(title)s")
                % {"code": reservation.code, "title": reservation.listing.title},
                due_minor=reservation.price_minor,
                take=partial(_paid_ahead, business, reservation.pk),
            )
    return found


def _paid_ahead(business, reservation_id, credit, now, actor_id) -> bool:
    """The bank statement shows the transfer for a reservation: the money is held until the
    buyer collects the item (then the sale draws from it), or goes back to the payer's account
    if the reservation ends without a sale. A paid reservation no longer expires by itself."""
    reservation = selectors.get_reservation(business, reservation_id, for_update=True)
    waiting = reservation.status in (ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE)
    if reservation.paid_ahead_at is not None or not waiting:
        return False
    amount, currency = reservation.price_minor, reservation.currency
    bank = ledger.house(AccountKind.BANK, currency)
    ahead = ledger.house(AccountKind.RESALE_PAID_AHEAD, currency)
    refs = ledger.accounts(business.pk, [bank, ahead])
    ledger.post(
        business.pk,
        key=f"resale.paid_ahead:{reservation.pk}",
        kind=TransactionKind.RESALE_PAID_AHEAD,
        legs=[Leg(refs[bank], amount), Leg(refs[ahead], -amount)],
        reason="resale.paid_ahead",
        reason_args={"listing": reservation.listing.code, "title": reservation.listing.title},
        program_id=reservation.program_id,
        actor_id=actor_id,
        occurred_at=now,
    )
    reservation.paid_ahead_at = now
    reservation.paid_ahead_minor = amount
    reservation.payer_name = credit.debtor_name[:140]
    reservation.payer_iban = credit.debtor_iban[:34]
    reservation.payer_bic = credit.debtor_bic[:11]
    reservation.save(
        update_fields=[
            "paid_ahead_at",
            "paid_ahead_minor",
            "payer_name",
            "payer_iban",
            "payer_bic",
        ]
    )
    return True


def _give_back_paid_ahead(business, reservation, now, actor_id=None):
    """A reservation paid ahead ends without a sale: the money is owed back to the account it
    came from (the refunds payout run sends it)."""
    if not reservation.paid_ahead_minor:
        return
    money_in.owe_refund(
        business,
        key=f"resale.paid_back:{reservation.pk}",
        source=ledger.house(AccountKind.RESALE_PAID_AHEAD, reservation.currency),
        amount_minor=reservation.paid_ahead_minor,
        currency=reservation.currency,
        holder=reservation.payer_name or reservation.name,
        iban=reservation.payer_iban,
        bic=reservation.payer_bic,
        email=reservation.email,
        language=reservation.language,
        remittance=_("Reservation %(code)s given back") % {"code": reservation.code},
        actor_id=actor_id,
        when=now,
    )


def reservation_url(business, token, *, confirm=False) -> str:
    name = "web:resale_reservation_confirm" if confirm else "web:resale_reservation"
    return _absolute(reverse(name, kwargs={"business_slug": business.slug, "token": token}))


def _tell_buyer(business, reservation, token, *, confirmed):
    listing = reservation.listing
    context = {
        "business_name": business.name,
        "address": business.address if hasattr(business, "address") else "",
        "name": reservation.name,
        "title": listing.title,
        "price": _money(reservation.price_minor, reservation.currency),
        "reference": reservation.reference,
        "url": reservation_url(business, token),
        "confirm_url": reservation_url(business, token, confirm=True),
        "until": reservation.expires_at,
    }
    enqueue_email(
        business=business,
        to=reservation.email,
        template="resale/email/reserved" if confirmed else "resale/email/reservation_confirm",
        context=context,
        language=reservation.language,
        event="resale.reserved" if confirmed else "resale.reservation_confirm",
        secret_keys=("url", "confirm_url"),
    )


@transaction.atomic
def confirm_reservation(business, token, *, now=None) -> Outcome[Reservation]:
    """The buyer opened the e-mailed link: the item is held for the program's hours."""
    now = _now(now)
    reservation = selectors.reservation_by_token(business, token_hash(token), for_update=True)
    if reservation.status == ReservationStatus.ACTIVE:
        return Outcome(reservation, replayed=True)
    if reservation.status != ReservationStatus.UNCONFIRMED or reservation.expires_at <= now:
        raise ReservationExpired()
    terms = selectors.resale_settings(business, reservation.program_id)
    reservation.status = ReservationStatus.ACTIVE
    reservation.confirmed_at = now
    reservation.expires_at = now + timedelta(hours=terms.reservation_hours)
    reservation.save(update_fields=["status", "confirmed_at", "expires_at"])
    _tell_buyer(business, reservation, token, confirmed=True)
    return Outcome(reservation)


def _release_listing(business, reservation, status, now, actor_id=None):
    _give_back_paid_ahead(business, reservation, now, actor_id)
    reservation.status = status
    reservation.holding = False
    reservation.ended_at = now
    reservation.save(update_fields=["status", "holding", "ended_at"])
    Listing.objects.filter(
        business=business, pk=reservation.listing_id, status=ListingStatus.RESERVED
    ).update(status=ListingStatus.PUBLIC)


@transaction.atomic
def cancel_reservation(business, reservation, *, actor=None, token=None, now=None) -> Outcome:
    """The buyer (by their link) or staff give the item back to sale."""
    now = _now(now)
    if token is not None:
        reservation = selectors.reservation_by_token(business, token_hash(token), for_update=True)
    else:
        check_can(actor, business, Capability.WORK)
        reservation = selectors.get_reservation(business, reservation, for_update=True)
    if reservation.status == ReservationStatus.CANCELLED:
        return Outcome(reservation, replayed=True)
    if reservation.status not in (ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE):
        raise InvalidTransition(_("Only a reservation not yet collected can be cancelled."))
    _release_listing(
        business, reservation, ReservationStatus.CANCELLED, now, getattr(actor, "pk", None)
    )
    return Outcome(reservation)


def expire_reservations(*, now=None, business=None) -> int:
    """The worker's sweep: reservations past their time end and their items return to sale
    (every business's, or one's)."""
    now = _now(now)
    expired = 0
    with scopes_disabled():
        due = Reservation.objects.filter(
            status__in=[ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE],
            expires_at__lte=now,
            paid_ahead_at__isnull=True,  # paid: the buyer comes, or staff cancel it
        )
        if business is not None:
            due = due.filter(business=business)
        due = list(due.order_by().values_list("pk", flat=True)[:1000])
        for pk in due:
            with transaction.atomic():
                reservation = (
                    Reservation.objects.select_for_update()
                    .select_related("business")
                    .filter(pk=pk)
                    .first()
                )
                if reservation is None or reservation.status not in (
                    ReservationStatus.UNCONFIRMED,
                    ReservationStatus.ACTIVE,
                ):
                    continue
                _release_listing(reservation.business, reservation, ReservationStatus.EXPIRED, now)
                expired += 1
    return expired


# --- the sale, the return, the seller's share ------------------------------------------------


@transaction.atomic
def mark_sold(business, actor, reservation, data: SaleInput, *, now=None) -> Outcome:
    """The buyer paid and took the item: the sale is booked and `resale.sold` published."""
    check_can(actor, business, Capability.WORK)
    check_can(actor, business, Capability.REWARDS)
    now = _now(now)
    reservation = selectors.get_reservation(business, reservation, for_update=True)
    if reservation.status == ReservationStatus.SOLD:
        return Outcome(reservation, replayed=True)
    if reservation.status == ReservationStatus.EXPIRED:
        raise ReservationExpired()
    if reservation.status not in (ReservationStatus.UNCONFIRMED, ReservationStatus.ACTIVE):
        raise InvalidTransition(_("Only a reserved item can be sold."))
    listing = selectors.get_listing(business, reservation.listing_id, for_update=True)
    terms = selectors.resale_settings(business, reservation.program_id)
    price, currency = reservation.price_minor, reservation.currency
    paid_by = "transfer" if reservation.paid_ahead_at else data.paid_by
    if reservation.paid_ahead_at:
        source = ledger.house(AccountKind.RESALE_PAID_AHEAD, currency)
    else:
        source = ledger.house(AccountKind.TILL if paid_by == "till" else AccountKind.BANK, currency)
    if listing.by_shop:
        commission, share = price, 0
        legs_specs = [(ledger.resale_sales(listing.program_id, currency), -price)]
    else:
        category = listing.category
        commission, share = pricing.commission(
            price, category.commission_percent, category.commission_min_minor
        )
        legs_specs = [
            (ledger.resale_commissions(listing.program_id, currency), -commission),
            (ledger.house(AccountKind.RESALE_HELD, currency), -share),
        ]
    refs = ledger.accounts(business.pk, [source] + [spec for spec, _a in legs_specs])
    posted = ledger.post(
        business.pk,
        key=f"resale.sold:{reservation.pk}",
        kind=TransactionKind.RESALE,
        legs=[Leg(refs[source], price)] + [Leg(refs[s], a) for s, a in legs_specs if a],
        reason="resale.sold",
        reason_args={"listing": listing.code, "title": listing.title},
        program_id=listing.program_id,
        actor_id=getattr(actor, "pk", None),
        occurred_at=now,
    )
    reservation.status = ReservationStatus.SOLD
    reservation.paid_by = paid_by
    reservation.commission_minor = commission
    reservation.share_minor = share
    reservation.credit_bonus_percent = terms.credit_bonus_percent
    reservation.sold_at = now
    reservation.ended_at = now
    reservation.sale_transaction_id = posted.transaction_id
    reservation.release_after = now + timedelta(days=terms.return_days)
    reservation.save()
    listing.status = ListingStatus.SOLD
    listing.sold_at = now
    listing.save(update_fields=["status", "sold_at"])
    seller_peer = selectors.peer_of(business, listing.seller) if listing.seller_id else None
    events.publish(
        business,
        SOLD,
        key=f"{SOLD}:{reservation.pk}",
        payload={
            "listing_id": listing.pk,
            "program_id": listing.program_id,
            "peer_id": seller_peer.pk if seller_peer and not listing.by_shop else None,
            "amount_minor": price,
            "sold_at": now.isoformat(),
        },
    )
    if terms.return_days == 0:
        _release_share(business, reservation, listing, now)
    return Outcome(reservation)


@transaction.atomic
def return_sale(business, actor, reservation, data: ReturnInput, *, now=None) -> Outcome:
    """The buyer brings the item back within the program's window: the sale is reversed, the
    money given back at the till, and the item is on sale again."""
    check_can(actor, business, Capability.WORK)
    check_can(actor, business, Capability.REWARDS)
    now = _now(now)
    reservation = selectors.get_reservation(business, reservation, for_update=True)
    if reservation.status == ReservationStatus.RETURNED:
        return Outcome(reservation, replayed=True)
    if reservation.status != ReservationStatus.SOLD:
        raise InvalidTransition(_("Only a sold item can be brought back."))
    if reservation.released_at is not None or now > reservation.release_after:
        raise InvalidTransition(_("The return window of this sale has closed."))
    ledger.reverse(
        business.pk,
        reservation.sale_transaction_id,
        key=f"resale.returned:{reservation.pk}",
        kind=TransactionKind.RESALE_RETURN,
        reason="resale.returned",
        memo=data.reason,
        actor_id=getattr(actor, "pk", None),
        reason_args={"listing": reservation.listing.code, "title": reservation.listing.title},
    )
    if reservation.paid_ahead_at:
        # the reversal put the money back where the sale took it (paid ahead): it leaves at
        # the till, as every return's does
        ahead = ledger.house(AccountKind.RESALE_PAID_AHEAD, reservation.currency)
        till = ledger.house(AccountKind.TILL, reservation.currency)
        refs = ledger.accounts(business.pk, [ahead, till])
        ledger.post(
            business.pk,
            key=f"resale.returned_at_till:{reservation.pk}",
            kind=TransactionKind.RESALE_RETURN,
            legs=[
                Leg(refs[ahead], reservation.price_minor),
                Leg(refs[till], -reservation.price_minor),
            ],
            reason="resale.returned",
            reason_args={"listing": reservation.listing.code, "title": reservation.listing.title},
            program_id=reservation.program_id,
            actor_id=getattr(actor, "pk", None),
            occurred_at=now,
        )
    reservation.status = ReservationStatus.RETURNED
    reservation.holding = False
    reservation.returned_at = now
    reservation.save(update_fields=["status", "holding", "returned_at"])
    Listing.objects.filter(business=business, pk=reservation.listing_id).update(
        status=ListingStatus.PUBLIC, sold_at=None, published_at=now
    )
    return Outcome(reservation)


def _release_share(business, reservation, listing, now):
    """The seller's share leaves the held account: to a peer's payable, owed to the seller's
    bank account, or as a voucher with the bonus."""
    share, currency = reservation.share_minor, reservation.currency
    key = f"resale.paid:{reservation.pk}"
    held = ledger.house(AccountKind.RESALE_HELD, currency)
    args = {"listing": listing.code, "title": listing.title}
    seller = listing.seller
    peer = selectors.peer_of(business, seller) if seller is not None else None
    if share and listing.payout == Payout.CREDIT:
        credit = pricing.credit_with_bonus(share, reservation.credit_bonus_percent)
        money_in.issue_voucher(
            business,
            key=key,
            legs_from=[
                (held, share),
                (ledger.credit_bonus(listing.program_id, currency), credit - share),
            ],
            currency=currency,
            kind=TransactionKind.RESALE_PAYOUT,
            reason="resale.paid",
            reason_args=args,
            user_id=seller.pk if seller else None,
            peer_id=peer.pk if peer else None,
            when=now,
        )
    elif share and peer is not None and selectors.has_payout_details(business, peer):
        payable = ledger.peer_payable(peer.pk, currency)
        refs = ledger.accounts(business.pk, [held, payable])
        ledger.post(
            business.pk,
            key=key,
            kind=TransactionKind.RESALE_PAYOUT,
            legs=[Leg(refs[held], share), Leg(refs[payable], -share)],
            reason="resale.paid",
            reason_args=args,
            peer_id=peer.pk,
            program_id=listing.program_id,
            occurred_at=now,
        )
    elif share:
        money_in.owe_refund(
            business,
            key=f"resale:{reservation.pk}",
            source=held,
            amount_minor=share,
            currency=currency,
            holder=listing.payout_holder or (seller.get_full_name() if seller else ""),
            iban=listing.payout_iban,
            email=seller.email if seller else "",
            language=selectors.language_of(business, seller) if seller else "it",
            remittance=_("Sale of %(title)s") % {"title": listing.title},
            when=now,
        )
    reservation.released_at = now
    reservation.save(update_fields=["released_at"])


def release_shares(*, now=None, business=None) -> int:
    """The worker's sweep: sales whose return window has closed pay their sellers (every
    business's, or one's)."""
    now = _now(now)
    released = 0
    with scopes_disabled():
        due = Reservation.objects.filter(
            status=ReservationStatus.SOLD, released_at__isnull=True, release_after__lte=now
        )
        if business is not None:
            due = due.filter(business=business)
        due = list(due.order_by().values_list("pk", flat=True)[:1000])
        for pk in due:
            with transaction.atomic():
                reservation = (
                    Reservation.objects.select_for_update(of=("self",))
                    .select_related("business", "listing", "listing__seller")
                    .filter(pk=pk, released_at__isnull=True, status=ReservationStatus.SOLD)
                    .first()
                )
                if reservation is None:
                    continue
                _release_share(reservation.business, reservation, reservation.listing, now)
                released += 1
    return released


# --- trade-in --------------------------------------------------------------------------------


def _trade_in_values(business, user, data: TradeInInput, program, *, at_till):
    errors = FieldErrors()
    category = selectors.category_in(business, program, data.category_id)
    if category is None or not category.active:
        errors.add("category_id", _("Choose one of the shop's categories."))
    if not data.bought_order and data.original_minor is None:
        errors.add("original_minor", _("Give what the item cost new, or choose the order."))
    if not at_till and not data.bought_order:
        errors.add(
            "bought_order",
            _("From the app, the shop takes in trade what it sold you: choose the order."),
        )
    errors.raise_if_any()
    today = timezone.localdate(timezone=business.tzinfo)
    if data.bought_order:
        bought = bought_line(business, user, data.bought_order, data.bought_line)
        original, bought_on, name = bought.unit_minor, bought.placed_on, bought.name[:200]
    else:
        original, name = data.original_minor, ""
        bought_on = None
    months = months_between(bought_on, today) if bought_on else data.age_months
    suggested = pricing.suggest(original, data.grade, months, category.rule).price_minor
    return category, original, bought_on, name, suggested


@transaction.atomic
def offer_trade_in(
    business, actor, program_id, data: TradeInInput, *, seller=None, seller_email="", now=None
) -> Outcome[TradeIn]:
    """The shop's offer for an item: the suggested price times the program's trade-in rate.
    Staff make it at the till for a customer there (`seller_email`); a seller asks for one
    from their app for an item they bought here (`actor` is the seller)."""
    now = _now(now)
    at_till = seller is None
    if at_till:
        check_can(actor, business, Capability.WORK)
        seller = selectors.user_by_email(seller_email) if seller_email else None
    program = selectors.published_program(business, program_id)
    terms = selectors.resale_settings(business, program.pk)
    category, original, bought_on, name, suggested = _trade_in_values(
        business, seller or seller_email, data, program, at_till=at_till
    )
    offer = pricing.trade_in_offer(suggested, terms.trade_in_percent)
    if offer <= 0:
        raise InvalidTransition(_("The shop cannot offer anything for this item."))
    trade_in = TradeIn.objects.create(
        business=business,
        program=program,
        code=unique_code(TradeIn, business),
        seller=seller,
        seller_email=(seller.email if seller else seller_email).lower(),
        category=category,
        title=data.title,
        description=data.description,
        grade=data.grade,
        size=data.size,
        bought_order=data.bought_order,
        bought_on=bought_on,
        bought_name=name,
        original_minor=original,
        suggested_minor=suggested,
        offer_minor=offer,
        currency=business.currency or "EUR",
        at_till=at_till,
        offered_by=actor if at_till else None,
        offered_at=now,
        expires_at=now + timedelta(days=TRADE_IN_VALID_DAYS),
    )
    return Outcome(trade_in, created=True)


def decide_trade_in(business, actor, trade_in, *, accept: bool, now=None) -> Outcome[TradeIn]:
    """The seller accepts (a voucher at once, the item the shop's listing) or declines. At the
    till staff record the seller's answer; from the app the seller answers. An offer past its
    days is marked expired, and the answer refused."""
    now = _now(now)
    with transaction.atomic():
        decided = _decide_trade_in(business, actor, trade_in, accept=accept, now=now)
    if decided is None:
        raise InvalidTransition(_("This offer has expired: ask the shop for a new one."))
    return decided


def _decide_trade_in(business, actor, trade_in, *, accept, now):
    trade_in = selectors.get_trade_in(business, trade_in, for_update=True)
    if trade_in.at_till:
        check_can(actor, business, Capability.WORK)
        check_can(actor, business, Capability.REWARDS)
    elif trade_in.seller_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the seller answers this offer."))
    wanted = TradeInStatus.ACCEPTED if accept else TradeInStatus.DECLINED
    if trade_in.status == wanted:
        return Outcome(trade_in, replayed=True)
    if trade_in.status != TradeInStatus.OFFERED:
        raise InvalidTransition(_("This offer was already answered."))
    if trade_in.expires_at <= now:
        trade_in.status = TradeInStatus.EXPIRED
        trade_in.save(update_fields=["status"])
        return None
    trade_in.status = wanted
    trade_in.decided_at = now
    if accept:
        seller = trade_in.seller
        peer = selectors.peer_of(business, seller) if seller else None
        trade_in.voucher = money_in.issue_voucher(
            business,
            key=f"resale.trade_in:{trade_in.pk}",
            legs_from=[
                (ledger.trade_ins(trade_in.program_id, trade_in.currency), trade_in.offer_minor)
            ],
            currency=trade_in.currency,
            kind=TransactionKind.TRADE_IN,
            reason="resale.trade_in",
            reason_args={"title": trade_in.title},
            user_id=seller.pk if seller else None,
            peer_id=peer.pk if peer else None,
            when=now,
        )
        trade_in.listing = Listing.objects.create(
            business=business,
            program_id=trade_in.program_id,
            code=unique_code(Listing, business),
            seller=None,
            by_shop=True,
            category=trade_in.category,
            title=trade_in.title,
            description=trade_in.description,
            grade=trade_in.grade,
            size=trade_in.size,
            price_minor=max(trade_in.suggested_minor, trade_in.offer_minor, 1),
            currency=trade_in.currency,
            status=ListingStatus.DRAFT,
            bought_order=trade_in.bought_order,
            bought_on=trade_in.bought_on,
            bought_name=trade_in.bought_name,
            original_minor=trade_in.original_minor,
            suggested_minor=trade_in.suggested_minor,
            created_at=now,
            updated_at=now,
        )
    trade_in.save()
    return Outcome(trade_in)


def purge_business(business) -> None:
    """Everything resale keeps for a business, for the demo's reload (the ledger goes apart)."""
    with scopes_disabled():
        TradeIn.objects.filter(business=business).delete()
        Reservation.objects.filter(business=business).delete()
        ListingPhoto.objects.filter(business=business).delete()
        Listing.objects.filter(business=business).delete()
        Category.objects.filter(business=business).delete()
        ResaleSettings.objects.filter(business=business).delete()
