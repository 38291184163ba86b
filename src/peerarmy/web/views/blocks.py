"""Scheduling in the browser: the peer's blocks (claim, release, waitlist, check in and out,
swaps, the private calendar link) and the console's schedule (week and month views, new blocks, recurring templates, the block
page with its claimants, CSV export). Everything works without JavaScript; htmx only swaps
the page's main section in place.

Feedback about one block or claim is shown next to it: the POST stores it in the session
under the block's or claim's anchor, and the next render of the list picks it up."""

import calendar
import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from peerarmy.errors import DomainError, NotFound
from peerarmy.inputs import InvalidInput, parse
from peerarmy.money import format_money
from peerarmy.peers.selectors import peer_for_user, skills_of_business
from peerarmy.programs.selectors import get_program
from peerarmy.scheduling import (
    export,
    feeds,
    limits,
    recurrence,
    rules,
    selectors,
    services,
    swaps,
)
from peerarmy.scheduling.inputs import (
    PositionInput,
    SeriesPatchInput,
    StaffReleaseInput,
    SwapOfferInput,
)
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.scheduling import (
    BlockForm,
    CancelBlockForm,
    FairnessLimitsForm,
    PeerBlockFilterForm,
    ScheduleForm,
    SeriesScopeForm,
    TemplateForm,
    add_series_error,
)

from .base import console_page, peer_page, safe_next

GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)
FLASH_KEY = "peerarmy_block_feedback"


# --- shared helpers --------------------------------------------------------------------------


def _flash(request, anchor, text, ok=False):
    feedback = request.session.get(FLASH_KEY, {})
    feedback[anchor] = {"text": str(text), "ok": ok}
    request.session[FLASH_KEY] = feedback


def _take_flash(request):
    return request.session.pop(FLASH_KEY, {})


def _local_day(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _duration_text(delta):
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": minutes}


def _reward_text(block, business):
    parts = []
    if block.reward_minor:
        parts.append(format_money(block.reward_minor, block.reward_currency or business.currency))
    if block.reward_points:
        parts.append(_("%(points)d points") % {"points": block.reward_points})
    return " + ".join(parts)


def _place_text(block):
    if block.is_remote:
        return _("Remote")
    return block.place_name or block.address


def _problem_text(exc):
    """A refusal in words, for the feedback next to a block or claim."""
    if isinstance(exc, InvalidInput):
        return " ".join(message for _field, message in exc.errors)
    return exc.message


# --- the peer's blocks -----------------------------------------------------------------------


@peer_page()
def my_blocks(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    now = timezone.now()
    form = PeerBlockFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    claims = selectors.upcoming_claims(peer, now=now)
    items = selectors.claimable_for_peer(
        peer, day=filters.get("day"), place=filters.get("place"), now=now
    )
    render_key = uuid.uuid4().hex
    feedback = _take_flash(request)
    for item in items:
        item.place = _place_text(item.block)
        item.duration = _duration_text(item.block.duration)
        item.reward = _reward_text(item.block, business)
        item.idempotency_key = f"{render_key}-{item.block.pk}"
        item.feedback = feedback.get(f"block-{item.block.pk}")
        if item.distance_km is not None:
            item.distance = number_format(item.distance_km, decimal_pos=1)
    for claim in claims:
        block = claim.block
        claim.place = _place_text(block)
        claim.duration = _duration_text(block.duration)
        claim.reward = _reward_text(block, business)
        claim.feedback = feedback.get(f"claim-{claim.pk}")
        claim.in_window = rules.check_in_open(block.starts_at, block.ends_at, now)
        claim.needs_location = rules.needs_position(block)
    entries = selectors.waiting_entries(peer, now=now)
    for entry in entries:
        entry.place = _place_text(entry.block)
        entry.feedback = feedback.get(f"wait-{entry.pk}")
    made = {}
    for offer in selectors.swap_offers_made(peer, now=now):
        made.setdefault(offer.claim_id, []).append(offer)
    for claim in claims:
        claim.offers = made.get(claim.pk, [])
    received = selectors.swap_offers_received(peer, now=now)
    for offer in received:
        offer.place = _place_text(offer.claim.block)
        offer.feedback = feedback.get(f"swap-{offer.pk}")
    return render(
        request,
        "web/me/blocks/list.html",
        {
            "peer": peer,
            "filter_form": form,
            "items": items,
            "claims": claims,
            "entries": entries,
            "offers_received": received,
            "swap_candidates": selectors.swap_candidates(peer) if claims else [],
            "feed_url": feeds.feed_url_of(peer),
            "calendar_feedback": feedback.get("calendar"),
        },
    )


def _peer(request, business):
    """The logged-in peer of the business; `NotFound` for anyone else."""
    peer = peer_for_user(business, request.user)
    if peer is None:
        raise NotFound()
    return peer


def _back_to_list(request, business, anchor):
    fallback = reverse("web:my_blocks", kwargs={"business_slug": business.slug})
    return redirect(safe_next(request, fallback) + f"#{anchor}")


@peer_page(POST)
def claim(request, business, block_id):
    peer = _peer(request, business)
    key = request.headers.get("Idempotency-Key") or request.POST.get("idempotency_key")
    try:
        services.claim_block(peer, block_id, idempotency_key=key)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        _flash(request, f"block-{block_id}", _problem_text(exc))
        return _back_to_list(request, business, f"block-{block_id}")
    messages.success(request, _("The block is yours. We sent you a confirmation by e-mail."))
    return _back_to_list(request, business, "upcoming")


@peer_page(POST)
def join_waitlist(request, business, block_id):
    peer = _peer(request, business)
    try:
        services.join_waitlist(peer, block_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        _flash(request, f"block-{block_id}", exc.message)
        return _back_to_list(request, business, f"block-{block_id}")
    messages.success(request, _("You are on the waitlist. If a seat frees up, it is yours."))
    return _back_to_list(request, business, "upcoming")


@peer_page(POST)
def leave_waitlist(request, business, block_id):
    peer = _peer(request, business)
    entry = selectors.get_waiting_entry(peer, block_id)
    try:
        services.leave_waitlist(peer, block_id)
    except DomainError as exc:
        _flash(request, f"wait-{entry.pk}", exc.message)
    else:
        messages.success(request, _("You have left the waitlist."))
    return _back_to_list(request, business, "upcoming")


@peer_page(POST)
def release(request, business, claim_id):
    peer = _peer(request, business)
    claim = selectors.get_own_claim(peer, claim_id)
    try:
        services.release_claim(peer, claim)
    except DomainError as exc:
        _flash(request, f"claim-{claim.pk}", exc.message)
        return _back_to_list(request, business, f"claim-{claim.pk}")
    messages.success(request, _("You have released the block."))
    return _back_to_list(request, business, "upcoming")


def _check(request, business, claim_id, service, done):
    peer = _peer(request, business)
    claim = selectors.get_own_claim(peer, claim_id)
    position = {"lat": request.POST.get("latitude"), "lon": request.POST.get("longitude")}
    try:
        data = parse(PositionInput, {k: v for k, v in position.items() if v})
        service(peer, claim, data)
    except DomainError as exc:
        _flash(request, f"claim-{claim.pk}", _problem_text(exc))
    else:
        _flash(request, f"claim-{claim.pk}", done, ok=True)
    return _back_to_list(request, business, f"claim-{claim.pk}")


@peer_page(POST)
def check_in(request, business, claim_id):
    return _check(request, business, claim_id, services.check_in, _("You are checked in."))


@peer_page(POST)
def check_out(request, business, claim_id):
    return _check(request, business, claim_id, services.check_out, _("You are checked out."))


# --- the console's schedule ------------------------------------------------------------------


def _decorate_for_console(blocks, tz):
    for block in blocks:
        block.local_day = block.starts_at.astimezone(tz).date()
        block.fill_percent = round(100 * block.seats_taken / block.capacity)
    return blocks


def _monday(day):
    return day - timedelta(days=day.weekday())


def _schedule_filters(request):
    """The week or month asked for; one that is not a date, or that no block can be in (year
    0001 or 9999), is refused with a message, and the page shows today's."""
    form = ScheduleForm(request.GET)
    if form.is_valid():
        return form.cleaned_data
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    view = request.GET.get("view")
    return {"view": view if view in ("week", "month") else "week", "week": None, "month": None}


@console_page(needs=Capability.WORK)
def schedule(request, business):
    tz = business.tzinfo
    today = timezone.localtime(timezone.now(), tz).date()
    filters = _schedule_filters(request)
    view = "month" if filters["view"] == "month" else "week"
    context = {"view": view, "today": today}
    if view == "week":
        start = _monday(filters["week"] or today)
        blocks = _decorate_for_console(selectors.week_schedule(business, start), tz)
        days = [start + timedelta(days=i) for i in range(7)]
        context.update(
            start=start,
            end=start + timedelta(days=6),
            prev=start - timedelta(days=7),
            next=start + timedelta(days=7),
        )
    else:
        first = filters["month"] or today.replace(day=1)
        days_in = calendar.monthrange(first.year, first.month)[1]
        after = first + timedelta(days=days_in)
        blocks = _decorate_for_console(selectors.schedule_between(business, first, after), tz)
        days = [first + timedelta(days=i) for i in range(days_in)]
        context.update(
            month=first,
            prev=(first - timedelta(days=1)).replace(day=1),
            next=after,
        )
    by_day = {day: [] for day in days}
    for block in blocks:
        by_day.setdefault(block.local_day, []).append(block)
    context["days"] = [(day, by_day[day]) for day in days]
    context["block_count"] = len(blocks)
    return render(request, "web/manage/blocks/schedule.html", context)


@console_page(GET_POST, needs=Capability.WORK)
def block_create(request, business):
    form = BlockForm(
        request.POST or None,
        skills=skills_of_business(business),
        programs=selectors.block_programs(business),
        business=business,
    )
    if request.method == "POST" and form.is_valid():
        try:
            block = services.create_block(business, request.user, form.input).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The block is created."))
            return redirect("web:manage_block", business_slug=business.slug, block_id=block.pk)
    return render(request, "web/manage/blocks/block_form.html", {"form": form, "blk": None})


@console_page(GET_POST, needs=Capability.WORK)
def block_template(request, business):
    form = TemplateForm(
        request.POST or None,
        skills=skills_of_business(business),
        programs=selectors.block_programs(business),
        business=business,
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.create_blocks_from_template(business, request.user, form.input).value
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            blocks = series.blocks
            if not blocks:
                messages.warning(request, _("This rule gives no dates: no block was created."))
                return redirect("web:manage_blocks", business_slug=business.slug)
            messages.success(request, _("%(count)d blocks are created.") % {"count": len(blocks)})
            first = blocks[0].starts_at.astimezone(business.tzinfo).date()
            url = reverse("web:manage_blocks", kwargs={"business_slug": business.slug})
            return redirect(f"{url}?week={first.isoformat()}")
    return render(request, "web/manage/blocks/template_form.html", {"form": form})


def _block_page(request, business, block, *, cancel_form=None, status=200):
    page = selectors.block_page(block)
    for c in page.claims:
        c.anchor = f"claim-{c.pk}"
    return render(
        request,
        "web/manage/blocks/block_detail.html",
        {
            "blk": block,  # not "block": the {% block %} tag owns that name
            "page": page,
            "claims": page.claims,
            "waitlist": page.waitlist,
            "reward": _reward_text(block, business),
            "duration": _duration_text(block.duration),
            "place": _place_text(block),
            "cancel_form": cancel_form or CancelBlockForm(),
            "feedback": _take_flash(request),
            "series": page.series,
            "series_words": recurrence.describe_rule(page.series) if page.series else "",
        },
        status=status,
    )


@console_page(needs=Capability.WORK)
def block_detail(request, business, block_id):
    return _block_page(request, business, selectors.get_block(business, block_id))


@console_page(GET_POST, needs=Capability.WORK)
def block_edit(request, business, block_id):
    """Edit one block or, for a block of a series that has not started, this block and all
    the following ones of the series ("Only this block" is the default)."""
    block = selectors.get_block(business, block_id)
    template = selectors.changeable_series(block)
    scope = SeriesScopeForm(request.POST or None) if template is not None else None
    form = BlockForm(
        request.POST or None,
        skills=skills_of_business(business),
        block=block,
        business=business,
    )
    valid = request.method == "POST" and form.is_valid()
    if valid and scope is not None and scope.following:
        try:
            change = SeriesPatchInput.from_block_edit(block, form.input, business.tzinfo)
            done = recurrence.update_template_blocks(business, request.user, template, change).value
        except DomainError as exc:
            add_series_error(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d block of the series is changed.",
                    "%(count)d blocks of the series are changed.",
                    len(done.blocks),
                )
                % {"count": len(done.blocks)},
            )
            return redirect("web:manage_block", business_slug=business.slug, block_id=block.pk)
    elif valid:
        try:
            services.update_block(business, request.user, block, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The block is saved."))
            return redirect("web:manage_block", business_slug=business.slug, block_id=block.pk)
    return render(
        request,
        "web/manage/blocks/block_form.html",
        {"form": form, "blk": block, "scope_form": scope, "series": template},
    )


@console_page(POST, needs=Capability.WORK)
def block_cancel(request, business, block_id):
    block = selectors.get_block(business, block_id)
    form = CancelBlockForm(request.POST, business=business)
    if not form.is_valid():
        # The reason and the box, with what is wrong next to each.
        return _block_page(request, business, block, cancel_form=form)
    try:
        services.cancel_block(business, request.user, block, form.input)
    except DomainError as exc:
        _flash(request, "cancel", exc.message)
    else:
        messages.success(request, _("The block is cancelled; its peers are told."))
    return redirect("web:manage_block", business_slug=business.slug, block_id=block.pk)


def _staff_claim_action(request, business, claim_id, action, done):
    claim = selectors.get_claim(business, claim_id)
    try:
        action(claim)
    except DomainError as exc:
        _flash(request, f"claim-{claim.pk}", _problem_text(exc))
    else:
        _flash(request, f"claim-{claim.pk}", done, ok=True)
    url = reverse(
        "web:manage_block", kwargs={"business_slug": business.slug, "block_id": claim.block_id}
    )
    return redirect(f"{url}#claim-{claim.pk}")


@console_page(POST, needs=Capability.WORK)
def claim_no_show(request, business, claim_id):
    return _staff_claim_action(
        request,
        business,
        claim_id,
        lambda c: services.mark_no_show(business, request.user, c),
        _("Marked as a no-show."),
    )


@console_page(POST, needs=Capability.WORK)
def claim_complete(request, business, claim_id):
    return _staff_claim_action(
        request,
        business,
        claim_id,
        lambda c: services.complete_claim(business, request.user, c),
        _("Marked as completed."),
    )


@console_page(POST, needs=Capability.WORK)
def claim_release(request, business, claim_id):
    # The box as it was sent ("1" when ticked; absent when not): the input reads it, as it
    # reads the API's `excused`, and refuses what is neither true nor false.
    sent = {"excused": request.POST["excused"]} if "excused" in request.POST else {}

    def release(claim):
        data = parse(StaffReleaseInput, sent)
        return services.staff_release_claim(business, request.user, claim, data)

    return _staff_claim_action(
        request,
        business,
        claim_id,
        release,
        _("The claim is released; the seat went to the waitlist if anyone was waiting."),
    )


@console_page(needs=Capability.WORK)
def export_csv(request, business):
    start, end = export.export_range(
        business, _local_day(request.GET.get("from")), _local_day(request.GET.get("to"))
    )
    response = HttpResponse(
        export.schedule_csv(business, start, end), content_type="text/csv; charset=utf-8"
    )
    filename = export.export_filename(business, start, end)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the private calendar link ----------------------------------------------------------------

FEED_ACTIONS = {
    "link": (feeds.get_or_create_feed_url, gettext_lazy("Your calendar link is ready.")),
    "new": (
        feeds.regenerate_feed,
        gettext_lazy("Your calendar has a new link; the old one no longer works."),
    ),
    "stop": (feeds.revoke_feed, gettext_lazy("Your calendar link no longer works.")),
}


@peer_page(POST)
def calendar_feed(request, business):
    """Get, renew or stop the peer's private calendar link (`action`: link, new, stop)."""
    peer = _peer(request, business)
    action = FEED_ACTIONS.get(request.POST.get("action"))
    if action is not None:
        change, done = action
        try:
            change(peer)
        except DomainError as exc:
            _flash(request, "calendar", _problem_text(exc))
        else:
            _flash(request, "calendar", done, ok=True)
    return _back_to_list(request, business, "calendar")


# --- swaps: offering a claimed block to a named peer -----------------------------------------


@peer_page(POST)
def swap_offer(request, business, claim_id):
    peer = _peer(request, business)
    claim = selectors.get_own_claim(peer, claim_id)
    try:
        data = parse(SwapOfferInput, {"peer_id": request.POST.get("to_peer") or None})
        offer = swaps.offer_swap(peer, claim, data).value
    except DomainError as exc:
        _flash(request, f"claim-{claim.pk}", _problem_text(exc))
    else:
        _flash(
            request,
            f"claim-{claim.pk}",
            _("We offered the block to %(name)s. It stays yours until they accept.")
            % {"name": offer.to_peer.display_name},
            ok=True,
        )
    return _back_to_list(request, business, f"claim-{claim.pk}")


def _answer_swap(request, business, offer_id, answer, done_message):
    """The receiver accepts or declines an offer; a refusal is shown next to the offer."""
    peer = _peer(request, business)
    offer = selectors.get_swap_offer(peer, offer_id)
    try:
        answer(peer, offer)
    except DomainError as exc:
        _flash(request, f"swap-{offer.pk}", exc.message)
        return _back_to_list(request, business, "swaps")
    messages.success(request, done_message)
    return _back_to_list(request, business, "upcoming")


@peer_page(POST)
def swap_accept(request, business, offer_id):
    return _answer_swap(
        request,
        business,
        offer_id,
        swaps.accept_swap,
        _("The block is yours. We sent you a confirmation by e-mail."),
    )


@peer_page(POST)
def swap_decline(request, business, offer_id):
    return _answer_swap(
        request,
        business,
        offer_id,
        swaps.decline_swap,
        _("You declined the offer; we told the peer who made it."),
    )


@peer_page(POST)
def swap_withdraw(request, business, offer_id):
    peer = _peer(request, business)
    offer = selectors.get_swap_offer(peer, offer_id)
    try:
        swaps.withdraw_swap(peer, offer)
    except DomainError as exc:
        _flash(request, f"claim-{offer.claim_id}", exc.message)
    else:
        _flash(request, f"claim-{offer.claim_id}", _("You withdrew the offer."), ok=True)
    return _back_to_list(request, business, f"claim-{offer.claim_id}")


# --- fairness limits of a program ------------------------------------------------------------


@console_page(GET_POST, needs=Capability.SETUP)
def fairness_limits(request, business, program_id):
    program = get_program(business, program_id)
    form = FairnessLimitsForm(
        request.POST or None, limits=limits.limits_of(program), business=business
    )
    if request.method == "POST" and form.is_valid():
        try:
            limits.update_fairness_limits(business, request.user, program, form.input)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The fairness limits are saved."))
            return redirect(
                "web:manage_fairness_limits", business_slug=business.slug, program_id=program.pk
            )
    return render(request, "web/manage/blocks/limits_form.html", {"form": form, "program": program})
