"""What spread does when something happens elsewhere: a sign-up or a sign-in with a share
link's cookie, an application to the army, an import that may hold friends' first orders.

The sign-up and sign-in pages are not under a business's address, so their requests run in
no business's scope: each business a cookie names is scoped here, one at a time."""

import logging

from django.db import transaction
from django_scopes import scope

from . import cookies, selectors, services

logger = logging.getLogger("peerarmy.spread")


def _each_business(request):
    found = cookies.refs(request) if request is not None else {}
    for business in selectors.businesses_by_id(found):
        yield business, found[business.pk]


def on_user_signed_up(sender, request=None, user=None, **kwargs):
    """allauth's `user_signed_up`: a new account, maybe brought by a share link."""
    for business, link_id in _each_business(request):
        with scope(business=business), transaction.atomic():
            services.credit_signup(business, link_id, user)


def on_user_logged_in(sender, request=None, user=None, **kwargs):
    """Django's `user_logged_in`: the account remembers the link the browser came through."""
    for business, link_id in _each_business(request):
        with scope(business=business), transaction.atomic():
            services.credit_login(business, link_id, user)


def on_peer_saved(sender, instance=None, created=False, raw=False, **kwargs):
    """A peer profile was made: an application (or an invitation accepted), in the
    application's own transaction."""
    if not created or raw:
        return
    with scope(business=instance.business_id):
        services.credit_application(instance.business, instance)


def on_customers_imported(business, name, *, key, payload):
    """An import changed customers or orders: friends' first orders may be among them."""
    with scope(business=business):
        made = services.convert_first_orders(business)
    if made:
        logger.info("spread: %s first orders credited (%s)", len(made), key)
