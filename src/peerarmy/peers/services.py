"""Every change to a peer: applying, approving, rejecting, suspending, editing the profile."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import InvalidTransition, ValidationFailed
from peerarmy.notifications.services import enqueue_email
from peerarmy.tenancy.services import check_can_manage

from .models import LANGUAGE_NAMES, LanguageLevel, Peer, PeerLanguage, PeerStatus, Skill

MAX_SHOWCASE_LINKS = 5


def _clean_profile(business, data):
    """Check a profile and return it normalised; raise ValidationFailed naming the field."""
    display_name = (data.get("display_name") or "").strip()
    if not display_name:
        raise ValidationFailed(_("Tell us the name to show to others."), field="display_name")
    if len(display_name) > 80:
        raise ValidationFailed(_("Use at most 80 characters."), field="display_name")
    bio = (data.get("bio") or "").strip()
    if len(bio) > 1000:
        raise ValidationFailed(_("Use at most 1000 characters."), field="bio")
    languages = data.get("languages") or {}
    if isinstance(languages, list | tuple):
        languages = dict.fromkeys(languages, LanguageLevel.FLUENT)
    if not languages:
        raise ValidationFailed(_("Choose at least one language you speak."), field="languages")
    for code, level in languages.items():
        if code not in LANGUAGE_NAMES:
            raise ValidationFailed(
                _("Unknown language “%(code)s”.") % {"code": code}, field="languages"
            )
        if level not in LanguageLevel.values:
            raise ValidationFailed(
                _("Unknown language level “%(level)s”.") % {"level": level}, field="languages"
            )
    skill_slugs = list(dict.fromkeys(data.get("skills") or []))
    skills = list(Skill.objects.filter(business=business, slug__in=skill_slugs))
    if len(skills) != len(skill_slugs):
        unknown = sorted(set(skill_slugs) - {s.slug for s in skills})
        raise ValidationFailed(
            _("Unknown skill: %(skills)s.") % {"skills": ", ".join(unknown)}, field="skills"
        )
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        raise ValidationFailed(
            _("Give both latitude and longitude, or neither."),
            field="latitude" if lat is None else "longitude",
        )
    if lat is not None and not -90 <= float(lat) <= 90:
        raise ValidationFailed(_("Latitude must be between -90 and 90."), field="latitude")
    if lon is not None and not -180 <= float(lon) <= 180:
        raise ValidationFailed(_("Longitude must be between -180 and 180."), field="longitude")
    home_address = (data.get("home_address") or "").strip()
    if lat is None and not home_address:
        raise ValidationFailed(
            _("Tell us your home area, by address or on the map."), field="home_address"
        )
    radius = data.get("travel_radius_km", 10)
    try:
        radius = int(radius)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Enter a whole number of kilometres."), field="travel_radius_km"
        ) from None
    if not 1 <= radius <= 500:
        raise ValidationFailed(
            _("The travel radius must be between 1 and 500 km."), field="travel_radius_km"
        )
    links = [link.strip() for link in (data.get("showcase_links") or []) if link and link.strip()]
    if len(links) > MAX_SHOWCASE_LINKS:
        raise ValidationFailed(
            _("Add at most %(n)d links.") % {"n": MAX_SHOWCASE_LINKS}, field="showcase_links"
        )
    for link in links:
        if not link.startswith(("https://", "http://")) or len(link) > 300:
            raise ValidationFailed(
                _("“%(link)s” is not a web address (https://…).") % {"link": link[:60]},
                field="showcase_links",
            )
    return {
        "display_name": display_name,
        "bio": bio,
        "languages": languages,
        "skills": skills,
        "latitude": lat,
        "longitude": lon,
        "home_address": home_address,
        "travel_radius_km": radius,
        "showcase_links": links,
    }


def _apply_profile(peer, clean):
    for field in (
        "display_name",
        "bio",
        "latitude",
        "longitude",
        "home_address",
        "travel_radius_km",
        "showcase_links",
    ):
        setattr(peer, field, clean[field])
    peer.save()
    peer.skills.set(clean["skills"])
    PeerLanguage.objects.filter(business=peer.business, peer=peer).exclude(
        language__in=clean["languages"].keys()
    ).delete()
    for code, level in clean["languages"].items():
        PeerLanguage.objects.update_or_create(
            business=peer.business, peer=peer, language=code, defaults={"level": level}
        )


@transaction.atomic
def apply_as_peer(*, business, user, data, language=None, customer=None):
    """A signed-up person applies to join the business's army; staff are told.

    `customer` links the peer to that customer record (an accepted invitation); without it
    the customer with the account's e-mail address, if any, is linked."""
    if Peer.objects.filter(business=business, user=user).exists():
        raise InvalidTransition(_("You have already applied to this army."), code="already_applied")
    clean = _clean_profile(business, data)
    if language:
        user.language = language
        user.save(update_fields=["language"])
    peer = Peer(business=business, user=user, status=PeerStatus.APPLICANT)
    from peerarmy.customers.models import Customer

    if customer is not None and customer.business_id != business.pk:
        raise ValidationFailed(_("This customer belongs to another business."), field="customer")
    peer.customer = (
        customer or Customer.objects.filter(business=business, email__iexact=user.email).first()
    )
    _apply_profile(peer, clean)
    for membership in business.memberships.select_related("user"):
        enqueue_email(
            business=business,
            to=membership.user.email,
            language=membership.user.language,
            template="peers/email/application_received",
            event="peer.applied",
            context={"peer": peer, "member": membership.user},
        )
    return peer


@transaction.atomic
def update_profile(*, peer, data):
    clean = _clean_profile(peer.business, data)
    _apply_profile(peer, clean)
    return peer


def _decide(peer, actor, status, reason=""):
    locked = Peer.objects.select_for_update().get(pk=peer.pk, business=peer.business)
    if locked.status != PeerStatus.APPLICANT:
        raise InvalidTransition(
            _("This peer is %(status)s; only applicants can be decided on.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.rejection_reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    return locked


@transaction.atomic
def approve_peer(*, business, actor, peer):
    check_can_manage(actor, business)
    peer = _decide(peer, actor, PeerStatus.ACTIVE)
    enqueue_email(
        business=business,
        to=peer.user.email,
        language=peer.user.language,
        template="peers/email/approved",
        event="peer.approved",
        context={"peer": peer},
    )
    return peer


@transaction.atomic
def reject_peer(*, business, actor, peer, reason):
    check_can_manage(actor, business)
    reason = (reason or "").strip()
    if not reason:
        # Fair treatment: a rejection always says why.
        raise ValidationFailed(_("Give the applicant a reason."), field="reason")
    if len(reason) > 1000:
        raise ValidationFailed(_("Use at most 1000 characters."), field="reason")
    peer = _decide(peer, actor, PeerStatus.REJECTED, reason)
    enqueue_email(
        business=business,
        to=peer.user.email,
        language=peer.user.language,
        template="peers/email/rejected",
        event="peer.rejected",
        context={"peer": peer},
    )
    return peer
