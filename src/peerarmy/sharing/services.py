"""Every change in sharing: a program's terms, stations, assets (the business's, and peers'
listings that staff approve), bookings from the search to the return, and sponsors.

The books (`rewards.ledger`), all keyed by the booking so that each step posts once:
- paid (at the till, or by transfer ahead): the till or the bank → money held for rentals
  (the rental and the deposit);
- picked up: the rental is earned, held → the program's rentals income, or for a peer's asset
  → the business's commission and the rest owed to the peer (paid by the payout runs);
- returned: late fees and damage come out of the deposit (held → fees income, or the peer for
  damage to their asset; what the deposit does not cover is taken at the till), the rest of
  the deposit goes back: at the till, or owed back by transfer (a refund in the refunds run);
- cancelled after paying: everything held is owed back.

No double booking: the database refuses a second booking that holds the same asset at an
overlapping time (`sql.py`); the service looks first only to answer in words.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from peerarmy import events, photos
from peerarmy.codes import token_hash, unique_code, unique_reference
from peerarmy.errors import DomainError, InvalidTransition, PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome, stored_degrees
from peerarmy.money import format_money
from peerarmy.notifications.services import enqueue_email
from peerarmy.rewards import ledger, money_in
from peerarmy.rewards.ledger import Leg
from peerarmy.rewards.models import AccountKind, TransactionKind
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import pricing, selectors, sql
from .inputs import (
    AssetInput,
    AssetStateInput,
    BookingInput,
    CancelInput,
    CheckInInput,
    CheckOutInput,
    ListingDecisionInput,
    SharingSettingsInput,
    SponsorInput,
    StationInput,
)
from .models import (
    Asset,
    AssetPhoto,
    AssetState,
    Booking,
    BookingStatus,
    ListingStatus,
    PaymentMethod,
    SharingSettings,
    Sponsor,
    Station,
)

ASSET_PHOTO = photos.Shape(width=1600, height=1600, min_side=200)
LOGO = photos.Shape(width=600, height=600, min_side=48)
MAX_PHOTOS = 8
BOOKING_MADE = "sharing.booking_made"
RENTAL_COMPLETED = "sharing.rental_completed"


class AssetUnavailable(DomainError):
    code = "asset_unavailable"
    status = 409
    default_message = gettext_lazy("This asset is already booked, or not available, at that time.")


class OutsideOpeningHours(DomainError):
    code = "outside_opening_hours"
    status = 422
    default_message = gettext_lazy(
        "Pick-up and return must fall within the hours the asset can be handed over."
    )


class BookingTooShort(DomainError):
    code = "booking_too_short"
    status = 422


class BookingTooLong(DomainError):
    code = "booking_too_long"
    status = 422


class CancellationTooLate(DomainError):
    code = "cancellation_too_late"
    status = 409


def _refuse(field, message):
    errors = FieldErrors()
    errors.add(field, message)
    errors.raise_if_any()


def _money(minor, currency):
    return format_money(minor, currency)


# --- settings and stations -------------------------------------------------------------------


@transaction.atomic
def save_settings(business, actor, program, data: SharingSettingsInput) -> Outcome[SharingSettings]:
    check_can(actor, business, Capability.SETUP)
    program = selectors.get_sharing_program(business, program)
    terms, created = SharingSettings.objects.update_or_create(
        business=business, program=program, defaults=data.model_dump()
    )
    return Outcome(terms, created=created)


@transaction.atomic
def save_station(business, actor, data: StationInput, *, station=None) -> Outcome[Station]:
    check_can(actor, business, Capability.SETUP)
    program = selectors.get_sharing_program(business, data.program_id)
    values = data.model_dump(exclude={"program_id"})
    values["latitude"] = stored_degrees(data.latitude)
    values["longitude"] = stored_degrees(data.longitude)
    if station is None:
        station = Station.objects.create(
            business=business,
            program=program,
            code=unique_code(Station, business),
            **values,
        )
        return Outcome(station, created=True)
    station = selectors.get_station(business, station)
    if station.program_id != program.pk and station.assets.exists():
        raise InvalidTransition(_("Move its assets elsewhere before moving the station."))
    for name, value in values.items():
        setattr(station, name, value)
    station.program = program
    station.save()
    return Outcome(station)


# --- assets ----------------------------------------------------------------------------------


def _asset_values(business, data: AssetInput) -> dict:
    errors = FieldErrors()
    program = None
    try:
        program = selectors.get_sharing_program(business, data.program_id)
    except DomainError:
        errors.add("program_id", _("There is no sharing program with this number."))
    station = None
    if data.station_id is not None:
        station = selectors.stations(business).filter(pk=data.station_id).first()
        if station is None or (program is not None and station.program_id != program.pk):
            errors.add("station_id", _("There is no station of this program with this number."))
    errors.raise_if_any()
    values = data.model_dump(exclude={"program_id", "station_id", "weekly_hours"})
    values["weekly_hours"] = [[w.weekday, w.opens, w.closes] for w in data.weekly_hours]
    values["blocked_dates"] = [d.isoformat() for d in data.blocked_dates]
    values["latitude"] = stored_degrees(data.latitude)
    values["longitude"] = stored_degrees(data.longitude)
    values["propulsion"] = data.propulsion or ""
    values["program"] = program
    values["station"] = station
    return values


@transaction.atomic
def save_asset(business, actor, data: AssetInput, *, asset=None) -> Outcome[Asset]:
    """Staff add or change an asset: the business's own, or a peer's (then its listing stays
    as it is)."""
    check_can(actor, business, Capability.SETUP)
    values = _asset_values(business, data)
    if asset is None:
        asset = Asset.objects.create(business=business, code=unique_code(Asset, business), **values)
        return Outcome(asset, created=True)
    asset = selectors.get_asset(business, asset, for_update=True)
    for name, value in values.items():
        setattr(asset, name, value)
    asset.save()
    return Outcome(asset)


@transaction.atomic
def list_peer_asset(peer, data: AssetInput, *, asset=None) -> Outcome[Asset]:
    """A peer lists their own asset through the shop, or changes their listing; the shop
    reviews it (again) before anyone can book it."""
    from peerarmy.peers.models import PeerStatus

    business = peer.business
    if peer.status != PeerStatus.ACTIVE:
        raise PermissionDenied(_("Only active peers of the army can list their things."))
    values = _asset_values(business, data)
    values["listing"] = ListingStatus.PENDING
    values["listing_note"] = ""
    if asset is None:
        asset = Asset.objects.create(
            business=business, code=unique_code(Asset, business), owner_peer=peer, **values
        )
        created = True
    else:
        asset = selectors.get_asset(business, asset, for_update=True)
        if asset.owner_peer_id != peer.pk:
            raise PermissionDenied()
        for name, value in values.items():
            setattr(asset, name, value)
        asset.save()
        created = False
    email_staff_listing(business, asset)
    return Outcome(asset, created=created)


def email_staff_listing(business, asset):
    from peerarmy.rewards.services import email_owners

    email_owners(
        business,
        template="sharing/email/listing_to_review",
        context={"asset": asset, "url": console_url(business, "web:manage_sharing_fleet")},
        event="sharing.listing_to_review",
    )


@transaction.atomic
def decide_listing(business, actor, asset, data: ListingDecisionInput) -> Outcome[Asset]:
    check_can(actor, business, Capability.SETUP)
    asset = selectors.get_asset(business, asset, for_update=True)
    if asset.owner_peer_id is None:
        raise InvalidTransition(_("The shop's own assets need no approval."))
    asset.listing = ListingStatus.APPROVED if data.approve else ListingStatus.REFUSED
    asset.listing_note = "" if data.approve else data.reason
    asset.save(update_fields=["listing", "listing_note", "updated_at"])
    peer = asset.owner_peer
    enqueue_email(
        business=business,
        to=peer.user.email,
        template="sharing/email/listing_decided",
        context={"asset": asset, "approved": data.approve, "reason": data.reason},
        language=_user_language(peer.user, business),
        event="sharing.listing_decided",
    )
    return Outcome(asset)


@transaction.atomic
def set_asset_state(business, actor, asset, data: AssetStateInput) -> Outcome[Asset]:
    """Active, in maintenance (no new bookings) or retired (off the pages). Bookings already
    made stand: the staff call the riders when a broken asset cannot go out."""
    asset = _asset_for_owner_or_staff(business, actor, asset, Capability.SETUP)
    asset.state = data.state
    asset.save(update_fields=["state", "updated_at"])
    return Outcome(asset)


def _asset_for_owner_or_staff(business, actor, asset, capability):
    asset = selectors.get_asset(business, asset, for_update=True)
    peer = asset.owner_peer
    if peer is not None and actor is not None and peer.user_id == actor.pk:
        return asset
    check_can(actor, business, capability)
    return asset


def add_asset_photo(business, actor, asset, data: bytes) -> Outcome[AssetPhoto]:
    """A photo of the asset, resized and re-encoded without its metadata (EXIF, GPS)."""
    asset = _asset_for_owner_or_staff(business, actor, asset, Capability.SETUP)
    if asset.photos.count() >= MAX_PHOTOS:
        raise InvalidTransition(
            _("An asset has at most %(count)s photos: remove one first.") % {"count": MAX_PHOTOS},
            field="photo",
        )
    try:
        processed = photos.process(data, ASSET_PHOTO)
    except photos.PhotoError as exc:
        raise DomainError(str(exc), code="photo_rejected", field="photo", status=422) from exc
    name = photos.store(f"sharing/{business.pk}", processed)
    with transaction.atomic():
        photo = AssetPhoto.objects.create(
            business=business, asset=asset, name=name, position=asset.photos.count()
        )
    return Outcome(photo, created=True)


@transaction.atomic
def remove_asset_photo(business, actor, asset, photo_id) -> Outcome[None]:
    asset = _asset_for_owner_or_staff(business, actor, asset, Capability.SETUP)
    photo = AssetPhoto.objects.filter(business=business, asset=asset, pk=photo_id).first()
    if photo is None:
        from peerarmy.errors import NotFound

        raise NotFound(_("No such photo."))
    name = photo.name
    photo.delete()
    transaction.on_commit(lambda: photos.delete(name))
    return Outcome(None)


# --- booking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingMade:
    booking: Booking
    token: str  # the secret of the e-mailed link; shown once


def _rider_peer(business, user):
    from peerarmy.peers.models import Peer, PeerStatus

    if user is None or not user.is_authenticated:
        return None
    return Peer.objects.filter(business=business, user=user, status=PeerStatus.ACTIVE).first()


def check_bookable(asset, starts_at, ends_at, *, now, ignore=None) -> None:
    """Raise the reason, with its code, why the asset cannot be booked for the range."""
    business = asset.business
    if not asset.bookable:
        raise AssetUnavailable(_("This asset cannot be booked at the moment."))
    if starts_at < now - timedelta(minutes=5):
        raise DomainError(
            _("The start is in the past: choose a time from now on."),
            code="validation_failed",
            field="starts_at",
            status=422,
        )
    problem = selectors.length_problem(asset, starts_at, ends_at)
    if problem == "booking_too_short":
        raise BookingTooShort(
            _("The shortest booking of this asset is %(length)s.")
            % {"length": minutes_words(asset.min_minutes)},
            field="ends_at",
        )
    if problem == "booking_too_long":
        raise BookingTooLong(
            _("The longest booking of this asset is %(length)s.")
            % {"length": minutes_words(asset.max_minutes)},
            field="ends_at",
        )
    problem = selectors.opening_problem(asset, starts_at, ends_at, business.tzinfo)
    if problem == "outside_opening_hours":
        raise OutsideOpeningHours(field="starts_at")
    if problem == "asset_unavailable":
        raise AssetUnavailable(_("The asset is not available on one of these days."))
    if not selectors.is_free(asset, starts_at, ends_at, ignore=ignore):
        raise AssetUnavailable()


def minutes_words(minutes: int) -> str:
    from django.utils.translation import ngettext

    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def quote_for(asset, starts_at, ends_at, *, user=None) -> pricing.Quote:
    terms = selectors.sharing_settings(asset.business, asset.program_id)
    peer = _rider_peer(asset.business, user) is not None
    return pricing.quote(selectors.tariff(asset, terms), starts_at, ends_at, peer=peer)


def book(
    business,
    asset,
    data: BookingInput,
    *,
    user=None,
    language="it",
    idempotency_key="",
    now=None,
) -> Outcome[BookingMade]:
    """Book an asset for a time range. A visitor confirms by the e-mailed link (the booking
    holds the asset meanwhile, for the program's confirmation minutes); a signed-in person
    booking with their own address is confirmed at once. A peer of the army pays the peer
    price. The same `idempotency_key` answers with the booking it made the first time."""
    now = now or timezone.now()
    if idempotency_key:
        earlier = selectors.booking_by_idempotency_key(business, idempotency_key)
        if earlier is not None:
            same = (
                earlier.asset_id == getattr(asset, "pk", asset)
                and earlier.starts_at == data.starts_at
                and earlier.ends_at == data.ends_at
                and earlier.email == data.email.lower()
            )
            if not same:
                from peerarmy.errors import IdempotencyKeyReused

                raise IdempotencyKeyReused(
                    _("This Idempotency-Key was already used for another booking.")
                )
            return Outcome(BookingMade(earlier, ""), replayed=True)
    asset = selectors.get_asset(business, asset)
    check_bookable(asset, data.starts_at, data.ends_at, now=now)
    terms = selectors.sharing_settings(business, asset.program_id)
    rider_peer = _rider_peer(business, user)
    quote = pricing.quote(
        selectors.tariff(asset, terms), data.starts_at, data.ends_at, peer=rider_peer is not None
    )
    signed_in = user is not None and user.is_authenticated
    confirmed = signed_in and user.email.lower() == data.email.lower()
    token = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                business=business,
                program_id=asset.program_id,
                asset=asset,
                code=unique_code(Booking, business),
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                status=BookingStatus.CONFIRMED if confirmed else BookingStatus.UNCONFIRMED,
                user=user if signed_in else None,
                peer=rider_peer,
                name=data.name,
                email=data.email.lower(),
                phone=data.phone,
                language=language[:2],
                payment_method=data.payment_method,
                reference=_new_reference(business),
                token_hash=token_hash(token),
                idempotency_key=idempotency_key,
                hold_until=None if confirmed else now + timedelta(minutes=terms.confirm_minutes),
                currency=asset.currency,
                gross_minor=quote.gross_minor,
                discount_minor=quote.discount_minor,
                price_minor=quote.total_minor,
                deposit_minor=asset.deposit_minor,
                commission_percent=terms.commission_percent if asset.owner_peer_id else 0,
                free_cancel_until=data.starts_at - timedelta(hours=terms.free_cancel_hours),
                late_fee_percent=terms.late_fee_percent,
                late_grace_minutes=terms.late_grace_minutes,
                confirmed_at=now if confirmed else None,
                created_at=now,
            )
            if confirmed:
                _tell_confirmed(business, booking, token)
            else:
                enqueue_email(
                    business=business,
                    to=booking.email,
                    template="sharing/email/booking_confirm",
                    context={
                        "booking": booking,
                        "asset": asset,
                        "url": booking_url(business, token, confirm=True),
                        "minutes": terms.confirm_minutes,
                    },
                    language=booking.language,
                    event="sharing.booking_confirm",
                    secret_keys=("url",),
                )
    except IntegrityError as exc:
        if sql.is_guard_violation(exc):
            raise AssetUnavailable() from exc
        if idempotency_key and selectors.booking_by_idempotency_key(business, idempotency_key):
            return book(
                business,
                asset,
                data,
                user=user,
                language=language,
                idempotency_key=idempotency_key,
                now=now,
            )
        raise
    return Outcome(BookingMade(booking, token), created=True)


def _new_reference(business) -> str:
    from peerarmy.chipin import references

    return unique_reference(Booking, business, lambda body: references.rf_reference("S" + body))


def booking_url(business, token, *, confirm=False, ics=False) -> str:
    name = "web:sharing_booking"
    if confirm:
        name = "web:sharing_booking_confirm"
    path = reverse(name, kwargs={"business_slug": business.slug, "token": token})
    return f"{settings.SITE_URL}{path}"


def console_url(business, name, **kwargs) -> str:
    path = reverse(name, kwargs={"business_slug": business.slug, **kwargs})
    return f"{settings.SITE_URL}{path}"


def _tell_confirmed(business, booking, token):
    from peerarmy.chipin.references import format_rf
    from peerarmy.chipin.selectors import bank_details

    sponsors = selectors.current_sponsors(business, booking.program_id, asset=booking.asset)
    enqueue_email(
        business=business,
        to=booking.email,
        template="sharing/email/booking_confirmed",
        context={
            "booking": booking,
            "asset": booking.asset,
            "station": booking.asset.station,
            "bank": bank_details(business)
            if booking.payment_method == PaymentMethod.TRANSFER
            else None,
            "reference": format_rf(booking.reference),
            "total": booking.price_minor + booking.deposit_minor,
            "url": booking_url(business, token) if token else "",
            "sponsors": sponsors,
        },
        language=booking.language,
        event="sharing.booking_confirmed",
        secret_keys=("url",),
    )
    events.publish(
        business,
        BOOKING_MADE,
        key=f"{BOOKING_MADE}:{booking.pk}",
        payload={
            "booking_id": booking.pk,
            "program_id": booking.program_id,
            "asset_id": booking.asset_id,
            "peer_id": booking.peer_id,
        },
    )


@transaction.atomic
def confirm_booking(business, token, *, now=None) -> Outcome[Booking]:
    """The visitor opened the link of the e-mail. Opening it again changes nothing; a booking
    that lapsed is taken again when the asset is still free."""
    now = now or timezone.now()
    booking = selectors.booking_by_token(business, token_hash(token), for_update=True)
    if booking.status not in (BookingStatus.UNCONFIRMED, BookingStatus.LAPSED):
        return Outcome(booking, replayed=True)
    if booking.status == BookingStatus.LAPSED:
        if booking.starts_at <= now:
            raise AssetUnavailable(_("This booking was not confirmed in time and has started."))
        try:
            with transaction.atomic():
                booking.held = True
                booking.save(update_fields=["held"])
        except IntegrityError as exc:
            if sql.is_guard_violation(exc):
                raise AssetUnavailable(
                    _("This booking was not confirmed in time, and the asset was booked since.")
                ) from exc
            raise
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.hold_until = None
    booking.save(update_fields=["status", "confirmed_at", "hold_until", "held"])
    _tell_confirmed(business, booking, token)
    return Outcome(booking)


def lapse_bookings(*, now=None) -> int:
    """The worker's sweep: unconfirmed bookings past their hold free their asset."""
    with scopes_disabled():
        return _lapse_bookings(now=now)


def _lapse_bookings(*, now=None) -> int:
    from peerarmy.tenancy.models import Business

    now = now or timezone.now()
    count = 0
    for business_id, booking_id in list(selectors.lapsing(now)):
        business = Business.objects.get(pk=business_id)
        with transaction.atomic():
            booking = selectors.get_booking(business, booking_id, for_update=True)
            if booking.status != BookingStatus.UNCONFIRMED:
                continue
            booking.status = BookingStatus.LAPSED
            booking.held = False
            booking.save(update_fields=["status", "held"])
            count += 1
    return count


def remind_bookings(*, now=None) -> int:
    """The worker's sweep: a reminder before each pick-up, once, the program's hours ahead."""
    with scopes_disabled():
        return _remind_bookings(now=now)


def _remind_bookings(*, now=None) -> int:
    from peerarmy.tenancy.models import Business

    now = now or timezone.now()
    count = 0
    for booking in selectors.to_remind(now):
        business = Business.objects.get(pk=booking.business_id)
        terms = selectors.sharing_settings(business, booking.program_id)
        if not terms.reminder_hours or booking.starts_at > now + timedelta(
            hours=terms.reminder_hours
        ):
            continue
        with transaction.atomic():
            fresh = selectors.get_booking(business, booking.pk, for_update=True)
            if fresh.reminded_at is not None or fresh.status != BookingStatus.CONFIRMED:
                continue
            fresh.reminded_at = now
            fresh.save(update_fields=["reminded_at"])
            enqueue_email(
                business=business,
                to=fresh.email,
                template="sharing/email/booking_reminder",
                context={"booking": fresh, "asset": fresh.asset, "station": fresh.asset.station},
                language=fresh.language,
                event="sharing.booking_reminder",
            )
            count += 1
    return count


# --- cancelling ------------------------------------------------------------------------------


def _give_back_everything(business, booking, *, actor_id, when):
    """A cancelled booking that was paid: all it holds is owed back to the payer."""
    if not booking.held_minor:
        return
    amount = booking.held_minor
    _give_back(business, booking, amount, actor_id=actor_id, when=when, part="cancelled")
    booking.held_minor = 0


def _give_back(business, booking, amount, *, actor_id, when, part, at_till=False):
    """Money held for the booking goes back: at the till when it was paid there, else owed
    back by transfer (a refund in the refunds payout run). `at_till`: owed back at the till
    later (a refund the staff give back there), when nobody is at the till now."""
    currency = booking.currency
    held = ledger.house(AccountKind.DEPOSITS, currency)
    if booking.paid_by_transfer or at_till:
        money_in.owe_refund(
            business,
            key=f"sharing:{booking.code}:{part}",
            source=held,
            amount_minor=amount,
            currency=currency,
            holder=booking.name,
            email=booking.email,
            language=booking.language,
            remittance=_("Booking %(code)s") % {"code": booking.code},
            actor_id=actor_id,
            when=when,
        )
    else:
        till = ledger.house(AccountKind.TILL, currency)
        refs = ledger.accounts(business.pk, [held, till])
        ledger.post(
            business.pk,
            key=f"sharing.given_back:{booking.pk}:{part}",
            kind=TransactionKind.DEPOSIT_BACK,
            legs=[Leg(refs[held], amount), Leg(refs[till], -amount)],
            reason="sharing.given_back",
            reason_args={"booking": booking.code},
            program_id=booking.program_id,
            actor_id=actor_id,
            occurred_at=when,
        )
    booking.taken_minor -= amount


@transaction.atomic
def cancel_by_rider(business, token, data: CancelInput, *, now=None) -> Outcome[Booking]:
    """The rider cancels from their booking's link: free until the program's hours before the
    start, refused after (the shop may still cancel it)."""
    now = now or timezone.now()
    booking = selectors.booking_by_token(business, token_hash(token), for_update=True)
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.LAPSED):
        return Outcome(booking, replayed=True)
    if booking.status not in (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED):
        raise InvalidTransition(_("This booking has already started."))
    if (
        booking.status == BookingStatus.CONFIRMED
        and booking.free_cancel_until
        and (now > booking.free_cancel_until)
    ):
        raise CancellationTooLate(
            _("Free cancellation ended on %(when)s: call the shop if you cannot come.")
            % {"when": _local_words(business, booking.free_cancel_until)}
        )
    return Outcome(_cancel(business, booking, data.reason, actor_id=None, now=now))


@transaction.atomic
def cancel_by_staff(business, actor, booking, data: CancelInput, *, now=None) -> Outcome[Booking]:
    """The shop cancels a booking before its pick-up; whatever was paid is given back."""
    check_can(actor, business, Capability.WORK)
    now = now or timezone.now()
    booking = selectors.get_booking(business, booking, for_update=True)
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.LAPSED):
        return Outcome(booking, replayed=True)
    if booking.status not in (BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED):
        raise InvalidTransition(_("The asset is already out: check it in instead."))
    if booking.held_minor:
        check_can(actor, business, Capability.REWARDS)  # what was paid goes back
    if not data.reason:
        _refuse("reason", _("Say why, for the person who booked."))
    booking = _cancel(business, booking, data.reason, actor_id=actor.pk, now=now)
    return Outcome(booking)


def _cancel(business, booking, reason, *, actor_id, now):
    _give_back_everything(business, booking, actor_id=actor_id, when=now)
    booking.status = BookingStatus.CANCELLED
    booking.held = False
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.save()
    enqueue_email(
        business=business,
        to=booking.email,
        template="sharing/email/booking_cancelled",
        context={"booking": booking, "asset": booking.asset, "by_shop": actor_id is not None},
        language=booking.language,
        event="sharing.booking_cancelled",
    )
    return booking


def _local_words(business, moment) -> str:
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment, business.tzinfo), "DATETIME_FORMAT")


# --- money in, pick-up, return ---------------------------------------------------------------


def _take_payment(business, booking, *, by_transfer, actor_id, when):
    """The rental and the deposit come in, and are held until the pick-up and the return."""
    amount = booking.price_minor + booking.deposit_minor
    booking.paid_at = when
    booking.paid_by_transfer = by_transfer
    if not amount:
        return
    currency = booking.currency
    source = ledger.house(AccountKind.BANK if by_transfer else AccountKind.TILL, currency)
    held = ledger.house(AccountKind.DEPOSITS, currency)
    refs = ledger.accounts(business.pk, [source, held])
    ledger.post(
        business.pk,
        key=f"sharing.paid:{booking.pk}",
        kind=TransactionKind.RENTAL,
        legs=[Leg(refs[source], amount), Leg(refs[held], -amount)],
        reason="sharing.paid",
        reason_args={"booking": booking.code},
        program_id=booking.program_id,
        actor_id=actor_id,
        occurred_at=when,
    )
    booking.taken_minor += amount
    booking.held_minor += amount


def payees_by_reference(business, references):
    """The bookings a bank statement's credits pay ahead, by their RF reference (chip-in's
    reconciliation asks): those still to pay, with what they are due and how to book it."""
    from functools import partial

    from peerarmy.chipin.reconcile import Payee

    found = {}
    references = list(references)
    for start in range(0, len(references), 500):
        rows = Booking.objects.filter(
            business=business,
            reference__in=references[start : start + 500],
            paid_at__isnull=True,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.UNCONFIRMED],
        ).select_related("asset")
        for booking in rows.order_by():
            found[booking.reference] = Payee(
                label=_("Booking %(code)s: %(asset)s")
                % {"code": booking.code, "asset": booking.asset.name},
                due_minor=booking.price_minor + booking.deposit_minor,
                take=partial(_transfer_arrived, business, booking.pk),
            )
    return found


def _transfer_arrived(business, booking_id, credit, now, actor_id) -> bool:
    """The bank statement shows the transfer for a booking: the rental and the deposit are
    held, as when staff record it. False when it was paid meanwhile, or is over."""
    booking = selectors.get_booking(business, booking_id, for_update=True)
    waiting = booking.status in (BookingStatus.CONFIRMED, BookingStatus.UNCONFIRMED)
    if booking.paid_at is not None or not waiting:
        return False
    _take_payment(business, booking, by_transfer=True, actor_id=actor_id, when=now)
    booking.save()
    return True


@transaction.atomic
def record_transfer(business, actor, booking, *, now=None) -> Outcome[Booking]:
    """Staff saw the transfer for a booking arrive: the rental and the deposit are held."""
    check_can(actor, business, Capability.REWARDS)
    now = now or timezone.now()
    booking = selectors.get_booking(business, booking, for_update=True)
    if booking.paid_at is not None:
        return Outcome(booking, replayed=True)
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.UNCONFIRMED):
        raise InvalidTransition(_("Only a booking not yet picked up can be paid ahead."))
    _take_payment(business, booking, by_transfer=True, actor_id=actor.pk, when=now)
    booking.save()
    return Outcome(booking)


def _earn(business, booking, *, actor_id, when):
    """The asset left: the rental is the business's (or, less the commission, its peer's)."""
    price = booking.price_minor
    if not price:
        return
    currency = booking.currency
    asset = booking.asset
    held = ledger.house(AccountKind.DEPOSITS, currency)
    legs_specs = []
    peer_id = asset.owner_peer_id
    if peer_id:
        commission, share = pricing.commission(price, booking.commission_percent)
        legs_specs.append((ledger.commissions_income(booking.program_id, currency), -commission))
        legs_specs.append((ledger.peer_payable(peer_id, currency), -share))
    else:
        legs_specs.append((ledger.rentals_income(booking.program_id, currency), -price))
    refs = ledger.accounts(business.pk, [held] + [spec for spec, _amount in legs_specs])
    legs = [Leg(refs[held], price)] + [
        Leg(refs[spec], amount) for spec, amount in legs_specs if amount
    ]
    ledger.post(
        business.pk,
        key=f"sharing.earned:{booking.pk}",
        kind=TransactionKind.RENTAL,
        legs=legs,
        reason="sharing.rental",
        reason_args={
            "booking": booking.code,
            "asset_it": asset.name_it,
            "asset_en": asset.name_en or asset.name_it,
        },
        peer_id=peer_id,
        program_id=booking.program_id,
        actor_id=actor_id,
        occurred_at=when,
    )
    booking.held_minor -= price


def _check_handler(business, actor, booking, *, money):
    """Staff, or the peer whose asset it is, hand assets over: (the booking locked, whether
    the owning peer is the one handing over). Staff need the work capability, and the money
    one (the till, refunds) when the step takes or gives back money, as at chip-in's till."""
    booking = selectors.get_booking(business, booking, for_update=True)
    owner = booking.asset.owner_peer
    if owner is not None and actor is not None and owner.user_id == actor.pk:
        return booking, True
    check_can(actor, business, Capability.WORK)
    if money(booking):
        check_can(actor, business, Capability.REWARDS)
    return booking, False


def _unpaid(booking) -> int:
    return 0 if booking.paid_at else booking.price_minor + booking.deposit_minor


@transaction.atomic
def check_out(business, actor, booking, data: CheckOutInput, *, now=None) -> Outcome[Booking]:
    """The rider picks the asset up: its condition is noted, the payment taken at the till
    when it was not paid ahead, and the rental earned."""
    now = now or timezone.now()
    booking, by_owner = _check_handler(business, actor, booking, money=_unpaid)
    if booking.status == BookingStatus.OUT:
        return Outcome(booking, replayed=True)
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidTransition(_("Only a confirmed booking can be picked up."))
    if by_owner and _unpaid(booking):
        raise InvalidTransition(
            _(
                "%(amount)s is still to pay: the rider pays the shop (at the till or by "
                "transfer) before you hand it over."
            )
            % {"amount": _money(_unpaid(booking), booking.currency)}
        )
    if booking.paid_at is None:
        if not data.take_payment:
            _refuse(
                "take_payment",
                _("Take the payment of %(amount)s before handing the asset over.")
                % {"amount": _money(booking.price_minor + booking.deposit_minor, booking.currency)},
            )
        _take_payment(business, booking, by_transfer=False, actor_id=actor.pk, when=now)
    _earn(business, booking, actor_id=actor.pk, when=now)
    booking.status = BookingStatus.OUT
    booking.checked_out_at = now
    booking.checked_out_by = actor
    booking.checkout_notes = data.notes
    booking.save()
    return Outcome(booking)


@dataclass(frozen=True)
class Settled:
    booking: Booking
    late_fee_minor: int
    damage_minor: int
    from_deposit_minor: int
    collect_minor: int  # to take at the till beyond the deposit
    given_back_minor: int


@transaction.atomic
def check_in(business, actor, booking, data: CheckInInput, *, now=None) -> Outcome[Settled]:
    """The asset is back: a late return costs the program's fee, damage what staff say; both
    come out of the deposit (what it does not cover is taken at the till), the rest of the
    deposit goes back. Damage opens a support ticket."""
    now = now or timezone.now()
    booking, by_owner = _check_handler(
        business, actor, booking, money=lambda b: b.held_minor or b.deposit_minor
    )
    if booking.status == BookingStatus.RETURNED:
        done = Settled(booking, booking.late_fee_minor, booking.damage_kept_minor, 0, 0, 0)
        return Outcome(done, replayed=True)
    if booking.status != BookingStatus.OUT:
        raise InvalidTransition(_("Only an asset that is out can be checked in."))
    returned_at = min(data.returned_at or now, now)
    # Times are typed to the minute: a return typed in the minute of the pick-up is at it.
    if returned_at < booking.checked_out_at.replace(second=0, microsecond=0):
        _refuse("returned_at", _("It came back after it was picked up."))
    returned_at = max(returned_at, booking.checked_out_at)
    asset = booking.asset
    tariff = pricing.Tariff(
        hour_minor=asset.hour_minor,
        day_minor=asset.day_minor,
        late_fee_percent=booking.late_fee_percent,
        late_grace_minutes=booking.late_grace_minutes,
    )
    late = pricing.late_fee(tariff, booking.ends_at, returned_at)
    damage = data.damage_minor
    fees = late + damage
    deposit_left = booking.held_minor
    from_deposit = min(fees, deposit_left)
    beyond = fees - from_deposit
    if fees:
        _post_fees(business, booking, late, damage, from_deposit, beyond, actor.pk, now)
    rest = deposit_left - from_deposit
    if rest:
        # The owning peer is not at the shop's till: money paid there is owed back there.
        later = by_owner and not booking.paid_by_transfer
        _give_back(
            business, booking, rest, actor_id=actor.pk, when=now, part="deposit", at_till=later
        )
    booking.held_minor = 0
    booking.late_fee_minor = late
    booking.damage_kept_minor = damage
    booking.collected_minor = beyond
    booking.taken_minor += beyond
    booking.status = BookingStatus.RETURNED
    booking.returned_at = returned_at
    booking.checked_in_by = actor
    booking.checkin_notes = data.notes
    booking.distance_km = data.distance_km
    if data.latitude is not None and asset.station_id is None:
        asset.latitude = stored_degrees(data.latitude)
        asset.longitude = stored_degrees(data.longitude)
        asset.save(update_fields=["latitude", "longitude", "updated_at"])
    if data.damage:
        booking.damage_ticket = _damage_ticket(business, actor, booking, data, now)
    booking.save()
    enqueue_email(
        business=business,
        to=booking.email,
        template="sharing/email/booking_returned",
        context={
            "booking": booking,
            "asset": asset,
            "late_fee": late,
            "damage": damage,
            "given_back": rest,
            "by_transfer": booking.paid_by_transfer,
        },
        language=booking.language,
        event="sharing.booking_returned",
    )
    events.publish(
        business,
        RENTAL_COMPLETED,
        key=f"{RENTAL_COMPLETED}:{booking.pk}",
        payload={
            "booking_id": booking.pk,
            "program_id": booking.program_id,
            "asset_id": asset.pk,
            "peer_id": booking.peer_id,
            "owner_peer_id": asset.owner_peer_id,
        },
    )
    return Outcome(Settled(booking, late, damage, from_deposit, beyond, rest))


def _post_fees(business, booking, late, damage, from_deposit, beyond, actor_id, when):
    """Late fee and damage: out of the deposit held, the rest at the till. A late fee on a
    peer's asset is split like its rental; damage to a peer's asset is all theirs."""
    currency = booking.currency
    asset = booking.asset
    held = ledger.house(AccountKind.DEPOSITS, currency)
    till = ledger.house(AccountKind.TILL, currency)
    credits = []
    peer_id = asset.owner_peer_id
    if peer_id:
        commission, share = pricing.commission(late, booking.commission_percent)
        credits.append((ledger.commissions_income(booking.program_id, currency), commission))
        credits.append((ledger.peer_payable(peer_id, currency), share + damage))
    else:
        credits.append((ledger.sharing_fees(booking.program_id, currency), late + damage))
    specs = [held, till] + [spec for spec, _amount in credits]
    refs = ledger.accounts(business.pk, specs)
    legs = []
    if from_deposit:
        legs.append(Leg(refs[held], from_deposit))
    if beyond:
        legs.append(Leg(refs[till], beyond))
    legs += [Leg(refs[spec], -amount) for spec, amount in credits if amount]
    ledger.post(
        business.pk,
        key=f"sharing.fees:{booking.pk}",
        kind=TransactionKind.SHARING_FEE,
        legs=legs,
        reason="sharing.fees",
        reason_args={
            "booking": booking.code,
            "late": late,
            "damage": damage,
            "asset_it": asset.name_it,
            "asset_en": asset.name_en or asset.name_it,
        },
        peer_id=peer_id,
        program_id=booking.program_id,
        actor_id=actor_id,
        occurred_at=when,
    )


def _damage_ticket(business, actor, booking, data: CheckInInput, now):
    """A support ticket about the damage, for the staff to follow (the rider is written to)."""
    from peerarmy.support.inputs import StaffTicketInput, TicketInput
    from peerarmy.support.services import open_peer_ticket, open_staff_ticket

    subject = _("Damage to %(asset)s (booking %(code)s)") % {
        "asset": booking.asset.name,
        "code": booking.code,
    }
    body = data.damage
    if data.damage_minor:
        body += "\n\n" + _("Kept from the deposit: %(amount)s") % {
            "amount": _money(data.damage_minor, booking.currency)
        }
    owner = booking.asset.owner_peer
    if owner is not None and owner.user_id == actor.pk:
        ticket_input = TicketInput(category="damage", subject=subject[:160], body=body)
        return open_peer_ticket(owner, ticket_input, now=now).value
    ticket_input = StaffTicketInput(
        category="damage",
        subject=subject[:160],
        body=body,
        name=booking.name[:80],
        email=booking.email,
    )
    return open_staff_ticket(business, actor, ticket_input, now=now).value


def _user_language(user, business):
    return (getattr(user, "language", "") or business.default_language)[:2]


def give_back_at_till(business, actor, booking) -> Outcome[Booking]:
    """Staff gave back at the till the deposit its owning peer checked in (the money was
    paid at the till, so it goes back there)."""
    booking = selectors.get_booking(business, booking)
    refund = selectors.till_refund(business, booking)
    if refund is None:
        raise InvalidTransition(_("Nothing of this booking is waiting to be given back."))
    money_in.refund_at_till(business, actor, refund)
    return Outcome(booking)


# --- sponsors --------------------------------------------------------------------------------


@transaction.atomic
def save_sponsor(business, actor, data: SponsorInput, *, sponsor=None) -> Outcome[Sponsor]:
    check_can(actor, business, Capability.SETUP)
    program = selectors.get_sharing_program(business, data.program_id)
    chosen = list(selectors.assets(business, program).filter(pk__in=data.asset_ids))
    if len(chosen) != len(set(data.asset_ids)):
        _refuse("asset_ids", _("Some of these assets are not of this program."))
    values = data.model_dump(exclude={"program_id", "asset_ids"})
    created = sponsor is None
    if created:
        sponsor = Sponsor.objects.create(business=business, program=program, **values)
    else:
        sponsor = selectors.get_sponsor(business, sponsor)
        for name, value in values.items():
            setattr(sponsor, name, value)
        sponsor.program = program
        sponsor.save()
    sponsor.assets.set(chosen)
    return Outcome(sponsor, created=created)


def set_sponsor_logo(business, actor, sponsor, data: bytes) -> Outcome[Sponsor]:
    check_can(actor, business, Capability.SETUP)
    sponsor = selectors.get_sponsor(business, sponsor)
    try:
        processed = photos.process(data, LOGO)
    except photos.PhotoError as exc:
        raise DomainError(str(exc), code="photo_rejected", field="logo", status=422) from exc
    old = sponsor.logo
    sponsor.logo = photos.store(f"sharing/{business.pk}/sponsors", processed)
    sponsor.save(update_fields=["logo"])
    if old:
        transaction.on_commit(lambda: photos.delete(old))
    return Outcome(sponsor)


@transaction.atomic
def record_sponsor_fee(business, actor, sponsor, *, now=None) -> Outcome[Sponsor]:
    """The sponsor's fee arrived at the bank: income of the program."""
    check_can(actor, business, Capability.REWARDS)
    now = now or timezone.now()
    sponsor = selectors.get_sponsor(business, sponsor)
    if sponsor.fee_received_at is not None:
        return Outcome(sponsor, replayed=True)
    if sponsor.amount_minor:
        bank = ledger.house(AccountKind.BANK, sponsor.currency)
        income = ledger.sponsorship_income(sponsor.program_id, sponsor.currency)
        refs = ledger.accounts(business.pk, [bank, income])
        ledger.post(
            business.pk,
            key=f"sharing.sponsor_fee:{sponsor.pk}",
            kind=TransactionKind.SPONSOR_FEE,
            legs=[Leg(refs[bank], sponsor.amount_minor), Leg(refs[income], -sponsor.amount_minor)],
            reason="sharing.sponsor_fee",
            reason_args={"sponsor": sponsor.name},
            program_id=sponsor.program_id,
            actor_id=actor.pk,
            occurred_at=now,
        )
    sponsor.fee_received_at = now
    sponsor.save(update_fields=["fee_received_at"])
    return Outcome(sponsor)


def count_page_view(asset, *, day=None) -> None:
    """One more view of an asset's public page today (for its sponsors' reports)."""
    from django.db.models import F

    from .models import PageViews

    day = day or timezone.localdate(timezone=asset.business.tzinfo)
    updated = PageViews.objects.filter(business_id=asset.business_id, asset=asset, day=day).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                PageViews.objects.create(
                    business_id=asset.business_id, asset=asset, day=day, count=1
                )
        except IntegrityError:
            PageViews.objects.filter(business_id=asset.business_id, asset=asset, day=day).update(
                count=F("count") + 1
            )


def purge_business(business_id) -> None:
    """Remove a business's sharing rows (the demo's reset), before the ledger's purge."""
    from .models import PageViews, SponsorReport

    for model in (SponsorReport, PageViews, Booking, AssetPhoto):
        model.objects.filter(business_id=business_id).delete()
    for sponsor in Sponsor.objects.filter(business_id=business_id):
        sponsor.assets.clear()
    Sponsor.objects.filter(business_id=business_id).delete()
    Asset.objects.filter(business_id=business_id).delete()
    Station.objects.filter(business_id=business_id).delete()
    SharingSettings.objects.filter(business_id=business_id).delete()


__all__ = [
    "AssetState",
    "AssetUnavailable",
    "BookingTooLong",
    "BookingTooShort",
    "CancellationTooLate",
    "OutsideOpeningHours",
]
