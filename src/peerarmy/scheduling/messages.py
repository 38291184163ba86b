"""E-mails about blocks. The claim confirmation is written by the claim as a deferred outbox
message and rendered here by the delivery task (notifications/renderers.py): rendering the
text and the .ics takes longer than the whole claim."""

from django.utils import timezone

from peerarmy.notifications import renderers
from peerarmy.notifications.services import render_email

from . import ical
from .models import Claim

CLAIM_EMAIL = "scheduling.claim"


def block_email_context(peer, block, extra=None) -> dict:
    tz = block.business.tzinfo
    return {
        "peer": peer,
        "block": block,
        "program": block.program,
        "starts_local": timezone.localtime(block.starts_at, tz),
        "ends_local": timezone.localtime(block.ends_at, tz),
        **(extra or {}),
    }


@renderers.register(CLAIM_EMAIL)
def render_claim_email(message) -> renderers.Rendered:
    """payload: {"claim_id": id, "template": "claimed"}; the block as it is now, with its .ics."""
    claim = (
        Claim.objects.filter(pk=message.payload.get("claim_id"), business_id=message.business_id)
        .select_related("block__business", "block__program", "peer__user")
        .first()
    )
    if claim is None:
        raise renderers.RenderError("the claim no longer exists")
    business = claim.block.business
    with timezone.override(business.tzinfo):
        subject, body = render_email(
            business=business,
            template=f"scheduling/email/{message.payload.get('template', 'claimed')}",
            context=block_email_context(claim.peer, claim.block, {"claim": claim}),
            language=message.language,
        )
    return renderers.Rendered(subject, body, [ical.claim_attachment(claim)])
