"""How new work reaches a peer, through the API (a peer's own token, under `/me/`): their
settings for new-work messages (off, at once or a daily digest; e-mail and web push; quiet
hours; the digest's hour), and the browsers they enable web push on. The bodies are the same
typed inputs the peer's settings page validates with (`peers.inputs.NotificationSettingsInput`,
`notifications.inputs.PushSubscriptionInput`). Nobody else reads or changes them: a staff
token answers 403, and another peer's settings have no address."""

from datetime import time

from ninja import Field, Router, Schema, Status

from peerarmy.notifications import push
from peerarmy.notifications.inputs import PushEndpointInput, PushSubscriptionInput
from peerarmy.peers import selectors, services
from peerarmy.peers.inputs import NotificationSettingsInput

from .auth import PeerTokenAuth, token_peer
from .problems import problem_responses

me_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


class NotificationSettingsOut(Schema):
    new_work: str = Field(description="off, instant (at once) or digest (once a day).")
    email: bool
    push: bool
    quiet_start: time | None = Field(description="Start of the quiet hours, or null.")
    quiet_end: time | None
    digest_hour: int
    time_zone: str = Field(description="The business's time zone the times are read in.")
    push_available: bool = Field(
        description="Whether this installation sends web push at all (its VAPID keys are set)."
    )
    push_public_key: str = Field(
        description="The key to subscribe a browser with (`applicationServerKey`); empty when "
        "web push is not available."
    )
    push_devices: int = Field(description="On how many browsers you enabled web push.")


def _out(peer, found, business):
    return {
        **NotificationSettingsInput.of(found).model_dump(),
        "time_zone": business.timezone,
        "push_available": push.is_configured(),
        "push_public_key": push.public_key(),
        "push_devices": selectors.push_devices(peer),
    }


@me_router.get(
    "/notifications",
    response={200: NotificationSettingsOut, **problem_responses(401, 403)},
    summary="How new work reaches you",
    description="Your settings for messages about new work (the defaults until you change "
    "them: at once, by e-mail and web push, quiet from 22:00 to 08:00).",
)
def get_notification_settings(request):
    peer = token_peer(request)
    return _out(peer, selectors.notification_settings_of(peer), request.business)  # reads only


@me_router.put(
    "/notifications",
    response={200: NotificationSettingsOut, **problem_responses(400, 401, 403, 422)},
    summary="Choose how new work reaches you",
    description="Every field at once (a field left out takes its default). Quiet hours are "
    "both times or neither, on the business's clock, and may wrap midnight (22:00 to 08:00); "
    "a message due in them waits until they end. With `digest`, one message a day at "
    "`digest_hour`, outside the quiet hours. Unless `off`, at least one of `email` and `push`.",
)
def put_notification_settings(request, payload: NotificationSettingsInput):
    peer = token_peer(request)
    found = services.update_notification_settings(
        business=request.business, actor=request.auth.user, peer=peer, data=payload
    ).value
    return _out(peer, found, request.business)


class PushDeviceOut(Schema):
    id: int
    created: bool = Field(description="Whether this browser was new (false: renewed).")


@me_router.post(
    "/push-subscriptions",
    response={200: PushDeviceOut, 201: PushDeviceOut, **problem_responses(400, 401, 403, 409, 422)},
    summary="Enable web push on a browser",
    description="Send the browser's `PushSubscription.toJSON()`, made with `push_public_key` "
    "(from GET /me/notifications). 409 when this installation has no web push.",
)
def add_push_subscription(request, payload: PushSubscriptionInput):
    outcome = services.enable_push(
        business=request.business, actor=request.auth.user, peer=token_peer(request), data=payload
    )
    body = {"id": outcome.value.pk, "created": outcome.created}
    return Status(201 if outcome.created else 200, body)


class PushRemovedOut(Schema):
    removed: int = Field(description="How many of your browsers were forgotten (0 or 1).")


@me_router.post(
    "/push-subscriptions/remove",
    response={200: PushRemovedOut, **problem_responses(400, 401, 403, 422)},
    summary="Turn web push off on a browser",
    description="Forget the browser whose subscription has this `endpoint`.",
)
def remove_push_subscription(request, payload: PushEndpointInput):
    removed = services.disable_push(
        business=request.business,
        actor=request.auth.user,
        peer=token_peer(request),
        endpoint=payload.endpoint,
    ).value
    return {"removed": removed}
