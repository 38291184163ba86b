"""Rewards in the browser: the console's overview, payout runs, rules, settings, vouchers at
the till and the journal; the peer's wallet and statements; a peer's public showcase.

The rewards services check who may do what (owner or staff) themselves: a refusal comes back
as a message, never as an error page. A missing object is a 404."""

import io
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from peerarmy.errors import DomainError, ValidationFailed
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.selectors import peer_for_user
from peerarmy.programs.models import ProgramStatus
from peerarmy.programs.selectors import get_program_for_business, programs_for_business
from peerarmy.rewards import export, payouts, selectors, services, statements
from peerarmy.rewards.models import (
    Badge,
    BatchStatus,
    Cause,
    Entry,
    Payout,
    PayoutBatch,
    PayoutDetails,
    PayoutStatus,
    PeerBadge,
    PeerRewardChoice,
    ProgramRewards,
    Reward,
    RewardRule,
    RewardSettings,
    Showcase,
    Transaction,
    Voucher,
)
from peerarmy.scheduling.models import Claim, ClaimStatus
from peerarmy.web.forms.rewards import (
    FIRST_YEAR,
    BadgeForm,
    CauseForm,
    ConvertPointsForm,
    MemoForm,
    PayoutDetailsForm,
    PrepareBatchForm,
    ProgramRewardsForm,
    ReasonForm,
    RedeemForm,
    RewardChoiceForm,
    RuleForm,
    SettingsForm,
    ShowcaseForm,
    StatementForm,
)

from .base import business_page, console_page, peer_page, safe_next

GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)
TRANSACTIONS_PER_PAGE = 50
MOVEMENTS_SHOWN = 50


# --- shared helpers --------------------------------------------------------------------------


def _url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def _back(request, business, name, **kwargs):
    return redirect(safe_next(request, _url(business, name, **kwargs)))


def _attempt(request, call):
    """Run one service call; its refusal becomes a message (a missing object a 404).
    Returns (done, result)."""
    try:
        return True, call()
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return False, None


def _submit(request, form, call):
    """Validate `form`, then run `call(cleaned_data)`: a DomainError goes next to the field it
    names, or into a message when it names none. Returns (done, result)."""
    if not form.is_valid():
        return False, None
    try:
        return True, call(form.cleaned_data)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if (exc.field and exc.field in form.fields) or exc.code == "insufficient_balance":
            form.add_domain_error(exc)
        else:
            messages.error(request, exc.message)
        return False, None


def _money(amount_minor, unit):
    """An amount as the pages show it, in the active language."""
    return statements.format_money(int(amount_minor), unit, (get_language() or "it")[:2])


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


# --- the console: overview and payout runs ---------------------------------------------------


def _overview_page(request, business, *, prepare_form=None):
    view = selectors.overview(business)
    budgets = [
        {
            "program": program,
            "budget": budget,
            "spent": spent,
            "percent": min(100, 100 * spent // budget) if budget else None,
        }
        for program, budget, spent in view.budgets
    ]
    return render(
        request,
        "web/manage/rewards.html",
        {
            "view": view,
            "budgets": budgets,
            "is_owner": _is_owner(request),
            "prepare_form": prepare_form or PrepareBatchForm(),
            "decline_form": ReasonForm(),
            "settings": services.rewards_settings(business),
        },
    )


@console_page()
def overview(request, business):
    return _overview_page(request, business)


@console_page(POST)
def batch_prepare(request, business):
    form = PrepareBatchForm(request.POST)
    done, result = _submit(
        request,
        form,
        lambda d: payouts.prepare_batch(
            business, request.user, kind=d["kind"], execution_date=d["execution_date"]
        ),
    )
    if not done:
        return _overview_page(request, business, prepare_form=form)
    batch, skipped = result
    count = batch.payouts.count()
    messages.success(
        request,
        ngettext(
            "The payout run is prepared: %(count)d payment. The owner approves it next.",
            "The payout run is prepared: %(count)d payments. The owner approves it next.",
            count,
        )
        % {"count": count},
    )
    if skipped:
        names = dict(
            Peer.objects.filter(business=business, pk__in=[p for p, _why in skipped]).values_list(
                "pk", "display_name"
            )
        )
        messages.warning(
            request,
            _("Left out of this run: %(peers)s.")
            % {
                "peers": "; ".join(f"{names.get(peer_id, '?')} ({why})" for peer_id, why in skipped)
            },
        )
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=batch.pk)


@console_page(POST)
def held_approve(request, business, reward_id):
    done, reward = _attempt(
        request, lambda: services.approve_held_reward(business, request.user, reward_id)
    )
    if done:
        messages.success(
            request,
            _("The reward for %(name)s is paid, over the budget.")
            % {"name": reward.peer.display_name},
        )
    return _back(request, business, "rewards")


@console_page(POST)
def held_decline(request, business, reward_id):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    done, reward = _attempt(
        request,
        lambda: services.decline_held_reward(business, request.user, reward_id, reason=reason),
    )
    if done:
        messages.success(
            request,
            _("The reward for %(name)s is declined; we told them why.")
            % {"name": reward.peer.display_name},
        )
    return _back(request, business, "rewards")


def _batch_or_404(business, batch_id):
    batch = (
        PayoutBatch.objects.filter(business=business, pk=batch_id)
        .select_related("prepared_by", "approved_by")
        .first()
    )
    if batch is None:
        raise Http404
    return batch


@console_page()
def batch_detail(request, business, batch_id):
    batch = _batch_or_404(business, batch_id)
    lines = list(batch.payouts.select_related("peer", "cause").order_by("id"))
    return render(
        request,
        "web/manage/rewards_batch.html",
        {
            "batch": batch,
            "lines": lines,
            "is_owner": _is_owner(request),
            "can_cancel": batch.status in (BatchStatus.PREPARED, BatchStatus.APPROVED),
            "has_file": batch.status in (BatchStatus.APPROVED, BatchStatus.SENT, BatchStatus.PAID),
            "returnable": (PayoutStatus.SENT, PayoutStatus.PAID),
            "return_form": ReasonForm(),
        },
    )


def _batch_action(request, business, batch_id, service, done_message):
    batch = _batch_or_404(business, batch_id)
    done, _result = _attempt(request, lambda: service(business, request.user, batch.pk))
    if done:
        messages.success(request, done_message)
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=batch.pk)


@console_page(POST)
def batch_approve(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.approve_batch,
        _("The payout run is approved: download the bank file and upload it to your bank."),
    )


@console_page(POST)
def batch_cancel(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.cancel_batch,
        _("The payout run is cancelled; the balances wait for the next run."),
    )


@console_page(POST)
def batch_sent(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.mark_sent,
        _("The payout run is marked as sent; we told the peers their money is on its way."),
    )


@console_page(POST)
def batch_paid(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.mark_paid,
        _("The payout run is marked as paid."),
    )


@console_page()
def batch_sepa(request, business, batch_id):
    batch = _batch_or_404(business, batch_id)
    done, xml = _attempt(request, lambda: payouts.sepa_file(business, request.user, batch.pk))
    if not done:
        return redirect("web:rewards_batch", business_slug=business.slug, batch_id=batch.pk)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    response["Cache-Control"] = "no-store"
    return response


@console_page(POST)
def payout_return(request, business, payout_id):
    payout = (
        Payout.objects.filter(business=business, pk=payout_id)
        .select_related("peer", "cause")
        .first()
    )
    if payout is None:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    done, _result = _attempt(
        request, lambda: payouts.return_payout(business, request.user, payout.pk, reason=reason)
    )
    if done:
        who = payout.peer.display_name if payout.peer_id else payout.cause.name
        messages.success(
            request,
            _("The payment to %(who)s is marked as returned; the money is back on the balance.")
            % {"who": who},
        )
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=payout.batch_id)


# --- the console: rules, budgets, causes and badges ------------------------------------------


def _rules_page(
    request, business, *, rule_form=None, program_form=None, cause_form=None, badge_form=None
):
    programs = list(programs_for_business(business))
    badges = list(Badge.objects.filter(business=business))
    causes = list(Cause.objects.filter(business=business))
    settings = {r.program_id: r for r in ProgramRewards.objects.filter(business=business)}
    rules = list(
        RewardRule.objects.filter(business=business)
        .select_related("badge", "cause")
        .order_by("program_id", "event", "id")
    )
    by_program = {}
    for rule in rules:
        by_program.setdefault(rule.program_id, []).append(rule)
    sections = []
    for program in programs:
        current = settings.get(program.pk)
        if program_form is not None and program_form.prefix == f"program-{program.pk}":
            form = program_form
        else:
            form = ProgramRewardsForm(
                prefix=f"program-{program.pk}",
                initial={
                    "monthly_budget_minor": current.monthly_budget_minor if current else None,
                    "peer_chooses": current.peer_chooses if current else False,
                },
            )
        sections.append({"program": program, "rules": by_program.get(program.pk, []), "form": form})
    return render(
        request,
        "web/manage/rewards_rules.html",
        {
            "sections": sections,
            "badges": badges,
            "causes": causes,
            "is_owner": _is_owner(request),
            "rule_form": rule_form
            or RuleForm(programs=programs, badges=badges, causes=[c for c in causes if c.active]),
            "cause_form": cause_form or CauseForm(),
            "badge_form": badge_form or BadgeForm(),
        },
    )


@console_page(GET_POST)
def rules(request, business):
    if request.method != "POST":
        return _rules_page(request, business)
    form = RuleForm(
        request.POST,
        programs=list(programs_for_business(business)),
        badges=Badge.objects.filter(business=business),
        causes=Cause.objects.filter(business=business, active=True),
    )
    done, _rule = _submit(
        request,
        form,
        lambda d: services.create_rule(
            business, request.user, form.chosen_program(), **form.service_data()
        ),
    )
    if not done:
        return _rules_page(request, business, rule_form=form)
    messages.success(request, _("The rule is saved; it applies to the next events."))
    return redirect("web:rewards_rules", business_slug=business.slug)


@console_page(POST)
def rule_toggle(request, business, rule_id):
    rule = RewardRule.objects.filter(business=business, pk=rule_id).first()
    if rule is None:
        raise Http404
    done, rule = _attempt(
        request, lambda: services.update_rule(business, request.user, rule, active=not rule.active)
    )
    if done:
        messages.success(
            request,
            _("The rule is active again.") if rule.active else _("The rule is switched off."),
        )
    return _back(request, business, "rewards_rules")


@console_page(POST)
def program_rewards(request, business, program_id):
    program = get_program_for_business(business, program_id)
    if program is None:
        raise Http404
    form = ProgramRewardsForm(request.POST, prefix=f"program-{program.pk}")
    done, _settings = _submit(
        request,
        form,
        lambda d: services.update_program_rewards(
            business,
            request.user,
            program,
            monthly_budget_minor=d["monthly_budget_minor"],
            peer_chooses=d["peer_chooses"],
        ),
    )
    if not done:
        return _rules_page(request, business, program_form=form)
    messages.success(
        request, _("The rewards of %(program)s are saved.") % {"program": program.title}
    )
    return redirect("web:rewards_rules", business_slug=business.slug)


@console_page(POST)
def causes(request, business):
    form = CauseForm(request.POST)
    done, cause = _submit(
        request, form, lambda d: services.create_cause(business, request.user, **d)
    )
    if not done:
        return _rules_page(request, business, cause_form=form)
    messages.success(request, _("The cause %(name)s is added.") % {"name": cause.name})
    return redirect(_url(business, "rewards_rules") + "#causes")


@console_page(POST)
def badges(request, business):
    form = BadgeForm(request.POST)
    done, badge = _submit(
        request, form, lambda d: services.create_badge(business, request.user, **d)
    )
    if not done:
        return _rules_page(request, business, badge_form=form)
    messages.success(request, _("The badge %(name)s is added.") % {"name": badge.name})
    return redirect(_url(business, "rewards_rules") + "#badges")


# --- the console: settings, vouchers, the journal --------------------------------------------


@console_page(GET_POST)
def settings_view(request, business):
    current = services.rewards_settings(business)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_for(current))
    if request.method == "POST":
        done, _saved = _submit(
            request,
            form,
            lambda d: services.update_settings(business, request.user, **form.service_data()),
        )
        if done:
            messages.success(request, _("The rewards settings are saved."))
            return redirect("web:rewards_settings", business_slug=business.slug)
    return render(
        request,
        "web/manage/rewards_settings.html",
        {"form": form, "current": current, "is_owner": _is_owner(request)},
    )


@console_page(GET_POST)
def vouchers(request, business):
    form = RedeemForm(request.POST or None, initial={"key": uuid.uuid4().hex})
    if request.method == "POST":
        done, _txn = _submit(
            request,
            form,
            lambda d: services.redeem_voucher(
                business,
                request.user,
                d["code"],
                d["amount_minor"],
                key=f"voucher.redeemed:{d['code']}:{d['key']}" if d["key"] else None,
            ),
        )
        if done:
            code = form.cleaned_data["code"]
            voucher = Voucher.objects.get(business=business, code=code)
            messages.success(
                request,
                _("%(amount)s taken off voucher %(code)s: %(left)s left on it.")
                % {
                    "amount": _money(form.cleaned_data["amount_minor"], voucher.currency),
                    "code": code,
                    "left": _money(services.voucher_remaining(voucher), voucher.currency),
                },
            )
            return redirect(_url(business, "rewards_vouchers") + f"?code={code}")
    found = None
    wanted = "".join(request.GET.get("code", "").split()).upper()[:30]
    if wanted:
        voucher = Voucher.objects.filter(business=business, code=wanted).first()
        if voucher is not None:
            found = {
                "voucher": voucher,
                "remaining": services.voucher_remaining(voucher),
                "expired": voucher.expires_at <= timezone.now(),
            }
    return render(
        request,
        "web/manage/rewards_vouchers.html",
        {"form": form, "wanted": wanted, "found": found},
    )


@console_page()
def ledger(request, business):
    transactions = (
        Transaction.objects.filter(business=business)
        .select_related("claim__block__program", "peer")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.filter(business=business)
                .select_related("account")
                .order_by("id"),
            )
        )
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(transactions, TRANSACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    corrected = set(
        Transaction.objects.filter(
            business=business, reverses_id__in=[t.pk for t in shown]
        ).values_list("reverses_id", flat=True)
    )
    for txn in shown:
        txn.words = selectors.describe(txn, business)
        txn.corrected = txn.pk in corrected
    return render(
        request,
        "web/manage/rewards_ledger.html",
        {
            "page": page,
            "transactions": shown,
            "is_owner": _is_owner(request),
            "memo_form": MemoForm(),
        },
    )


@console_page()
def ledger_export(request, business):
    kind = request.GET.get("format", "ledger")
    buffer = io.StringIO()
    if kind == "csv":
        export.csv_rows(business, buffer)
        content_type, suffix = "text/csv; charset=utf-8", "csv"
    elif kind == "ledger":
        export.journal(business, buffer)
        content_type, suffix = "text/plain; charset=utf-8", "journal"
    else:
        raise Http404
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type=content_type)
    day = timezone.localdate(timezone.now(), business.tzinfo).isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{business.slug}-rewards-{day}.{suffix}"'
    )
    return response


@console_page(POST)
def transaction_correct(request, business, transaction_id):
    if not Transaction.objects.filter(business=business, pk=transaction_id).exists():
        raise Http404
    form = MemoForm(request.POST)
    memo = form.cleaned_data["memo"] if form.is_valid() else ""
    done, _txn = _attempt(
        request,
        lambda: services.correct_transaction(business, request.user, transaction_id, memo=memo),
    )
    if done:
        messages.success(
            request,
            _("Transaction %(id)s is corrected: a reversing transaction is in the journal.")
            % {"id": transaction_id},
        )
    return _back(request, business, "rewards_ledger")


# --- the peer's wallet -----------------------------------------------------------------------


def _active_peer(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None or peer.status != PeerStatus.ACTIVE:
        return None
    peer.business = business  # the selectors read it; spare them the query
    return peer


def _active_peer_or_404(request, business):
    peer = _active_peer(request, business)
    if peer is None:
        raise Http404
    return peer


def _choice_allowed(business, peer):
    """A program the peer works in, or may join, lets peers choose the form of rewards."""
    theirs = Reward.objects.filter(business=business, peer=peer).values("program_id")
    return (
        ProgramRewards.objects.filter(business=business, peer_chooses=True)
        .filter(Q(program__status=ProgramStatus.PUBLISHED) | Q(program_id__in=theirs))
        .exists()
    )


def _wallet_page(request, business, peer, **forms):
    wallet = selectors.wallet(peer)
    settings = RewardSettings.objects.filter(business=business).first() or RewardSettings(
        business=business
    )
    causes = list(Cause.objects.filter(business=business, active=True))
    choice = PeerRewardChoice.objects.filter(business=business, peer=peer).first()
    details = PayoutDetails.objects.filter(business=business, peer=peer).first()
    showcase = Showcase.objects.filter(business=business, peer=peer).first()
    choice_allowed = _choice_allowed(business, peer)
    context = {
        "peer": peer,
        "wallet": wallet,
        "movements": selectors.movements(peer, limit=MOVEMENTS_SHOWN),
        "settings": settings,
        "details": details,
        "showcase": showcase,
        "choice": choice,
        "choice_allowed": choice_allowed,
        "convert_form": forms.get("convert_form") or ConvertPointsForm(),
        "choice_form": forms.get("choice_form")
        or RewardChoiceForm(
            causes=causes,
            initial={"form": choice.form, "cause": choice.cause_id}
            if choice
            else {"form": PeerRewardChoice.Form.CASH},
        ),
        "bank_form": forms.get("bank_form")
        or PayoutDetailsForm(initial={"account_holder": details.account_holder if details else ""}),
        "showcase_form": forms.get("showcase_form")
        or ShowcaseForm(
            initial={"public": showcase.public, "headline": showcase.headline} if showcase else {}
        ),
        "statement_form": StatementForm(business=business),
    }
    return render(request, "web/me/wallet.html", context)


@peer_page()
def wallet(request, business):
    peer = _active_peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    return _wallet_page(request, business, peer)


@peer_page(POST)
def wallet_points(request, business):
    peer = _active_peer_or_404(request, business)
    form = ConvertPointsForm(request.POST)
    done, voucher = _submit(request, form, lambda d: services.convert_points(peer, d["points"]))
    if not done:
        return _wallet_page(request, business, peer, convert_form=form)
    messages.success(
        request,
        _("Your points are now voucher %(code)s, worth %(value)s. Show the code in the shop.")
        % {"code": voucher.code, "value": _money(voucher.value_minor, voucher.currency)},
    )
    return redirect(_url(business, "me_wallet") + "#vouchers")


@peer_page(POST)
def wallet_choice(request, business):
    peer = _active_peer_or_404(request, business)
    form = RewardChoiceForm(
        request.POST, causes=list(Cause.objects.filter(business=business, active=True))
    )
    done, _choice = _submit(
        request,
        form,
        lambda d: services.choose_reward_form(peer, form=d["form"], cause=d["cause"] or None),
    )
    if not done:
        return _wallet_page(request, business, peer, choice_form=form)
    messages.success(request, _("Saved: your next rewards come in the form you chose."))
    return redirect(_url(business, "me_wallet") + "#choice")


@peer_page(POST)
def wallet_bank(request, business):
    peer = _active_peer_or_404(request, business)
    form = PayoutDetailsForm(request.POST)
    done, _details = _submit(request, form, lambda d: services.set_payout_details(peer, **d))
    if not done:
        return _wallet_page(request, business, peer, bank_form=form)
    messages.success(request, _("Your bank details are saved; the next payout goes there."))
    return redirect(_url(business, "me_wallet") + "#bank")


@peer_page(POST)
def wallet_showcase(request, business):
    peer = _active_peer_or_404(request, business)
    form = ShowcaseForm(request.POST)
    done, showcase = _submit(request, form, lambda d: services.update_showcase(peer, **d))
    if not done:
        return _wallet_page(request, business, peer, showcase_form=form)
    messages.success(
        request,
        _("Your page is public now.") if showcase.public else _("Your page is private."),
    )
    return redirect(_url(business, "me_wallet") + "#showcase")


@peer_page()
def wallet_statement_pick(request, business):
    """The month picker's form goes here; the statement has its own address."""
    _active_peer_or_404(request, business)
    form = StatementForm(request.GET, business=business)
    if not form.is_valid():
        messages.error(request, _("Choose a month and a year up to this one."))
        return redirect(_url(business, "me_wallet") + "#statements")
    d = form.cleaned_data
    target = _url(business, "me_wallet_statement", year=d["year"], month=d["month"])
    return redirect(f"{target}?format={d['format']}")


@peer_page()
def wallet_statement(request, business, year, month):
    peer = _active_peer_or_404(request, business)
    kind = request.GET.get("format", "pdf")
    if kind not in ("csv", "pdf") or not FIRST_YEAR <= year <= 9000:
        raise Http404
    try:
        statement = selectors.statement(peer, year, month or None, get_language())
    except ValidationFailed as exc:
        raise Http404 from exc
    if kind == "csv":
        content, content_type = statements.statement_csv(statement), "text/csv; charset=utf-8"
    else:
        content, content_type = statements.statement_pdf(statement), "application/pdf"
    period = f"{year}-{month:02d}" if month else str(year)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{business.slug}-statement-{period}.{kind}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- a peer's public page --------------------------------------------------------------------


@business_page()
def showcase(request, business, peer_id):
    """A peer's page for everyone, only when they made it public: the name they chose, what
    they do and what they earned in badges; no e-mail, surname or address."""
    page = (
        Showcase.objects.filter(
            business=business, peer_id=peer_id, public=True, peer__status=PeerStatus.ACTIVE
        )
        .select_related("peer")
        .first()
    )
    if page is None:
        raise Http404
    peer = page.peer
    return render(
        request,
        "web/public/showcase.html",
        {
            "page": page,
            "peer": peer,
            "skills": list(peer.skills.all()),
            "badges": list(
                PeerBadge.objects.filter(business=business, peer=peer).select_related("badge")
            ),
            "completed": Claim.objects.filter(
                business=business, peer=peer, status=ClaimStatus.COMPLETED
            ).count(),
        },
    )
