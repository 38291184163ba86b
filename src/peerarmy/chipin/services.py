"""Every change in chip-in: a program's terms, products, campaigns, pledges, payments (by bank
transfer through the statement, or at the till), and the close of a campaign, all or nothing.

The books (`rewards.ledger`):
- a payment received for a pledge: bank (or till) → the campaign's account;
- at success, the match: the program's match expense (charged to its monthly budget) → the
  campaign's account; then the whole account → a voucher for the beneficiary;
- at failure or cancellation, each pledge's money: the campaign's account → a refund owed to
  the payer (a refunds payout run sends it to the IBAN the statement showed), or → a gift
  voucher when the pledger chose that;
- money that arrives for nothing it can pay (twice, too much, too late): bank → a refund.

Each service runs in one transaction and writes its e-mails to the outbox in the reader's
language. What friends promise is guarded by the database: one conditional UPDATE adds a
pledge to the campaign's promised total, and a CHECK keeps it under the ceiling.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from pydantic import ValidationError as PydanticValidationError

from peerarmy import events, photos
from peerarmy.codes import random_code, token_hash, unique_reference
from peerarmy.errors import DomainError, InvalidTransition, PermissionDenied
from peerarmy.inputs import FieldErrors, InvalidInput, Outcome
from peerarmy.money import format_money
from peerarmy.notifications.services import enqueue_email
from peerarmy.programs.models import ProgramKind, ProgramStatus
from peerarmy.rewards import ledger, money_in
from peerarmy.rewards.ledger import Leg
from peerarmy.rewards.models import AccountKind, TransactionKind
from peerarmy.rewards.services import email_owners
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can, check_is_owner

from . import funding, references, selectors
from .inputs import (
    CampaignChange,
    CampaignInput,
    ChipInSettingsInput,
    CloseReasonInput,
    PledgeInput,
    ProductInput,
    StaffCampaignInput,
    TillPaymentInput,
)
from .models import (
    HOLDING,
    Campaign,
    CampaignStatus,
    ChipInSettings,
    Pledge,
    PledgeStatus,
    Product,
    RefundChoice,
    ShareLink,
    SharerKind,
)

PRODUCT_PHOTO = photos.Shape(width=1200, height=1200, min_side=200)
CAMPAIGN_PHOTO = photos.Shape(width=1600, height=1600, min_side=200)
# An unconfirmed pledge holds its place this long (or until the deadline); one address holds
# at most this many unconfirmed pledges of a campaign, so that nobody fills a campaign with
# pledges they never confirm.
CONFIRM_HOURS = 24
MAX_UNCONFIRMED = 3
PLEDGE_RECEIVED = "chipin.pledge_received"
CAMPAIGN_FUNDED = "campaign.funded"


class CampaignClosed(DomainError):
    code = "campaign_closed"
    status = 409
    default_message = gettext_lazy("This campaign is closed: it takes no more pledges.")


class PledgeBelowMinimum(DomainError):
    code = "pledge_below_minimum"
    status = 422


class GoalAlreadyReached(DomainError):
    code = "goal_already_reached"
    status = 409
    default_message = gettext_lazy(
        "Friends have already promised everything this campaign needs: thank you!"
    )


def _code(length=10) -> str:
    return random_code(length)


def _unit(business) -> str:
    return business.currency or "EUR"


def _money(amount, currency):
    return format_money(amount, currency)


# --- the program's terms ---------------------------------------------------------------------


def _chip_in_program(business, program_id, *, published=True):
    program = selectors.get_program(business, program_id)
    errors = FieldErrors()
    if program.kind != ProgramKind.CHIP_IN:
        errors.add("program_id", _("This program is not a chip-in program."))
    elif published and program.status != ProgramStatus.PUBLISHED:
        errors.add("program_id", _("This program is not open: publish it first."))
    errors.raise_if_any()
    return program


@transaction.atomic
def update_settings(business, actor, program, data: ChipInSettingsInput) -> Outcome:
    check_can(actor, business, Capability.SETUP)
    program = _chip_in_program(business, getattr(program, "pk", program), published=False)
    found, created = ChipInSettings.objects.update_or_create(
        business=business, program=program, defaults=data.model_dump()
    )
    return Outcome(found, created=created)


# --- products --------------------------------------------------------------------------------


def _check_handle(business, handle, product=None):
    taken = Product.objects.filter(business=business, handle=handle)
    if product is not None:
        taken = taken.exclude(pk=product.pk)
    if taken.exists():
        errors = FieldErrors()
        errors.add("handle", _("Another product already has this handle."))
        errors.raise_if_any()


@transaction.atomic
def create_product(business, actor, data: ProductInput) -> Outcome[Product]:
    check_can(actor, business, Capability.SHOP)
    values = data.model_dump()
    values["handle"] = values["handle"] or f"product-{_code(8)}"
    _check_handle(business, values["handle"])
    for field in ("description_it", "description_en"):
        values[field] = sanitise_html(values[field])
    product = Product.objects.create(business=business, currency=_unit(business), **values)
    return Outcome(product, created=True)


@transaction.atomic
def update_product(business, actor, product, data: ProductInput) -> Outcome[Product]:
    check_can(actor, business, Capability.SHOP)
    product = selectors.get_product(business, product, for_update=True)
    values = data.model_dump()
    values["handle"] = values["handle"] or product.handle
    _check_handle(business, values["handle"], product)
    for field in ("description_it", "description_en"):
        values[field] = sanitise_html(values[field])
    for field, value in values.items():
        setattr(product, field, value)
    product.save()
    return Outcome(product)


@transaction.atomic
def delete_product(business, actor, product) -> Outcome[None]:
    """Take a product out of the catalogue for good, when no campaign was ever for it."""
    check_can(actor, business, Capability.SHOP)
    product = selectors.get_product(business, product, for_update=True)
    if selectors.product_has_campaigns(product):
        raise InvalidTransition(
            _("Campaigns were made for this product: make it inactive instead of deleting it.")
        )
    photo = product.photo
    product.delete()
    if photo:
        transaction.on_commit(lambda: photos.delete(photo))
    return Outcome(None)


def set_product_photo(business, actor, product, data: bytes) -> Outcome[Product]:
    check_can(actor, business, Capability.SHOP)
    product = selectors.get_product(business, product)
    name = _store_photo(data, PRODUCT_PHOTO, "products")
    with transaction.atomic():
        old = product.photo
        product.photo = name
        product.save(update_fields=["photo", "updated_at"])
    if old and old != name:
        transaction.on_commit(lambda: photos.delete(old))
    return Outcome(product)


def _store_photo(data, shape, folder):
    try:
        return photos.store(folder, photos.process(data, shape))
    except photos.PhotoError as exc:
        errors = FieldErrors()
        errors.add("photo", str(exc))
        errors.raise_if_any()


ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4"}


def sanitise_html(html: str) -> str:
    """A product's description as Shopify writes it, with only harmless markup left: no
    scripts, styles, images, iframes or event handlers; links open safely."""
    import nh3

    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


# --- campaigns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A program's terms as a campaign copies them."""

    match_percent: int
    match_cap_minor: int
    min_pledge_minor: int
    max_days: int
    allow_overfunding: bool
    payment_days: int


def terms(business, program) -> Terms:
    found = selectors.chipin_settings(business, program)
    return Terms(
        found.match_percent,
        found.match_cap_minor,
        found.min_pledge_minor,
        found.max_days,
        found.allow_overfunding,
        found.payment_days,
    )


def _new_campaign(business, actor, data: CampaignInput, *, beneficiary, name, customer=None):
    errors = FieldErrors()
    program = _chip_in_program(business, data.program_id)
    found = terms(business, program)
    product = None
    if data.product_id is not None:
        product = selectors.find_product(business, data.product_id)
        if product is None or not product.active:
            errors.add("product_id", _("This product cannot be chipped in for."))
    now = timezone.now()
    if data.deadline <= now + timedelta(hours=1):
        errors.add("deadline", _("The deadline must be at least an hour from now."))
    elif data.deadline > now + timedelta(days=found.max_days):
        errors.add(
            "deadline",
            _("A campaign of this program runs %(days)s days at most.") % {"days": found.max_days},
        )
    errors.raise_if_any()
    goal = product.price_minor if product else data.goal_minor
    for _attempt in range(8):
        code = _code()
        if not Campaign.objects.filter(business=business, code=code).exists():
            break
    campaign = Campaign.objects.create(
        business=business,
        program=program,
        product=product,
        code=code,
        title=data.title,
        message=data.message,
        public=data.public,
        beneficiary=beneficiary,
        beneficiary_name=name,
        customer=customer,
        started_by=actor,
        language=(beneficiary.language or business.default_language)[:2],
        goal_minor=goal,
        currency=_unit(business),
        deadline=data.deadline,
        match_percent=found.match_percent,
        match_cap_minor=found.match_cap_minor,
        min_pledge_minor=found.min_pledge_minor,
        allow_overfunding=found.allow_overfunding,
        payment_days=found.payment_days,
        pledge_ceiling_minor=None
        if found.allow_overfunding
        else funding.pledge_ceiling(goal, found.match_percent, found.match_cap_minor),
        created_at=now,
    )
    share_link(business, campaign, kind=SharerKind.BENEFICIARY, user=beneficiary, name=name)
    return campaign


def _display_name(user) -> str:
    full = " ".join(p for p in (user.first_name, user.last_name) if p) if user else ""
    return full or (user.email.split("@")[0] if user else "")


@transaction.atomic
def start_campaign(business, actor, data: CampaignInput) -> Outcome[Campaign]:
    """A customer or peer, logged in, starts a campaign for themselves."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to start a campaign."))
    customer = selectors.customer_of(business, actor.email)
    campaign = _new_campaign(
        business, actor, data, beneficiary=actor, name=_display_name(actor), customer=customer
    )
    return Outcome(campaign, created=True)


@transaction.atomic
def start_campaign_for(business, actor, data: StaffCampaignInput) -> Outcome[Campaign]:
    """Staff start a campaign on a customer's behalf; the customer gets an account (if they
    have none) and an e-mail with the page to share."""
    check_can(actor, business, Capability.CUSTOMERS)
    user_model = get_user_model()
    beneficiary = user_model.objects.filter(email__iexact=data.beneficiary_email).first()
    if beneficiary is None:
        beneficiary = user_model.objects.create_user(
            data.beneficiary_email, language=business.default_language
        )
    customer = selectors.customer_of(business, data.beneficiary_email)
    fields = CampaignInput.model_fields
    campaign = _new_campaign(
        business,
        actor,
        CampaignInput(**{k: v for k, v in data.model_dump().items() if k in fields}),
        beneficiary=beneficiary,
        name=data.beneficiary_name,
        customer=customer,
    )
    link = selectors.beneficiary_link(campaign)
    enqueue_email(
        business=business,
        to=beneficiary.email,
        template="chipin/email/campaign_started",
        context={"campaign": campaign, "url": public_url(campaign, link)},
        language=campaign.language,
        event="chipin.campaign_started",
    )
    return Outcome(campaign, created=True)


def _check_beneficiary_or_staff(business, actor, campaign):
    if actor is not None and actor.is_authenticated and actor.pk == campaign.beneficiary_id:
        return
    check_can(actor, business, Capability.CUSTOMERS)


@transaction.atomic
def update_campaign(business, actor, campaign, data: CampaignChange) -> Outcome[Campaign]:
    campaign = selectors.get_campaign(business, campaign, for_update=True)
    _check_beneficiary_or_staff(business, actor, campaign)
    if campaign.is_closed:
        raise CampaignClosed(_("This campaign is closed: it can no longer be changed."))
    campaign.message, campaign.public = data.message, data.public
    campaign.save(update_fields=["message", "public"])
    return Outcome(campaign)


def set_campaign_photo(business, actor, campaign, data: bytes) -> Outcome[Campaign]:
    campaign = selectors.get_campaign(business, campaign)
    _check_beneficiary_or_staff(business, actor, campaign)
    name = _store_photo(data, CAMPAIGN_PHOTO, "campaigns")
    with transaction.atomic():
        old = campaign.photo
        campaign.photo = name
        campaign.save(update_fields=["photo"])
    if old and old != name:
        transaction.on_commit(lambda: photos.delete(old))
    return Outcome(campaign)


def share_link(
    business, campaign, *, kind, user=None, peer=None, pledge=None, name=None
) -> ShareLink:
    """The share link of one sharer of a campaign (made on first use): a peer, a person with
    an account, or a friend known by their pledge. `name` None: the peer's or the person's
    own; empty: nobody's (the pages say "a friend")."""
    if peer is not None:
        lookup = {"peer": peer}
    elif pledge is not None:
        lookup = {"pledge": pledge}
    else:
        lookup = {"user": user}
    found = ShareLink.objects.filter(business=business, campaign=campaign, **lookup).first()
    if found is not None:
        return found
    for _attempt in range(8):
        token = _code(8)
        if not ShareLink.objects.filter(business=business, token=token).exists():
            break
    return ShareLink.objects.create(
        business=business,
        campaign=campaign,
        token=token,
        kind=kind,
        name=(name if name is not None else (peer.display_name if peer else _display_name(user)))[
            :120
        ],
        user=user,
        peer=peer,
        pledge=pledge,
    )


def pledger_link(business, pledge) -> ShareLink:
    """The link a friend who gave shares on with: credited to them (or to "a friend", when
    they gave anonymously)."""
    # no name for an anonymous friend: the pages say "a friend" in the reader's language
    name = "" if pledge.anonymous else pledge.name
    return share_link(business, pledge.campaign, kind=SharerKind.PLEDGER, pledge=pledge, name=name)


def share_link_for(business, campaign, user) -> ShareLink:
    """The link a signed-in person shares: the beneficiary's, a peer's of this army, or a
    friend's who gave (any other signed-in person shares as a friend)."""
    if user.pk == campaign.beneficiary_id:
        return selectors.beneficiary_link(campaign)
    peer = selectors.peer_of(business, user)
    if peer is not None:
        return share_link(business, campaign, kind=SharerKind.PEER, peer=peer)
    return share_link(business, campaign, kind=SharerKind.PLEDGER, user=user)


def public_url(campaign, link: ShareLink | None = None) -> str:
    from django.conf import settings

    path = reverse(
        "web:chipin_campaign",
        kwargs={"business_slug": campaign.business.slug, "code": campaign.code},
    )
    query = f"?da={link.token}" if link else ""
    return f"{settings.SITE_URL}{path}{query}"


# --- pledges ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PledgeMade:
    pledge: Pledge
    token: str  # the secret of the link that confirms and shows the pledge


def hold(campaign_id, amount) -> bool:
    """Add `amount` to a running campaign's promised total, within its ceiling: one
    conditional UPDATE, so that concurrent pledges never pass it."""
    rows = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.RUNNING)
    ceiling = rows.filter(pledge_ceiling_minor__isnull=False).filter(
        pledged_minor__lte=F("pledge_ceiling_minor") - amount
    )
    open_ended = rows.filter(pledge_ceiling_minor__isnull=True)
    return bool(
        ceiling.update(pledged_minor=F("pledged_minor") + amount)
        or open_ended.update(pledged_minor=F("pledged_minor") + amount)
    )


def release(campaign_id, amount) -> None:
    Campaign.objects.filter(pk=campaign_id).update(pledged_minor=F("pledged_minor") - amount)


def _new_reference(business) -> str:
    return unique_reference(Pledge, business, references.rf_reference)


def make_pledge(
    business, campaign, data: PledgeInput, *, user=None, language="it", now=None
) -> Outcome[PledgeMade]:
    """A friend promises an amount; the e-mail they gave confirms it by a link. The amount is
    at least the program's smallest pledge (or exactly what is left, when less is left) and,
    unless the campaign takes over-funding, at most what is left."""
    now = now or timezone.now()
    campaign = selectors.get_campaign(business, campaign)
    if not campaign.is_open or campaign.deadline <= now:
        raise CampaignClosed()
    left = (
        None
        if campaign.pledge_ceiling_minor is None
        else funding.still_needed(campaign.pledged_minor, campaign.pledge_ceiling_minor)
    )
    if left == 0:
        raise GoalAlreadyReached(field="amount_minor")
    smallest = campaign.min_pledge_minor if left is None else min(campaign.min_pledge_minor, left)
    if data.amount_minor < smallest:
        raise PledgeBelowMinimum(
            _("The smallest pledge is %(amount)s.")
            % {"amount": _money(smallest, campaign.currency)},
            field="amount_minor",
        )
    if left is not None and data.amount_minor > left:
        errors = FieldErrors()
        errors.add(
            "amount_minor",
            _("Only %(left)s is still needed: give that, or less.")
            % {"left": _money(left, campaign.currency)},
        )
        errors.raise_if_any()
    if selectors.unconfirmed_count(campaign, data.email) >= MAX_UNCONFIRMED:
        errors = FieldErrors()
        errors.add(
            "email",
            _(
                "This address already has pledges waiting for their confirmation: open the "
                "link we e-mailed first."
            ),
        )
        errors.raise_if_any()
    link = selectors.share_link_by_token(business, campaign, data.via) if data.via else None
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        if not hold(campaign.pk, data.amount_minor):
            campaign.refresh_from_db()
            if not campaign.is_open:
                raise CampaignClosed()
            left = funding.still_needed(campaign.pledged_minor, campaign.pledge_ceiling_minor)
            if left == 0:
                raise GoalAlreadyReached(field="amount_minor")
            errors = FieldErrors()
            errors.add(
                "amount_minor",
                _("Only %(left)s is still needed: give that, or less.")
                % {"left": _money(left, campaign.currency)},
            )
            errors.raise_if_any()
        pledge = Pledge.objects.create(
            business=business,
            campaign=campaign,
            share_link=link,
            user=user if user is not None and user.is_authenticated else None,
            name=data.name,
            email=data.email.lower(),
            anonymous=data.anonymous,
            message=data.message,
            amount_minor=data.amount_minor,
            currency=campaign.currency,
            refund_choice=data.refund_choice,
            language=language[:2],
            reference=_new_reference(business),
            token_hash=token_hash(token),
            hold_until=min(now + timedelta(hours=CONFIRM_HOURS), campaign.deadline),
            new_customer=selectors.customer_of(business, data.email) is None,
            created_at=now,
        )
        enqueue_email(
            business=business,
            to=pledge.email,
            template="chipin/email/pledge_confirm",
            context={
                "pledge": pledge,
                "campaign": campaign,
                "url": pledge_url(campaign, token, confirm=True),
                "hours": CONFIRM_HOURS,
            },
            language=pledge.language,
            event="chipin.pledge_confirm",
            secret_keys=("url",),
        )
    return Outcome(PledgeMade(pledge, token), created=True)


def pledge_url(campaign, token, *, confirm=False) -> str:
    from django.conf import settings

    name = "web:chipin_pledge_confirm" if confirm else "web:chipin_pledge"
    path = reverse(name, kwargs={"business_slug": campaign.business.slug, "token": token})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def confirm_pledge(business, token, *, now=None) -> Outcome[Pledge]:
    """The pledger opened the link of the e-mail: the pledge waits for the payment, which it
    holds its place for `payment_days` (never past the deadline). Opening it again changes
    nothing. A lapsed pledge is taken again when there is still room."""
    now = now or timezone.now()
    pledge = selectors.pledge_by_token(business, token_hash(token), for_update=True)
    campaign = pledge.campaign
    if pledge.status != PledgeStatus.UNCONFIRMED and pledge.status != PledgeStatus.LAPSED:
        return Outcome(pledge, replayed=True)
    if pledge.status == PledgeStatus.LAPSED:
        if pledge.confirmed_at is not None or not hold(campaign.pk, pledge.amount_minor):
            raise CampaignClosed(
                _("This pledge lapsed and the campaign no longer needs it: thank you anyway.")
            )
    pledge.status = PledgeStatus.AWAITING
    pledge.confirmed_at = now
    pledge.hold_until = min(now + timedelta(days=campaign.payment_days), campaign.deadline)
    pledge.save(update_fields=["status", "confirmed_at", "hold_until"])
    enqueue_email(
        business=business,
        to=pledge.email,
        template="chipin/email/pledge_instructions",
        context={
            "pledge": pledge,
            "campaign": campaign,
            "bank": selectors.bank_details(business),
            "reference": references.format_rf(pledge.reference),
            "url": pledge_url(campaign, token),
        },
        language=pledge.language,
        event="chipin.pledge_instructions",
        secret_keys=("url",),
    )
    return Outcome(pledge)


# --- money in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payer:
    name: str = ""
    iban: str = ""
    bic: str = ""


def receive(business, pledge, amount, *, key, source_kind, payer: Payer, when, actor_id=None):
    """Money arrived for a pledge: what the pledge still lacks goes to the campaign, the rest
    is owed back to the payer. Returns (applied, returned). A campaign no longer collecting
    takes nothing: all of it is owed back."""
    campaign = Campaign.objects.select_for_update().get(business=business, pk=pledge.campaign_id)
    pledge = Pledge.objects.select_for_update().get(business=business, pk=pledge.pk)
    currency = campaign.currency
    applied = 0
    if campaign.is_open:
        if pledge.status == PledgeStatus.LAPSED and hold(campaign.pk, pledge.amount_minor):
            pledge.status = PledgeStatus.AWAITING
        if pledge.status in HOLDING:
            applied, _rest = funding.split_payment(amount, pledge.left_minor)
    returned = amount - applied
    source = ledger.house(source_kind, currency)
    if applied:
        target = ledger.campaign_account(campaign.pk, currency)
        refs = ledger.accounts(business.pk, [source, target])
        ledger.post(
            business.pk,
            key=key,
            kind=TransactionKind.PLEDGE,
            legs=[Leg(refs[source], applied), Leg(refs[target], -applied)],
            reason="chipin.pledge_received",
            reason_args={"campaign": campaign.pk, "pledge": pledge.reference},
            program_id=campaign.program_id,
            actor_id=actor_id,
            occurred_at=when,
        )
        first = pledge.received_minor == 0
        pledge.received_minor += applied
        pledge.received_at = when
        pledge.status = (
            PledgeStatus.RECEIVED if pledge.left_minor == 0 else PledgeStatus.PARTLY_PAID
        )
        if payer.iban:
            pledge.payer_name, pledge.payer_iban, pledge.payer_bic = (
                payer.name[:140],
                payer.iban,
                payer.bic,
            )
        pledge.paid_at_till = pledge.paid_at_till or source_kind == AccountKind.TILL
        pledge.save()
        Campaign.objects.filter(pk=campaign.pk).update(
            received_minor=F("received_minor") + applied,
            pledge_count=F("pledge_count") + (1 if first else 0),
        )
        if pledge.status == PledgeStatus.RECEIVED:
            _thank(business, campaign, pledge)
            link = pledge.share_link
            events.publish(
                business,
                PLEDGE_RECEIVED,
                key=f"chipin.pledge_received:{pledge.pk}",
                payload={
                    "campaign_id": campaign.pk,
                    "program_id": campaign.program_id,
                    "pledge_id": pledge.pk,
                    "amount_minor": pledge.amount_minor,
                    "sharer": link.token if link else "",
                    "peer_id": link.peer_id if link else None,
                    "received_at": when.isoformat(),
                },
            )
    if returned:
        _owe_pledger(
            business,
            pledge,
            key=f"chipin-{key.replace(':', '-')}",
            source=source,
            amount=returned,
            payer=payer,
            when=when,
            actor_id=actor_id,
        )
    return applied, returned


def _owe_pledger(business, pledge, *, key, source, amount, payer, when, actor_id=None):
    """Money of a pledge owed back to whoever paid it (to the account it came from)."""
    money_in.owe_refund(
        business,
        key=key,
        source=source,
        amount_minor=amount,
        currency=pledge.currency,
        holder=payer.name or pledge.name,
        iban=payer.iban,
        bic=payer.bic,
        email=pledge.email,
        language=pledge.language,
        remittance=_("Refund: chip-in %(ref)s") % {"ref": pledge.reference},
        actor_id=actor_id,
        when=when,
    )


def _thank(business, campaign, pledge):
    enqueue_email(
        business=business,
        to=pledge.email,
        template="chipin/email/pledge_received",
        context={"pledge": pledge, "campaign": campaign, "url": public_url(campaign)},
        language=pledge.language,
        event="chipin.pledge_received",
    )


@transaction.atomic
def record_till_payment(business, actor, pledge, data: TillPaymentInput) -> Outcome[Pledge]:
    """A pledger paid at the shop's till (cash or card)."""
    check_can(actor, business, Capability.REWARDS)
    pledge = selectors.get_pledge(business, pledge, for_update=True)
    campaign = pledge.campaign
    errors = FieldErrors()
    if not campaign.is_open:
        raise CampaignClosed(_("This campaign is closed: it takes no more payments."))
    if pledge.status not in HOLDING and pledge.status != PledgeStatus.LAPSED:
        errors.add("amount_minor", _("This pledge takes no more payments."))
    elif data.amount_minor > pledge.left_minor:
        errors.add(
            "amount_minor",
            _("Only %(left)s is left to pay on this pledge.")
            % {"left": _money(pledge.left_minor, pledge.currency)},
        )
    errors.raise_if_any()
    now = timezone.now()
    receive(
        business,
        pledge,
        data.amount_minor,
        key=f"chipin.till:{pledge.pk}:{pledge.received_minor}",
        source_kind=AccountKind.TILL,
        payer=Payer(name=pledge.name),
        when=now,
        actor_id=actor.pk,
    )
    pledge.refresh_from_db()
    return Outcome(pledge)


# --- closing ---------------------------------------------------------------------------------


def _peer_ids_to_credit(business, campaign) -> list[int]:
    ids = set(selectors.sharing_peers_with_received(campaign))
    beneficiary_peer = selectors.peer_of(business, campaign.beneficiary)
    if beneficiary_peer is not None:
        ids.add(beneficiary_peer.pk)
    return sorted(ids)


def _succeed(business, campaign, now, *, over_budget_ok=False, with_match=True, actor=None):
    """Add the match (charged to the program's budget: over it, the campaign waits for the
    owner) and turn everything into the beneficiary's voucher."""
    currency = campaign.currency
    account = ledger.campaign_account(campaign.pk, currency)
    given = campaign.received_minor
    share = (
        funding.match(given, campaign.match_percent, campaign.match_cap_minor) if with_match else 0
    )
    if share:
        expense = ledger.match_expense(campaign.program_id, currency)
        refs = ledger.accounts(business.pk, [expense, account])
        charged = money_in.charge_budget_and_post(
            business,
            key=f"chipin.match:{campaign.pk}",
            kind=TransactionKind.CAMPAIGN_FUNDED,
            legs=[Leg(refs[expense], share), Leg(refs[account], -share)],
            program_id=campaign.program_id,
            amount_minor=share,
            reason="chipin.match",
            reason_args={"campaign": campaign.pk},
            over_budget_ok=over_budget_ok,
            actor_id=getattr(actor, "pk", None),
            when=now,
        )
        if charged.over_budget:
            campaign.status = CampaignStatus.WAITING
            campaign.save(update_fields=["status"])
            email_owners(
                business,
                template="chipin/email/match_over_budget",
                context={"campaign": campaign, "match": share},
                event="chipin.match_over_budget",
            )
            return campaign
    voucher = money_in.issue_voucher(
        business,
        key=f"chipin.funded:{campaign.pk}",
        legs_from=[(account, given + share)],
        currency=currency,
        reason="chipin.funded",
        reason_args={"campaign": campaign.pk},
        user_id=campaign.beneficiary_id,
        peer_id=getattr(selectors.peer_of(business, campaign.beneficiary), "pk", None),
        when=now,
    )
    campaign.status = CampaignStatus.SUCCEEDED
    campaign.match_minor = share
    campaign.voucher = voucher
    campaign.closed_at = now
    campaign.save(update_fields=["status", "match_minor", "voucher", "closed_at"])
    _lapse_unpaid(campaign, now)
    enqueue_email(
        business=business,
        to=campaign.beneficiary.email,
        template="chipin/email/funded_beneficiary",
        context={"campaign": campaign, "voucher": voucher},
        language=campaign.language,
        event="chipin.funded",
    )
    for pledge in selectors.paid_pledges(campaign):
        enqueue_email(
            business=business,
            to=pledge.email,
            template="chipin/email/funded_pledger",
            context={"campaign": campaign, "pledge": pledge},
            language=pledge.language,
            event="chipin.funded",
        )
    events.publish(
        business,
        CAMPAIGN_FUNDED,
        key=f"campaign.funded:{campaign.pk}",
        payload={
            "campaign_id": campaign.pk,
            "program_id": campaign.program_id,
            "goal_minor": campaign.goal_minor,
            "peer_ids": _peer_ids_to_credit(business, campaign),
            "funded_at": now.isoformat(),
        },
    )
    return campaign


def _lapse_unpaid(campaign, now):
    Pledge.objects.filter(
        business=campaign.business,
        campaign=campaign,
        status__in=(PledgeStatus.UNCONFIRMED, PledgeStatus.AWAITING),
    ).update(status=PledgeStatus.LAPSED, closed_at=now)


def _give_back(business, campaign, now, *, status, reason=""):
    """Not funded (or cancelled): every pledge's money goes back, as the pledger chose."""
    currency = campaign.currency
    account = ledger.campaign_account(campaign.pk, currency)
    campaign.status = status  # before the e-mails: they say "cancelled" or "not funded"
    for pledge in selectors.pledges_with_money(campaign):
        if pledge.refund_choice == RefundChoice.VOUCHER:
            voucher = money_in.issue_voucher(
                business,
                key=f"chipin.gift:{pledge.pk}",
                legs_from=[(account, pledge.received_minor)],
                currency=currency,
                kind=TransactionKind.REFUND,
                reason="chipin.gift",
                reason_args={"campaign": campaign.pk, "pledge": pledge.reference},
                user_id=pledge.user_id,
                when=now,
            )
            pledge.status = PledgeStatus.CONVERTED
            context = {"voucher": voucher}
        else:
            _owe_pledger(
                business,
                pledge,
                key=f"chipin-pledge-{pledge.pk}",
                source=account,
                amount=pledge.received_minor,
                payer=Payer(pledge.payer_name, pledge.payer_iban, pledge.payer_bic),
                when=now,
            )
            pledge.status = PledgeStatus.REFUNDED
            context = {"at_till": not pledge.payer_iban}
        pledge.closed_at = now
        pledge.save(update_fields=["status", "closed_at"])
        enqueue_email(
            business=business,
            to=pledge.email,
            template="chipin/email/not_funded_pledger",
            context={"campaign": campaign, "pledge": pledge, "reason": reason, **context},
            language=pledge.language,
            event="chipin.not_funded",
        )
    _lapse_unpaid(campaign, now)
    campaign.status = status
    campaign.closed_at = now
    campaign.close_reason = reason
    campaign.save(update_fields=["status", "closed_at", "close_reason"])
    enqueue_email(
        business=business,
        to=campaign.beneficiary.email,
        template="chipin/email/not_funded_beneficiary",
        context={"campaign": campaign, "reason": reason},
        language=campaign.language,
        event="chipin.not_funded",
    )
    return campaign


def _decide(business, campaign, now):
    progress = selectors.progress(campaign)
    if progress.reached:
        return _succeed(business, campaign, now)
    return _give_back(business, campaign, now, status=CampaignStatus.FAILED)


@transaction.atomic
def close_early(business, actor, campaign) -> Outcome[Campaign]:
    """The beneficiary (or staff) closes a campaign whose goal is reached, before the
    deadline."""
    campaign = selectors.get_campaign(business, campaign, for_update=True)
    _check_beneficiary_or_staff(business, actor, campaign)
    if not campaign.is_open:
        raise CampaignClosed()
    if not selectors.progress(campaign).reached:
        raise InvalidTransition(
            _("The goal is not reached yet: the campaign can close early only once it is.")
        )
    return Outcome(_succeed(business, campaign, timezone.now(), actor=actor))


@transaction.atomic
def cancel_campaign(business, actor, campaign, data: CloseReasonInput) -> Outcome[Campaign]:
    """Staff cancel a campaign, saying why: every pledge's money goes back."""
    check_can(actor, business, Capability.CUSTOMERS)
    try:
        data.require()
    except PydanticValidationError as exc:  # the input's rule, raised as pydantic's error
        raise InvalidInput.from_pydantic(exc) from None
    campaign = selectors.get_campaign(business, campaign, for_update=True)
    if campaign.is_closed:
        raise CampaignClosed(_("This campaign is already closed."))
    return Outcome(
        _give_back(
            business, campaign, timezone.now(), status=CampaignStatus.CANCELLED, reason=data.reason
        )
    )


@transaction.atomic
def approve_match(business, actor, campaign) -> Outcome[Campaign]:
    """The owner lets a campaign's match go over the program's budget."""
    check_is_owner(actor, business)
    campaign = selectors.get_campaign(business, campaign, for_update=True)
    if campaign.status != CampaignStatus.WAITING:
        raise InvalidTransition(_("This campaign is not waiting for a decision."))
    return Outcome(_succeed(business, campaign, timezone.now(), over_budget_ok=True, actor=actor))


@transaction.atomic
def decline_match(business, actor, campaign) -> Outcome[Campaign]:
    """The owner keeps to the budget: the campaign closes without the match, funded if the
    friends' money alone reaches the goal, otherwise not funded."""
    check_is_owner(actor, business)
    campaign = selectors.get_campaign(business, campaign, for_update=True)
    if campaign.status != CampaignStatus.WAITING:
        raise InvalidTransition(_("This campaign is not waiting for a decision."))
    now = timezone.now()
    if campaign.received_minor >= campaign.goal_minor:
        return Outcome(_succeed(business, campaign, now, with_match=False, actor=actor))
    return Outcome(_give_back(business, campaign, now, status=CampaignStatus.FAILED))


# --- the worker's sweeps ---------------------------------------------------------------------


def lapse_pledges(now=None) -> int:
    """Pledges never confirmed, or never paid, in their time give back their place."""
    from django_scopes import scopes_disabled

    now = now or timezone.now()
    count = 0
    with scopes_disabled():
        for pledge in selectors.pledges_to_lapse(now):
            with transaction.atomic():
                changed = Pledge.objects.filter(
                    pk=pledge.pk,
                    status__in=(PledgeStatus.UNCONFIRMED, PledgeStatus.AWAITING),
                    received_minor=0,
                    hold_until__lte=now,
                ).update(status=PledgeStatus.LAPSED)
                if changed:
                    release(pledge.campaign_id, pledge.amount_minor)
                    count += 1
    return count


def close_due_campaigns(now=None) -> int:
    """All or nothing at the deadline: funded campaigns succeed, the others give back."""
    from django_scopes import scope, scopes_disabled

    now = now or timezone.now()
    count = 0
    with scopes_disabled():
        due = list(selectors.due_campaigns(now))
    for campaign in due:
        with scope(business=campaign.business_id), transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if campaign.status != CampaignStatus.RUNNING:
                continue
            with override(campaign.language):
                _decide(campaign.business, campaign, now)
            count += 1
    return count


def purge_business(business_id) -> None:
    """Delete a business's chip-in (campaigns, pledges, statements, products), when the
    business itself is deleted: before the ledger's own purge, since campaigns point at
    their vouchers."""
    from .models import BankCredit, StatementUpload

    with transaction.atomic():
        for model in (BankCredit, StatementUpload, Pledge, ShareLink, Campaign, Product):
            model.objects.filter(business_id=business_id)._raw_delete(model.objects.db)
        ChipInSettings.objects.filter(business_id=business_id).delete()
