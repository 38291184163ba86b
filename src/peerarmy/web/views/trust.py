"""Ratings and reliability on the web: the visitor rates their local from the request's
e-mailed link; the peer rates their visitor and reads their own score and how to improve it;
staff rate a peer after a block and hide a comment with a reason."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError, NotFound
from peerarmy.matching import selectors as matching_selectors
from peerarmy.peers.selectors import peer_for_user
from peerarmy.scheduling import selectors as scheduling_selectors
from peerarmy.tenancy.roles import Capability
from peerarmy.trust import explain, selectors, services
from peerarmy.web.forms.trust import HideCommentForm, RatingForm

from .base import business_page, console_page, peer_page
from .matching_public import private_page

GET_POST = ("GET", "HEAD", "POST")
POST = ("POST",)


def _with_tag_names(ratings):
    for rating in ratings:
        rating.tag_names = explain.tag_names(rating.tags)
    return ratings


def _rated_message():
    return _(
        "Thank you: your rating is saved. It is shown once the other side has rated too, "
        "or when the time to rate is over."
    )


def _rate_page(request, form, call, *, template, context, done_url):
    if request.method == "POST" and form.is_valid():
        try:
            call(form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _rated_message())
            return redirect(done_url)
    return render(request, template, {"form": form, **context})


# --- the visitor, from the request's link -----------------------------------------------------


@private_page
@business_page(GET_POST)
def consumer_rate(request, business, token):
    match_request = matching_selectors.get_request_by_token(business, token)
    match = matching_selectors.accepted_match(match_request)
    back = reverse("web:match_request", kwargs={"business_slug": business.slug, "token": token})
    if match is None or match.status != "completed":
        messages.error(request, _("You can rate your local once your meeting is completed."))
        return redirect(back)
    form = RatingForm(request.POST or None, subject_kind="match", subject_id=match.pk)
    return _rate_page(
        request,
        form,
        lambda data: services.rate_as_consumer(match_request, data),
        template="web/public/trust/rate.html",
        context={
            "heading": _("Rate your meeting with %(name)s")
            % {"name": matching_selectors.first_name(match.peer)},
            "back_url": back,
        },
        done_url=back,
    )


def request_rating_context(business, match_request, match_id, peer) -> dict:
    """What the request page shows of ratings: the local's badge, and whether (and where)
    the visitor can still rate."""
    summary = selectors.peer_summary(business, peer)
    context = {"badge": explain.badge(summary)}
    if match_request.status == "completed" and match_id:
        given = selectors.consumer_has_rated(business, match_id)
        context["rating_given"] = given
        context["rating_open"] = not given and selectors.window_open(business, match_id)
    return context


# --- the peer ---------------------------------------------------------------------------------


def _own_peer(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None:
        raise NotFound()
    peer.business = business
    return peer


@peer_page(GET_POST)
def peer_rate(request, business, match_id):
    peer = _own_peer(request, business)
    match = selectors.peer_match(business, peer, match_id)
    back = reverse("web:me_matches", kwargs={"business_slug": business.slug}) + "#past"
    form = RatingForm(
        request.POST or None, subject_kind="match", subject_id=match.pk, rates_peer=False
    )
    return _rate_page(
        request,
        form,
        lambda data: services.rate_as_peer(peer, data),
        template="web/me/trust/rate.html",
        context={
            "peer": peer,
            "heading": _("Rate your meeting with %(name)s") % {"name": match.request.name},
            "back_url": back,
        },
        done_url=back,
    )


@peer_page()
def peer_reliability(request, business):
    peer = _own_peer(request, business)
    score = selectors.score_of(business, peer)
    if score is None:
        score = services.recompute_peer(business, peer.pk).value
    return render(
        request,
        "web/me/trust/reliability.html",
        {
            "peer": peer,
            "score": score,
            "explanation": explain.explanation(score),
            "rows": explain.component_rows(score),
            "tips": explain.how_to_improve(score),
            "summary": explain.badge(selectors.peer_summary(business, peer)),
            "ratings": _with_tag_names(selectors.public_ratings(business, peer, limit=20)),
        },
    )


# --- staff ------------------------------------------------------------------------------------


@console_page(GET_POST, needs=Capability.WORK)
def staff_rate_claim(request, business, claim_id):
    claim = scheduling_selectors.get_claim(business, claim_id)
    back = reverse(
        "web:manage_block", kwargs={"business_slug": business.slug, "block_id": claim.block_id}
    )
    form = RatingForm(request.POST or None, subject_kind="claim", subject_id=claim.pk)
    return _rate_page(
        request,
        form,
        lambda data: services.rate_as_staff(business, request.user, data),
        template="web/manage/trust/rate.html",
        context={
            "heading": _("Rate %(name)s for this block") % {"name": claim.peer.display_name},
            "back_url": back,
        },
        done_url=back,
    )


@console_page(POST, needs=Capability.TRUST)
def rating_hide(request, business, rating_id):
    rating = selectors.get_rating(business, rating_id)
    form = HideCommentForm(request.POST)
    if form.is_valid():
        try:
            services.hide_comment(business, request.user, rating, form.input)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The comment is hidden; its stars still count."))
    else:
        for texts in form.errors.values():
            for text in texts:
                messages.error(request, text)
    url = reverse(
        "web:manage_peer", kwargs={"business_slug": business.slug, "peer_id": rating.peer_id}
    )
    return redirect(f"{url}#ratings")


def console_trust_context(request, business, peer) -> dict:
    """The console peer page's reliability section: score, components, ratings."""
    score = selectors.score_of(business, peer)
    membership = getattr(request, "membership", None)
    return {
        "trust_score": score,
        "trust_explanation": explain.explanation(score) if score else "",
        "trust_rows": explain.component_rows(score) if score else [],
        "trust_badge": explain.badge(selectors.peer_summary(business, peer)),
        "trust_ratings": _with_tag_names(selectors.ratings_for_console(business, peer)),
        "trust_can_moderate": bool(membership and membership.can(Capability.TRUST)),
    }
