"""Every change to a peer: applying, editing the profile, approving, rejecting, and how new
work reaches them (their notification settings and the browsers they enabled web push on)."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy import events
from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.inputs import FieldErrors, Outcome, stored_degrees
from peerarmy.notifications.inputs import PushSubscriptionInput
from peerarmy.notifications.services import (
    enqueue_email,
    enqueue_sms,
    subscribe_push,
    unsubscribe_push,
)
from peerarmy.tenancy.selectors import members_of
from peerarmy.tenancy.services import check_can_manage

from . import geocoding, selectors, timing
from .errors import AppealAlreadyMade, TooManyCodes, WrongCode
from .inputs import (
    MAX_SHOWCASE_LINKS,
    AppealDecisionInput,
    AppealInput,
    ClearReviewInput,
    IdentityCheckInput,
    LiftInput,
    NotificationSettingsInput,
    PeerProfileInput,
    PhoneCodeInput,
    PhoneNumberInput,
    RejectInput,
    ReviewSettingsInput,
    SuspendInput,
)
from .models import (
    NotificationSettings,
    OfferedWork,
    OfferStatus,
    Peer,
    PeerLanguage,
    PeerReview,
    PeerStatus,
    PhoneCode,
    ReviewSettings,
    ReviewStatus,
    ReviewStep,
    ReviewStepKind,
    ReviewTrigger,
    Verification,
    VerificationKind,
)

__all__ = [
    "MAX_SHOWCASE_LINKS",  # read by the web forms' links widget
    "appeal_suspension",
    "apply_as_peer",
    "approve_peer",
    "clear_review",
    "confirm_phone",
    "record_identity_check",
    "send_phone_code",
    "decide_appeal",
    "lift_suspension",
    "open_review",
    "suspend_peer",
    "update_review_settings",
    "disable_push",
    "enable_push",
    "reject_peer",
    "update_notification_settings",
    "update_profile",
]


def _skills(business, data: PeerProfileInput):
    """The business's skills the profile names; every unknown one reported at once."""
    errors = FieldErrors()
    found = selectors.skills_by_slug(business, data.skills)
    unknown = sorted(set(data.skills) - set(found))
    if unknown:
        errors.add("skills", _("Unknown skill: %(skills)s.") % {"skills": ", ".join(unknown)})
    errors.raise_if_any()
    return [found[slug] for slug in data.skills]


def _save_profile(peer, data: PeerProfileInput, skills):
    for field in ("display_name", "bio", "home_address", "travel_radius_km", "showcase_links"):
        setattr(peer, field, getattr(data, field))
    peer.latitude = stored_degrees(data.latitude)
    peer.longitude = stored_degrees(data.longitude)
    peer.located_at = ""
    if data.latitude is None and data.home_address:
        # Only an address: placed at the centre of the town or postcode it names (matching
        # and the claimable list need a position); the peer sees where, and can correct it.
        place = geocoding.locate(data.home_address)
        if place is not None:
            peer.latitude = stored_degrees(place.latitude)
            peer.longitude = stored_degrees(place.longitude)
            peer.located_at = place.label[:120]
    peer.save()
    peer.skills.set(skills)
    levels = data.levels
    PeerLanguage.objects.filter(business=peer.business, peer=peer).exclude(
        language__in=levels.keys()
    ).delete()
    for code, level in levels.items():
        PeerLanguage.objects.update_or_create(
            business=peer.business, peer=peer, language=code, defaults={"level": level}
        )
    # The peer as saved: a prefetch made before the change would show the old skills and
    # languages to whoever shows the result.
    cache = getattr(peer, "_prefetched_objects_cache", {})
    cache.pop("skills", None)
    cache.pop("languages", None)
    prefetch_related_objects([peer], "skills", "languages")
    return peer


@transaction.atomic
def apply_as_peer(
    *, business, user, data: PeerProfileInput, language=None, customer=None
) -> Outcome[Peer]:
    """A signed-up person applies to join the business's army; staff are told.

    `language` (it, en) becomes the account's language for e-mails. `customer` links the
    peer to that customer record (an accepted invitation); without it the customer with the
    account's e-mail address, if any, is linked."""
    if selectors.has_applied(business, user):
        raise InvalidTransition(_("You have already applied to this army."), code="already_applied")
    if customer is not None and customer.business_id != business.pk:
        raise ValidationFailed(_("This customer belongs to another business."), field="customer")
    skills = _skills(business, data)
    if language:
        user.language = language
        user.save(update_fields=["language"])
    from peerarmy.customers.models import Customer

    peer = Peer(business=business, user=user, status=PeerStatus.APPLICANT)
    peer.customer = (
        customer or Customer.objects.filter(business=business, email__iexact=user.email).first()
    )
    _save_profile(peer, data, skills)
    for membership in members_of(business):
        enqueue_email(
            business=business,
            to=membership.user.email,
            language=membership.user.language,
            template="peers/email/application_received",
            event="peer.applied",
            context={"peer": peer, "member": membership.user},
        )
    return Outcome(peer, created=True)


@transaction.atomic
def update_profile(*, business, actor, peer, data: PeerProfileInput) -> Outcome[Peer]:
    """A peer (or applicant) changes their own profile."""
    if peer.business_id != business.pk or peer.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the peer can change their own profile."))
    skills = _skills(business, data)
    return Outcome(_save_profile(peer, data, skills))


# Why a peer who is no longer an applicant cannot be decided on, one sentence per status.
NOT_AN_APPLICANT = {
    PeerStatus.ACTIVE: gettext_lazy(
        "This peer is already in the army; only applicants can be decided on."
    ),
    PeerStatus.REJECTED: gettext_lazy(
        "This application was already rejected; only applicants can be decided on."
    ),
    PeerStatus.SUSPENDED: gettext_lazy(
        "This peer is suspended; only applicants can be decided on."
    ),
}


def _decide(business, peer, actor, status, reason=""):
    """The applicant decided on: the locked row, with its account, skills and languages
    (what the console and the API show of it)."""
    locked = selectors.get_peer(business, peer.pk, for_update=True)
    if locked.status != PeerStatus.APPLICANT:
        raise InvalidTransition(str(NOT_AN_APPLICANT[PeerStatus(locked.status)]))
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.rejection_reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    return locked


@transaction.atomic
def approve_peer(*, business, actor, peer) -> Outcome[Peer]:
    """An applicant joins the army; they are told by e-mail."""
    check_can_manage(actor, business)
    peer = _decide(business, peer, actor, PeerStatus.ACTIVE)
    enqueue_email(
        business=business,
        to=peer.user.email,
        language=peer.user.language,
        template="peers/email/approved",
        event="peer.approved",
        context={"peer": peer},
    )
    return Outcome(peer)


@transaction.atomic
def reject_peer(*, business, actor, peer, data: RejectInput) -> Outcome[Peer]:
    """An application is turned down; the applicant reads the reason in the e-mail."""
    check_can_manage(actor, business)
    peer = _decide(business, peer, actor, PeerStatus.REJECTED, data.reason)
    enqueue_email(
        business=business,
        to=peer.user.email,
        language=peer.user.language,
        template="peers/email/rejected",
        event="peer.rejected",
        context={"peer": peer},
    )
    return Outcome(peer)


# --- how new work reaches the peer -------------------------------------------------------------


def _check_own(business, actor, peer):
    # Staff read a peer's profile, but how a person is woken at night is theirs alone.
    if peer.business_id != business.pk or peer.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the peer can change how new work reaches them."))


def timing_of(found: NotificationSettings) -> timing.Timing:
    """The pure core's view of a settings row."""
    return timing.Timing(
        mode=timing.Mode(found.new_work),
        quiet_start=found.quiet_start,
        quiet_end=found.quiet_end,
        digest_hour=found.digest_hour,
    )


@transaction.atomic
def update_notification_settings(
    *, business, actor, peer, data: NotificationSettingsInput
) -> Outcome[NotificationSettings]:
    """The peer chooses how new work reaches them. Work already found and not yet sent
    follows the new choice: sent when it now falls due, or never, if they turned it off."""
    _check_own(business, actor, peer)
    found, created = NotificationSettings.objects.select_for_update().get_or_create(
        business=business, peer=peer
    )
    found.new_work = data.new_work
    found.by_email = data.email
    found.by_push = data.push
    found.quiet_start = data.quiet_start
    found.quiet_end = data.quiet_end
    found.digest_hour = data.digest_hour
    found.save()
    _retime_pending(business, peer, timing_of(found))
    return Outcome(found, created=created)


def _retime_pending(business, peer, how: timing.Timing):
    pending = OfferedWork.objects.filter(
        business=business, peer=peer, status=OfferStatus.PENDING
    ).select_for_update()
    for offer in pending:
        due = timing.due_at(offer.found_at, how, business.tzinfo)
        if due is None:
            offer.status = OfferStatus.DROPPED
        else:
            offer.due_at = due
        offer.save(update_fields=["status", "due_at"])


def enable_push(*, business, actor, peer, data: PushSubscriptionInput):
    """The peer lets this browser show their new-work messages."""
    _check_own(business, actor, peer)
    return subscribe_push(business, selectors.push_owner(peer), data)


def disable_push(*, business, actor, peer, endpoint: str | None = None) -> Outcome[int]:
    """The peer stops web push on the browser with `endpoint`, or on all of theirs; the value
    is how many browsers were forgotten."""
    _check_own(business, actor, peer)
    return Outcome(unsubscribe_push(business, selectors.push_owner(peer), endpoint))


# --- reviews, suspensions and appeals ------------------------------------------------------------
#
# A case (`PeerReview`) opens for review by the worker (reliability under a program's
# threshold, too many no-shows) or when staff suspend directly; staff with the trust
# capability clear it or suspend with a reason; the peer may appeal once; a member other than
# the one who suspended decides the appeal; a suspension is lifted with a reason. Every step
# is a `ReviewStep`. A suspension is published as `peer.suspended`, in the same transaction:
# scheduling releases the peer's future claims and promotes each block's waitlist (this app
# sits below scheduling and does not import it).


def _peer_language(peer):
    return peer.user.language or peer.business.default_language


def _tell_peer(business, peer, review, template, event, **extra):
    enqueue_email(
        business=business,
        to=peer.user.email,
        language=_peer_language(peer),
        template=f"peers/email/{template}",
        event=event,
        context={"peer": peer, "review": review, **extra},
    )


def _tell_members(business, review, template, event, *, but=None):
    """E-mail the members who handle reviews (the trust capability), but `but`."""
    from peerarmy.tenancy.roles import Capability

    for membership in members_of(business):
        if not membership.can(Capability.TRUST) or membership.user_id == getattr(but, "pk", None):
            continue
        enqueue_email(
            business=business,
            to=membership.user.email,
            language=membership.user.language or business.default_language,
            template=f"peers/email/{template}",
            event=event,
            context={"peer": review.peer, "review": review, "member": membership.user},
        )


def _step(review, kind, *, actor=None, text="", now, decided_alone=False):
    return ReviewStep.objects.create(
        business_id=review.business_id,
        review=review,
        kind=kind,
        actor=actor,
        text=text,
        decided_alone=decided_alone,
        created_at=now,
    )


def _check_trust(actor, business):
    from peerarmy.tenancy.roles import Capability
    from peerarmy.tenancy.services import check_can

    return check_can(actor, business, Capability.TRUST)


@transaction.atomic
def open_review(business, peer, *, triggers: list[dict], now=None) -> Outcome[PeerReview]:
    """Put an active peer under review for `triggers` (facts from `review_rules`); members
    who handle reviews are told. A peer with a case already open keeps it (`replayed`), so
    the worker's sweep and the no-show hook may both ask, any number of times."""
    now = now or timezone.now()
    locked = selectors.get_peer(business, peer.pk, for_update=True)
    found = selectors.open_case(business, locked)
    if found is not None:
        return Outcome(found, replayed=True)
    if locked.status != PeerStatus.ACTIVE:
        raise InvalidTransition(_("Only an active peer can be put under review."))
    review = PeerReview.objects.create(
        business=business, peer=locked, triggers=list(triggers), opened_at=now
    )
    _step(review, ReviewStepKind.OPENED, now=now)
    _tell_members(business, review, "review_opened", "peer.review_opened")
    return Outcome(review, created=True)


def _open_case_for_update(business, peer):
    # Lock order: the peer's row, then the case's (as `open_review` and `suspend_peer`).
    locked = selectors.get_peer(business, peer.pk, for_update=True)
    review = selectors.open_case(business, locked, for_update=True)
    if review is None:
        raise InvalidTransition(_("This peer has no open review or suspension."))
    review.peer = locked
    return review


@transaction.atomic
def clear_review(business, actor, peer, data: ClearReviewInput, *, now=None) -> Outcome[PeerReview]:
    """Staff end a review without a suspension; the reason is in the peer's trail."""
    _check_trust(actor, business)
    now = now or timezone.now()
    review = _open_case_for_update(business, peer)
    if review.status != ReviewStatus.OPEN:
        raise InvalidTransition(_("The peer is suspended: lift the suspension instead."))
    review.status = ReviewStatus.CLEARED
    review.closed_at = now
    review.reliability_at_close = review.peer.reliability
    review.save(update_fields=["status", "closed_at", "reliability_at_close"])
    _step(review, ReviewStepKind.CLEARED, actor=actor, text=data.reason, now=now)
    return Outcome(review)


@transaction.atomic
def suspend_peer(business, actor, peer, data: SuspendInput, *, now=None) -> Outcome[PeerReview]:
    """Staff suspend an active peer with a reason (their open review, or a case opened now).
    The peer is told by e-mail in their language; their future claims are released and the
    waitlists promoted (scheduling, on `peer.suspended`); they cannot claim or be matched
    until the suspension is lifted."""
    _check_trust(actor, business)
    now = now or timezone.now()
    locked = selectors.get_peer(business, peer.pk, for_update=True)
    review = selectors.open_case(business, locked, for_update=True)
    if locked.status != PeerStatus.ACTIVE or (
        review is not None and review.status == ReviewStatus.SUSPENDED
    ):
        raise InvalidTransition(_("Only an active peer can be suspended."))
    if review is None:
        review = PeerReview.objects.create(
            business=business,
            peer=locked,
            triggers=[{"kind": ReviewTrigger.STAFF.value}],
            opened_at=now,
        )
    review.status = ReviewStatus.SUSPENDED
    review.suspended_at = now
    review.suspended_by = actor
    review.save(update_fields=["status", "suspended_at", "suspended_by"])
    locked.status = PeerStatus.SUSPENDED
    locked.save(update_fields=["status"])
    review.peer = locked
    _step(review, ReviewStepKind.SUSPENDED, actor=actor, text=data.reason, now=now)
    events.publish(
        business,
        "peer.suspended",
        key=f"peer.suspended:{review.pk}",
        payload={"peer_id": locked.pk, "review_id": review.pk, "at": now.isoformat()},
    )
    _tell_peer(business, locked, review, "suspended", "peer.suspended", reason=data.reason)
    return Outcome(review)


@transaction.atomic
def appeal_suspension(business, actor, peer, data: AppealInput, *, now=None) -> Outcome[PeerReview]:
    """The suspended peer appeals, once, with a message; the members who may decide it (all
    who handle reviews but the one who suspended) are told."""
    if peer.business_id != business.pk or peer.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the peer can appeal against their own suspension."))
    now = now or timezone.now()
    review = _open_case_for_update(business, peer)
    if review.status != ReviewStatus.SUSPENDED:
        raise InvalidTransition(_("There is no suspension to appeal against."))
    if review.appealed_at is not None:
        raise AppealAlreadyMade()
    review.appeal_message = data.message
    review.appealed_at = now
    review.save(update_fields=["appeal_message", "appealed_at"])
    _step(review, ReviewStepKind.APPEALED, actor=actor, text=data.message, now=now)
    _tell_members(business, review, "appeal_received", "peer.appealed", but=review.suspended_by)
    return Outcome(review)


def _may_decide_alone(business, actor, review):
    """Whether the member who suspended may decide the appeal: only the owner, and only when
    no other member of the business handles reviews (a one-person shop). Recorded as such."""
    from peerarmy.tenancy.roles import Capability

    others = [
        m
        for m in members_of(business)
        if m.user_id != review.suspended_by_id and m.can(Capability.TRUST)
    ]
    membership = _check_trust(actor, business)
    return not others and membership.is_owner


@transaction.atomic
def decide_appeal(
    business, actor, peer, data: AppealDecisionInput, *, now=None
) -> Outcome[PeerReview]:
    """Another member than the one who suspended grants the appeal (the suspension is
    lifted) or refuses it (it stays); the peer is told why. In a business where nobody else
    handles reviews, the owner decides their own suspension's appeal, and the trail says so."""
    _check_trust(actor, business)
    now = now or timezone.now()
    review = _open_case_for_update(business, peer)
    if review.status != ReviewStatus.SUSPENDED or not review.appeal_pending:
        raise InvalidTransition(_("There is no appeal waiting for a decision."))
    alone = False
    if review.suspended_by_id == actor.pk:
        alone = _may_decide_alone(business, actor, review)
        if not alone:
            raise PermissionDenied(
                _("You suspended this peer: another member must decide the appeal.")
            )
    review.appeal_granted = data.grant
    review.appeal_decided_at = now
    review.appeal_decided_by = actor
    fields = ["appeal_granted", "appeal_decided_at", "appeal_decided_by"]
    kind = ReviewStepKind.APPEAL_GRANTED if data.grant else ReviewStepKind.APPEAL_REFUSED
    if data.grant:
        _lift(review, now)
        fields += ["status", "closed_at", "reliability_at_close"]
    review.save(update_fields=fields)
    _step(review, kind, actor=actor, text=data.reason, now=now, decided_alone=alone)
    _tell_peer(
        business,
        review.peer,
        review,
        "appeal_decided",
        "peer.appeal_decided",
        reason=data.reason,
        granted=data.grant,
    )
    return Outcome(review)


def _lift(review, now):
    review.peer.status = PeerStatus.ACTIVE
    review.peer.save(update_fields=["status"])
    review.status = ReviewStatus.LIFTED
    review.closed_at = now
    review.reliability_at_close = review.peer.reliability


@transaction.atomic
def lift_suspension(business, actor, peer, data: LiftInput, *, now=None) -> Outcome[PeerReview]:
    """Staff lift a suspension with a reason; the peer is active again and told so."""
    _check_trust(actor, business)
    now = now or timezone.now()
    review = _open_case_for_update(business, peer)
    if review.status != ReviewStatus.SUSPENDED:
        raise InvalidTransition(_("This peer is not suspended."))
    _lift(review, now)
    review.save(update_fields=["status", "closed_at", "reliability_at_close"])
    _step(review, ReviewStepKind.LIFTED, actor=actor, text=data.reason, now=now)
    _tell_peer(
        business, review.peer, review, "suspension_lifted", "peer.lifted", reason=data.reason
    )
    return Outcome(review)


@transaction.atomic
def update_review_settings(business, actor, data: ReviewSettingsInput) -> Outcome[ReviewSettings]:
    """When repeated no-shows send a peer to review, for this business."""
    _check_trust(actor, business)
    found, created = ReviewSettings.objects.select_for_update().get_or_create(business=business)
    found.no_show_limit = data.no_show_limit
    found.no_show_window_days = data.no_show_window_days
    found.save()
    return Outcome(found, created=created)


# --- verification records ------------------------------------------------------------------------
#
# A phone number is confirmed with a one-time code sent by SMS (`notifications.sms`): six
# digits, kept as an HMAC with the installation's secret, valid for ten minutes, five tries;
# a new code at most once a minute and five times a day per peer. An identity is checked in
# person by a member with the trust capability, who records which kind of document they saw.

PHONE_CODE_LIFETIME = timedelta(minutes=10)
PHONE_CODE_ATTEMPTS = 5
PHONE_CODE_EVERY = timedelta(minutes=1)
PHONE_CODES_PER_DAY = 5


def _code_hash(peer, phone, code):
    key = f"peerarmy.phone-code:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{peer.pk}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def send_phone_code(
    business, actor, peer, data: PhoneNumberInput, *, now=None
) -> Outcome[PhoneCode]:
    """The peer asks for a code to confirm `data.phone`; it leaves by SMS through the outbox
    (the code is cut out of the kept message once sent)."""
    if peer.business_id != business.pk or peer.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the peer can confirm their own phone number."))
    now = now or timezone.now()
    selectors.get_peer(business, peer.pk, for_update=True)  # one request at a time per peer
    recent = selectors.phone_codes_since(business, peer, now - timedelta(days=1))
    if recent and recent[0].created_at > now - PHONE_CODE_EVERY:
        raise TooManyCodes(_("We have just sent you a code; wait a minute before asking again."))
    if len(recent) >= PHONE_CODES_PER_DAY:
        raise TooManyCodes(_("You have asked for too many codes today; try again tomorrow."))
    code = f"{secrets.randbelow(10**6):06d}"
    found = PhoneCode.objects.create(
        business=business,
        peer=peer,
        phone=data.phone,
        code_hash=_code_hash(peer, data.phone, code),
        created_at=now,
        expires_at=now + PHONE_CODE_LIFETIME,
    )
    with translation.override(_peer_language(peer)):
        text = _("%(business)s: your code is %(code)s. It is valid for 10 minutes.") % {
            "business": business.name,
            "code": code,
        }
    enqueue_sms(
        business=business,
        to=data.phone,
        text=text,
        language=_peer_language(peer),
        event="peer.phone_code",
        redact=[code],
    )
    return Outcome(found, created=True)


def confirm_phone(
    business, actor, peer, data: PhoneCodeInput, *, now=None
) -> Outcome[Verification]:
    """The peer types the code they received: their phone is verified. A wrong code counts
    against the code's tries even though it is refused (saved before the refusal)."""
    if peer.business_id != business.pk or peer.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the peer can confirm their own phone number."))
    now = now or timezone.now()
    with transaction.atomic():
        found = selectors.latest_phone_code(business, peer, for_update=True)
        if found is None or found.used_at is not None or found.expires_at <= now:
            raise InvalidTransition(
                _("This code has expired or was never sent; ask for a new one."),
                code="code_expired",
            )
        if found.attempts >= PHONE_CODE_ATTEMPTS:
            raise TooManyCodes(_("Too many wrong codes; ask for a new one."))
        right = hmac.compare_digest(found.code_hash, _code_hash(peer, found.phone, data.code))
        if not right:
            found.attempts += 1
            found.save(update_fields=["attempts"])
        else:
            found.used_at = now
            found.save(update_fields=["used_at"])
            verification, created = Verification.objects.update_or_create(
                business=business,
                peer=peer,
                kind=VerificationKind.PHONE,
                defaults={
                    "phone": found.phone,
                    "verified_at": now,
                    "verified_by": None,
                    "document_type": "",
                },
            )
    if not right:
        raise WrongCode(field="code")
    return Outcome(verification, created=created)


@transaction.atomic
def record_identity_check(
    business, actor, peer, data: IdentityCheckInput, *, now=None
) -> Outcome[Verification]:
    """A member saw the peer's identity document in person; who, when and which kind of
    document are kept, nothing of the document itself."""
    _check_trust(actor, business)
    now = now or timezone.now()
    peer = selectors.get_peer(business, peer.pk)
    verification, created = Verification.objects.update_or_create(
        business=business,
        peer=peer,
        kind=VerificationKind.IDENTITY,
        defaults={
            "document_type": data.document_type,
            "verified_at": now,
            "verified_by": actor,
            "phone": "",
        },
    )
    return Outcome(verification, created=created)
