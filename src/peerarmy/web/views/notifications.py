"""How new work reaches the peer, in the peer's app: their settings for new-work messages
(off, at once or a daily digest; e-mail and web push; quiet hours; the digest's hour), and
web push on this browser: the page's script (`static/web/push.js`) subscribes through the
business's service worker and posts the subscription here; turning it off posts its endpoint.
Only the peer reaches these pages; staff have no page that changes them."""

import json

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError
from peerarmy.inputs import InvalidInput, parse
from peerarmy.notifications import push
from peerarmy.notifications.inputs import PushEndpointInput, PushSubscriptionInput
from peerarmy.peers import services
from peerarmy.peers.selectors import notification_settings_of, peer_for_user, push_devices
from peerarmy.web.forms.notifications import NotificationSettingsForm

from .base import peer_page


@peer_page(methods=("GET", "HEAD", "POST"))
def notifications(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST, business=business)
        if form.is_valid():
            try:
                services.update_notification_settings(
                    business=business, actor=request.user, peer=peer, data=form.input
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("web:me_notifications", business_slug=business.slug)
    else:
        found = notification_settings_of(peer)  # a read makes nothing
        form = NotificationSettingsForm(
            business=business, initial=NotificationSettingsForm.initial_for(found)
        )
    return render(
        request,
        "web/me/notifications.html",
        {
            "peer": peer,
            "form": form,
            "push_available": push.is_configured(),
            "push_key": push.public_key(),
            "push_devices": push_devices(peer),
        },
    )


def _problem(status, message, errors=()):
    return JsonResponse(
        {"detail": str(message), "errors": [{"field": f, "message": m} for f, m in errors]},
        status=status,
    )


def _json_body(request):
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _own_peer(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None:
        raise Http404
    return peer


@peer_page(methods=("POST",))
def push_subscribe(request, business):
    """This browser's push subscription (JSON, as `PushSubscription.toJSON()` gives it)."""
    peer = _own_peer(request, business)
    body = _json_body(request)
    if body is None:
        return _problem(400, _("Send the browser's subscription as a JSON object."))
    try:
        data = parse(PushSubscriptionInput, body)
        outcome = services.enable_push(business=business, actor=request.user, peer=peer, data=data)
    except InvalidInput as exc:
        return _problem(422, exc.message, exc.errors)
    except DomainError as exc:
        return _problem(exc.status, exc.message)
    return JsonResponse(
        {
            "detail": _("Notifications are on for this browser."),
            "devices": push_devices(peer),
        },
        status=201 if outcome.created else 200,
    )


@peer_page(methods=("POST",))
def push_unsubscribe(request, business):
    """Web push off: for one browser (JSON `{"endpoint": …}`, from the page's script), or, from
    the page's plain form, for every browser of the peer."""
    peer = _own_peer(request, business)
    if request.content_type == "application/json":
        body = _json_body(request)
        try:
            data = parse(PushEndpointInput, body if body is not None else {})
        except InvalidInput as exc:
            return _problem(422, exc.message, exc.errors)
        services.disable_push(
            business=business, actor=request.user, peer=peer, endpoint=data.endpoint
        )
        return JsonResponse(
            {
                "detail": _("Notifications are off for this browser."),
                "devices": push_devices(peer),
            }
        )
    removed = services.disable_push(business=business, actor=request.user, peer=peer).value
    if removed:
        messages.success(request, _("Web push is off on all your browsers."))
    return redirect("web:me_notifications", business_slug=business.slug)
