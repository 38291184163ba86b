"""Every change to a peer: applying, editing the profile, approving, rejecting, and how new
work reaches them (their notification settings and the browsers they enabled web push on)."""

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.inputs import FieldErrors, Outcome, stored_degrees
from peerarmy.notifications.inputs import PushSubscriptionInput
from peerarmy.notifications.services import enqueue_email, subscribe_push, unsubscribe_push
from peerarmy.tenancy.selectors import members_of
from peerarmy.tenancy.services import check_can_manage

from . import geocoding, selectors, timing
from .inputs import MAX_SHOWCASE_LINKS, NotificationSettingsInput, PeerProfileInput, RejectInput
from .models import (
    NotificationSettings,
    OfferedWork,
    OfferStatus,
    Peer,
    PeerLanguage,
    PeerStatus,
)

__all__ = [
    "MAX_SHOWCASE_LINKS",  # read by the web forms' links widget
    "apply_as_peer",
    "approve_peer",
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
