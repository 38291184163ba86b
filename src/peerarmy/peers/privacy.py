"""People's rights (GDPR) for peers: the peer's profile in the army, their languages and skills,
how new work reaches them, the reviews of their conduct and their verifications (see
`tenancy.privacy` for the interface).

Erasure keeps the peer's row, because the books and the work history point at it (claims,
rewards, payouts, ratings), but nothing on it names the person any more: "Former peer #id",
no bio, home, position, links or skills, and it leaves the army (status rejected, with the
reason in words). It is moved to a stand-in account, so nothing of the business leads back to
the person's own account. Their browsers' push subscriptions, phone codes, verifications,
offers of work and notification settings go; a review's steps lose their words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from peerarmy.notifications.services import unsubscribe_push
from peerarmy.tenancy.privacy import rows, stand_in, words

from .models import (
    NotificationSettings,
    OfferedWork,
    Peer,
    PeerLanguage,
    PeerReview,
    PeerStatus,
    PhoneCode,
    ReviewStep,
    Verification,
)
from .selectors import push_owner

TABLES = {
    "peer_profile": _(
        "Your profile in the army: the name others see, your bio, home area, position, links, "
        "status and how your application was decided."
    ),
    "languages": _("The languages you speak, and how well."),
    "skills": _("Your skills."),
    "notification_settings": _("How new work reaches you."),
    "work_offered": _("The new work we told you about."),
    "reviews": _("Reviews of your conduct, suspensions and your appeals."),
    "review_steps": _("Every step of those reviews."),
    "verifications": _("What the business verified of you (phone, identity document type)."),
}


def peer_of(business, user):
    """The person's peer profile in the business, or None (a customer without an account)."""
    if user is None:
        return None
    return Peer.objects.filter(business=business, user=user).first()


def export(business, *, user, emails) -> dict[str, list[dict]]:
    peer = peer_of(business, user)
    if peer is None:
        return {label: [] for label in TABLES}
    one = Peer.objects.filter(pk=peer.pk)
    return {
        "peer_profile": rows(
            one,
            [
                ("id", "pk"),
                "display_name",
                "bio",
                "status",
                "home_address",
                "latitude",
                "longitude",
                "located_at",
                "travel_radius_km",
                "showcase_links",
                "reliability",
                "applied_at",
                "decided_at",
                "rejection_reason",
            ],
        ),
        "languages": rows(
            PeerLanguage.objects.filter(business=business, peer=peer), ["language", "level"]
        ),
        "skills": rows(peer.skills.order_by("slug"), ["slug", "name_it", "name_en"]),
        "notification_settings": rows(
            NotificationSettings.objects.filter(business=business, peer=peer),
            ["new_work", "by_email", "by_push", "quiet_start", "quiet_end", "digest_hour"],
        ),
        "work_offered": rows(
            OfferedWork.objects.filter(business=business, peer=peer).order_by("found_at"),
            ["kind", "item_id", "starts_at", "found_at", "status", "sent_at"],
        ),
        "reviews": rows(
            PeerReview.objects.filter(business=business, peer=peer).order_by("opened_at"),
            [
                ("id", "pk"),
                "status",
                "triggers",
                "opened_at",
                "suspended_at",
                "appeal_message",
                "appealed_at",
                "appeal_granted",
                "appeal_decided_at",
                "closed_at",
            ],
        ),
        "review_steps": rows(
            ReviewStep.objects.filter(business=business, review__peer=peer).order_by(
                "created_at", "pk"
            ),
            [("review", "review_id"), "kind", "text", "created_at"],
        ),
        "verifications": rows(
            Verification.objects.filter(business=business, peer=peer),
            ["kind", "phone", "document_type", "verified_at"],
        ),
    }


def names(business, *, user, emails) -> set[str]:
    peer = peer_of(business, user)
    return {peer.display_name} if peer and peer.display_name else set()


def erase(business, *, user, emails, now) -> int:
    peer = peer_of(business, user)
    if peer is None:
        return 0
    changed = unsubscribe_push(business, push_owner(peer))
    for model in (PeerLanguage, NotificationSettings, OfferedWork, PhoneCode, Verification):
        changed += model.objects.filter(business=business, peer=peer).delete()[0]
    changed += PeerReview.objects.filter(business=business, peer=peer).update(appeal_message="")
    changed += ReviewStep.objects.filter(business=business, review__peer=peer).update(text="")
    peer.skills.clear()
    peer.user = stand_in(business, peer.user)
    peer.display_name = words(business, _("Former peer #%(number)d"), number=peer.pk)
    peer.bio = ""
    peer.home_address = ""
    peer.latitude = peer.longitude = None
    peer.located_at = ""
    peer.showcase_links = []
    if peer.status != PeerStatus.REJECTED or not peer.decided_at:
        peer.decided_at = now
    peer.status = PeerStatus.REJECTED
    peer.rejection_reason = words(
        business, _("Left the army and asked for their personal data to be erased.")
    )
    peer.save()
    return changed + 1
