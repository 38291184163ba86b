"""Rewards in the browser: the console's overview, payout runs, rules, settings, vouchers at
the till and the journal; the peer's wallet and statements; a peer's public showcase.

Each form validates through its change's typed input (as the API does) and the view calls the
service with it. The rewards services check who may do what (owner or staff) themselves: a
refusal comes back next to the field it names, or as a message, never as an error page. A
missing object is a 404."""

import io
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from peerarmy.analytics import impact as impact_figures
from peerarmy.errors import DomainError, PermissionDenied, ValidationFailed
from peerarmy.inputs import InvalidInput
from peerarmy.money import format_money
from peerarmy.peers.selectors import peer_for_user
from peerarmy.programs.selectors import get_program, programs_for_business
from peerarmy.resale import selectors as resale_selectors
from peerarmy.rewards import export, payouts, selectors, services, statements
from peerarmy.rewards.inputs import ProgramRewardsInput, RewardSettingsInput, VoucherLookupInput
from peerarmy.rewards.ledger import INSUFFICIENT
from peerarmy.rewards.models import PeerRewardChoice
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.rewards import (
    FIRST_YEAR,
    ApproveAloneForm,
    BadgeForm,
    CauseForm,
    ConvertPointsForm,
    DeclineForm,
    MemoForm,
    PayoutDetailsForm,
    PayoutReturnForm,
    PrepareBatchForm,
    ProgramRewardsForm,
    RedeemForm,
    RewardChoiceForm,
    RuleActiveForm,
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
    Returns (done, outcome)."""
    try:
        return True, call()
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return False, None


def _submit(request, form, call):
    """Validate `form` through its input, then run `call(form.input)`: a service's refusal goes
    next to the fields it names, or into a message when it names none of the form's. Returns
    (done, outcome)."""
    if not form.is_valid():
        return False, None
    try:
        return True, call(form.input)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if exc.code == INSUFFICIENT or any(form.form_field(f) for f, _m in exc.field_errors):
            form.add_domain_error(exc)
        else:
            messages.error(request, exc.message)
        return False, None


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


# --- the console: overview and payout runs ---------------------------------------------------


def _overview_page(request, business, *, prepare_form=None, decline_form=None, declining=None):
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
            "prepare_form": prepare_form or PrepareBatchForm(business=business),
            # the reason the owner typed for one held reward, refused: shown on its row
            "decline_form": decline_form or DeclineForm(business=business),
            "declining": declining,
            "settings": selectors.settings_of(business),
        },
    )


@console_page(needs=Capability.REWARDS)
def overview(request, business):
    return _overview_page(request, business)


@console_page(POST, needs=Capability.REWARDS)
def batch_prepare(request, business):
    form = PrepareBatchForm(request.POST, business=business)
    done, outcome = _submit(
        request, form, lambda data: payouts.prepare_batch(business, request.user, data)
    )
    if not done:
        return _overview_page(request, business, prepare_form=form)
    prepared = outcome.value
    count = prepared.batch.payout_count
    messages.success(
        request,
        ngettext(
            "The payout run is prepared: %(count)d payment. The owner approves it next.",
            "The payout run is prepared: %(count)d payments. The owner approves it next.",
            count,
        )
        % {"count": count},
    )
    if prepared.skipped:
        messages.warning(
            request,
            _("Left out of this run: %(peers)s.")
            % {
                "peers": "; ".join(
                    f"{left.peer_name or '?'} ({left.reason})" for left in prepared.skipped
                )
            },
        )
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=prepared.batch.pk)


@console_page(POST, needs=Capability.REWARDS)
def held_approve(request, business, reward_id):
    reward = selectors.get_reward(business, reward_id)
    done, outcome = _attempt(
        request, lambda: services.approve_held_reward(business, request.user, reward)
    )
    if done:
        messages.success(
            request,
            _("The reward for %(name)s is paid, over the budget.")
            % {"name": outcome.value.peer.display_name},
        )
    return _back(request, business, "rewards")


@console_page(POST, needs=Capability.REWARDS)
def held_decline(request, business, reward_id):
    reward = selectors.get_reward(business, reward_id)
    form = DeclineForm(request.POST, business=business)
    done, outcome = _submit(
        request,
        form,
        lambda data: services.decline_held_reward(business, request.user, reward, data),
    )
    if done:
        messages.success(
            request,
            _("The reward for %(name)s is declined; we told them why.")
            % {"name": outcome.value.peer.display_name},
        )
    elif form.errors:
        return _overview_page(request, business, decline_form=form, declining=reward.pk)
    return _back(request, business, "rewards")


def _batch_page(
    request, business, batch, *, return_form=None, returning=None, approve_form=None, status=200
):
    """A batch read with its lines (`get_batch(..., with_lines=True)`); which steps it may
    take next are the batch's own (`can_approve`, `can_cancel`, ...), as the services ask.
    An owner approving a run they prepared confirms it (`ApproveAloneForm`), unless the
    settings ask for two people, and there are two."""
    alone = _is_owner(request) and payouts.approves_alone(batch, request.user)
    two_people = alone and payouts.needs_two_people(business)
    if alone and not two_people and approve_form is None:
        approve_form = ApproveAloneForm(user=request.user, batch=batch)
    return render(
        request,
        "web/manage/rewards_batch.html",
        {
            "batch": batch,
            "lines": batch.lines,
            "is_owner": _is_owner(request),
            "approve_form": approve_form if alone and not two_people else None,
            "two_people": two_people,
            # the reason typed for one returned payment, refused: shown on its line
            "return_form": return_form or PayoutReturnForm(business=business),
            "returning": returning,
        },
        status=status,
    )


@console_page(needs=Capability.REWARDS)
def batch_detail(request, business, batch_id):
    return _batch_page(request, business, selectors.get_batch(business, batch_id, with_lines=True))


def _batch_action(request, business, batch_id, service, done_message):
    batch = selectors.get_batch(business, batch_id)
    done, _outcome = _attempt(request, lambda: service(business, request.user, batch))
    if done:
        messages.success(request, done_message)
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=batch.pk)


@console_page(POST, needs=Capability.REWARDS)
def batch_approve(request, business, batch_id):
    batch = selectors.get_batch(business, batch_id, with_lines=True)
    confirmed = False
    alone = _is_owner(request) and payouts.approves_alone(batch, request.user)
    if alone and not payouts.needs_two_people(business):
        form = ApproveAloneForm(request.POST, user=request.user, batch=batch)
        if not form.is_valid():
            return _batch_page(request, business, batch, approve_form=form, status=400)
        confirmed = True
    done, _outcome = _attempt(
        request, lambda: payouts.approve_batch(business, request.user, batch, confirmed=confirmed)
    )
    if done:
        messages.success(
            request,
            _("The payout run is approved: download the bank file and upload it to your bank."),
        )
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=batch.pk)


@console_page(POST, needs=Capability.REWARDS)
def batch_cancel(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.cancel_batch,
        _("The payout run is cancelled; the balances wait for the next run."),
    )


@console_page(POST, needs=Capability.REWARDS)
def batch_sent(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.mark_sent,
        _("The payout run is marked as sent; we told the peers their money is on its way."),
    )


@console_page(POST, needs=Capability.REWARDS)
def batch_paid(request, business, batch_id):
    return _batch_action(
        request,
        business,
        batch_id,
        payouts.mark_paid,
        _("The payout run is marked as paid."),
    )


@console_page(needs=Capability.REWARDS)
def batch_sepa(request, business, batch_id):
    batch = selectors.get_batch(business, batch_id)
    done, xml = _attempt(request, lambda: payouts.sepa_file(business, request.user, batch))
    if not done:
        return redirect("web:rewards_batch", business_slug=business.slug, batch_id=batch.pk)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    response["Cache-Control"] = "no-store"
    return response


@console_page(POST, needs=Capability.REWARDS)
def payout_return(request, business, payout_id):
    payout = selectors.get_payout(business, payout_id)
    form = PayoutReturnForm(request.POST, business=business)
    done, _outcome = _submit(
        request, form, lambda data: payouts.return_payout(business, request.user, payout, data)
    )
    if done:
        who = payout.peer.display_name if payout.peer_id else payout.cause.name
        messages.success(
            request,
            _("The payment to %(who)s is marked as returned; the money is back on the balance.")
            % {"who": who},
        )
    elif form.errors:
        batch = selectors.get_batch(business, payout.batch_id, with_lines=True)
        return _batch_page(request, business, batch, return_form=form, returning=payout.pk)
    return redirect("web:rewards_batch", business_slug=business.slug, batch_id=payout.batch_id)


# --- the console: rules, budgets, causes and badges ------------------------------------------


def _rules_page(
    request, business, *, rule_form=None, program_form=None, cause_form=None, badge_form=None
):
    programs = list(programs_for_business(business))
    badges = list(selectors.badges(business))
    causes = list(selectors.causes(business))
    settings = selectors.program_rewards_by_program(business)
    by_program = {}
    for rule in selectors.rules(business):
        by_program.setdefault(rule.program_id, []).append(rule)
    sections = []
    for program in programs:
        if program_form is not None and program_form.prefix == f"program-{program.pk}":
            form = program_form
        else:
            current = settings.get(program.pk) or selectors.program_rewards_of(business, program)
            form = ProgramRewardsForm(
                prefix=f"program-{program.pk}",
                initial=ProgramRewardsInput.of(current).model_dump(),
                business=business,
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
            or RuleForm(
                programs=programs,
                badges=badges,
                causes=[c for c in causes if c.active],
                business=business,
            ),
            "cause_form": cause_form or CauseForm(business=business),
            "badge_form": badge_form or BadgeForm(business=business),
            "program_form": program_form,  # a program's budget the owner sent, refused
        },
    )


@console_page(GET_POST, needs=Capability.REWARDS)
def rules(request, business):
    if request.method != "POST":
        return _rules_page(request, business)
    form = RuleForm(
        request.POST,
        programs=list(programs_for_business(business)),
        badges=selectors.badges(business),
        causes=selectors.causes(business, active=True),
        business=business,
    )
    done, _outcome = _submit(
        request, form, lambda data: services.create_rule(business, request.user, data)
    )
    if not done:
        return _rules_page(request, business, rule_form=form)
    messages.success(request, _("The rule is saved; it applies to the next events."))
    return redirect("web:rewards_rules", business_slug=business.slug)


@console_page(POST, needs=Capability.REWARDS)
def rule_toggle(request, business, rule_id):
    """The rule's switch: the form sends `active` (on or off), and the rule changes through
    `update_rule`, as the API's PATCH does."""
    rule = selectors.get_rule(business, rule_id)
    form = RuleActiveForm(request.POST, rule=rule, business=business)
    done, outcome = _submit(
        request, form, lambda data: services.update_rule(business, request.user, rule, data)
    )
    if not done:
        for errors in form.errors.values():  # a row's switch has no box to show them next to
            for message in errors:
                messages.error(request, message)
    else:
        messages.success(
            request,
            _("The rule is active again.")
            if outcome.value.active
            else _("The rule is switched off."),
        )
    return _back(request, business, "rewards_rules")


@console_page(POST, needs=Capability.REWARDS)
def program_rewards(request, business, program_id):
    program = get_program(business, program_id)
    form = ProgramRewardsForm(request.POST, prefix=f"program-{program.pk}", business=business)
    done, _outcome = _submit(
        request,
        form,
        lambda data: services.update_program_rewards(business, request.user, program, data),
    )
    if not done:
        return _rules_page(request, business, program_form=form)
    messages.success(
        request, _("The rewards of %(program)s are saved.") % {"program": program.title}
    )
    return redirect("web:rewards_rules", business_slug=business.slug)


@console_page(POST, needs=Capability.REWARDS)
def causes(request, business):
    form = CauseForm(request.POST, business=business)
    done, outcome = _submit(
        request, form, lambda data: services.create_cause(business, request.user, data)
    )
    if not done:
        return _rules_page(request, business, cause_form=form)
    messages.success(request, _("The cause %(name)s is added.") % {"name": outcome.value.name})
    return redirect(_url(business, "rewards_rules") + "#causes")


@console_page(POST, needs=Capability.REWARDS)
def badges(request, business):
    form = BadgeForm(request.POST, business=business)
    done, outcome = _submit(
        request, form, lambda data: services.create_badge(business, request.user, data)
    )
    if not done:
        return _rules_page(request, business, badge_form=form)
    messages.success(request, _("The badge %(name)s is added.") % {"name": outcome.value.name})
    return redirect(_url(business, "rewards_rules") + "#badges")


# --- the console: settings, vouchers, the journal --------------------------------------------


@console_page(GET_POST, needs=Capability.REWARDS)
def settings_view(request, business):
    current = selectors.settings_of(business)
    form = SettingsForm(
        request.POST or None,
        initial=RewardSettingsInput.of(current).model_dump(),
        business=business,
    )
    if request.method == "POST":
        done, _outcome = _submit(
            request, form, lambda data: services.update_settings(business, request.user, data)
        )
        if done:
            messages.success(request, _("The rewards settings are saved."))
            return redirect("web:rewards_settings", business_slug=business.slug)
    return render(
        request,
        "web/manage/rewards_settings.html",
        {"form": form, "current": current, "is_owner": _is_owner(request)},
    )


@console_page(GET_POST, needs=Capability.REWARDS)
def vouchers(request, business):
    form = RedeemForm(request.POST or None, initial={"key": uuid.uuid4().hex}, business=business)
    if request.method == "POST":
        done, outcome = _submit(
            request,
            form,
            lambda data: services.redeem_voucher(
                business,
                request.user,
                data,
                key=(
                    f"voucher.redeemed:{data.code}:{form.cleaned_data['key']}"
                    if form.cleaned_data["key"]
                    else None
                ),
            ),
        )
        if done:
            redeemed = outcome.value
            code, currency = redeemed.voucher.code, redeemed.voucher.currency
            messages.success(
                request,
                _("%(amount)s taken off voucher %(code)s: %(left)s left on it.")
                % {
                    "amount": format_money(redeemed.amount_minor, currency),
                    "code": code,
                    "left": format_money(redeemed.remaining_minor, currency),
                },
            )
            return redirect(_url(business, "rewards_vouchers") + f"?code={code}")
    wanted, refused, found = _voucher_lookup(business, request.GET.get("code"))
    return render(
        request,
        "web/manage/rewards_vouchers.html",
        {"form": form, "wanted": wanted, "refused": refused, "found": found},
    )


def _voucher_lookup(business, typed):
    """(the code as looked up, why it was refused, the voucher found) for the "Check a
    voucher" box: the code is read by its input, as a redemption's is."""
    if not typed:
        return "", "", None
    try:
        wanted = VoucherLookupInput.parse({"code": typed}).code
    except InvalidInput as exc:
        return "", exc.errors[0][1], None
    voucher = selectors.find_voucher(business, wanted) if wanted else None
    if voucher is None:
        return wanted, "", None
    return (
        wanted,
        "",
        {
            "voucher": voucher,
            "remaining": selectors.voucher_remaining(voucher),
            "expired": voucher.has_expired(),
        },
    )


def _ledger_page(request, business, *, memo_form=None, correcting=None):
    page = Paginator(selectors.transactions(business), TRANSACTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    shown = list(page.object_list)
    for txn in shown:
        txn.words = selectors.describe(txn, business)
        txn.corrected = txn.correction_id is not None
    if memo_form is not None and correcting not in {t.pk for t in shown}:
        # the row is on another page: say what was wrong above the journal
        for errors in memo_form.errors.values():
            messages.error(request, errors[0])
    return render(
        request,
        "web/manage/rewards_ledger.html",
        {
            "page": page,
            "transactions": shown,
            "is_owner": _is_owner(request),
            # the note typed to correct one transaction, refused: shown on its row
            "memo_form": memo_form or MemoForm(business=business),
            "correcting": correcting,
        },
    )


@console_page(needs=Capability.REWARDS)
def ledger(request, business):
    return _ledger_page(request, business)


@console_page(needs=Capability.REWARDS)
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


@console_page(POST, needs=Capability.REWARDS)
def transaction_correct(request, business, transaction_id):
    original = selectors.get_transaction(business, transaction_id)
    form = MemoForm(request.POST, business=business)
    done, _outcome = _submit(
        request,
        form,
        lambda data: services.correct_transaction(business, request.user, original, data),
    )
    if done:
        messages.success(
            request,
            _("Transaction %(id)s is corrected: a reversing transaction is in the journal.")
            % {"id": original.pk},
        )
    elif form.errors:
        return _ledger_page(request, business, memo_form=form, correcting=original.pk)
    return _back(request, business, "rewards_ledger")


# --- the peer's wallet -----------------------------------------------------------------------


def _wallet_peer(request, business):
    """The visitor's peer, if the wallet is theirs (`services.check_wallet_peer`, the rule
    every change of the wallet checks too); None otherwise."""
    peer = peer_for_user(business, request.user)
    try:
        services.check_wallet_peer(peer)
    except PermissionDenied:
        return None
    peer.business = business  # the selectors read it; spare them the query
    return peer


def _wallet_peer_or_404(request, business):
    peer = _wallet_peer(request, business)
    if peer is None:
        raise Http404
    return peer


def _wallet_page(request, business, peer, **forms):
    causes = list(selectors.causes(business, active=True))
    choice = selectors.choice_of(peer)
    details = selectors.payout_details_of(peer)
    showcase = selectors.showcase_of(peer)
    context = {
        "peer": peer,
        "wallet": selectors.wallet(peer),
        "movements": selectors.movements(peer, limit=MOVEMENTS_SHOWN),
        "settings": selectors.settings_of(business),
        "details": details,
        "showcase": showcase,
        "choice": choice,
        "choice_allowed": selectors.choice_allowed(business, peer),
        "convert_form": forms.get("convert_form") or ConvertPointsForm(business=business),
        "choice_form": forms.get("choice_form")
        or RewardChoiceForm(
            causes=causes,
            initial={"form": choice.form, "cause": choice.cause_id}
            if choice
            else {"form": PeerRewardChoice.Form.CASH},
            business=business,
        ),
        "bank_form": forms.get("bank_form")
        or PayoutDetailsForm(
            initial={"account_holder": details.account_holder if details else ""},
            business=business,
        ),
        "showcase_form": forms.get("showcase_form")
        or ShowcaseForm(
            initial={"public": showcase.public, "headline": showcase.headline} if showcase else {},
            business=business,
        ),
        "statement_form": StatementForm(business=business),
        "resale_waiting": resale_selectors.waiting_shares(business, peer.user),
    }
    return render(request, "web/me/wallet.html", context)


@peer_page()
def wallet(request, business):
    peer = _wallet_peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    return _wallet_page(request, business, peer)


@peer_page(POST)
def wallet_points(request, business):
    peer = _wallet_peer_or_404(request, business)
    form = ConvertPointsForm(request.POST, business=business)
    done, outcome = _submit(request, form, lambda data: services.convert_points(peer, data))
    if not done:
        return _wallet_page(request, business, peer, convert_form=form)
    voucher = outcome.value.voucher
    messages.success(
        request,
        _("Your points are now voucher %(code)s, worth %(value)s. Show the code in the shop.")
        % {"code": voucher.code, "value": format_money(voucher.value_minor, voucher.currency)},
    )
    return redirect(_url(business, "me_wallet") + "#vouchers")


@peer_page(POST)
def wallet_choice(request, business):
    peer = _wallet_peer_or_404(request, business)
    form = RewardChoiceForm(
        request.POST, causes=list(selectors.causes(business, active=True)), business=business
    )
    done, _outcome = _submit(request, form, lambda data: services.choose_reward_form(peer, data))
    if not done:
        return _wallet_page(request, business, peer, choice_form=form)
    messages.success(request, _("Saved: your next rewards come in the form you chose."))
    return redirect(_url(business, "me_wallet") + "#choice")


@peer_page(POST)
def wallet_bank(request, business):
    peer = _wallet_peer_or_404(request, business)
    form = PayoutDetailsForm(request.POST, business=business)
    done, _outcome = _submit(request, form, lambda data: services.set_payout_details(peer, data))
    if not done:
        return _wallet_page(request, business, peer, bank_form=form)
    messages.success(request, _("Your bank details are saved; the next payout goes there."))
    return redirect(_url(business, "me_wallet") + "#bank")


@peer_page(POST)
def wallet_showcase(request, business):
    peer = _wallet_peer_or_404(request, business)
    form = ShowcaseForm(request.POST, business=business)
    done, outcome = _submit(request, form, lambda data: services.update_showcase(peer, data))
    if not done:
        return _wallet_page(request, business, peer, showcase_form=form)
    messages.success(
        request,
        _("Your page is public now.") if outcome.value.public else _("Your page is private."),
    )
    return redirect(_url(business, "me_wallet") + "#showcase")


@peer_page()
def wallet_statement_pick(request, business):
    """The month picker's form goes here; the statement has its own address."""
    _wallet_peer_or_404(request, business)
    form = StatementForm(request.GET, business=business)
    if not form.is_valid():
        messages.error(request, _("Choose a month and a year up to this one."))
        return redirect(_url(business, "me_wallet") + "#statements")
    d = form.cleaned_data
    target = _url(business, "me_wallet_statement", year=d["year"], month=d["month"])
    return redirect(f"{target}?format={d['format']}")


@peer_page()
def wallet_statement(request, business, year, month):
    peer = _wallet_peer_or_404(request, business)
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
    """A peer's page for everyone, only when they made it public: the name they chose, their
    headline, bio, skills and links, and the parts of their impact (all time) they chose to
    show (`analytics.impact.shown`: nothing else reaches the template); no e-mail, surname or
    address. Its preview, when the link is shared, names them and their figures, with the
    shop's photo."""
    found = selectors.public_showcase(business, peer_id)
    peer = found.peer
    peer.business = business  # the figures read it; spare them the query
    shown = impact_figures.shown(impact_figures.impact_of(peer), found.showcase.shown)
    figures = impact_figures.summary(shown)
    title = _("%(name)s in the %(shop)s army") % {"name": peer.display_name, "shop": business.name}
    return render(
        request,
        "web/public/showcase.html",
        {
            "page": found.showcase,
            "peer": peer,
            "skills": found.skills,
            "shown": shown,
            "og_title": title,
            "description": " · ".join(part for part in (found.showcase.headline, figures) if part)
            or title,
            "image": business.cover_url if business.cover else business.logo_url,
        },
    )
