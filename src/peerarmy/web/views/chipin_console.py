"""Chip-in in the business console: the campaigns (started by customers, or by staff for
them), each with its progress, its public link and QR code, its pledges and who brought
them; payments at the till; the bank statements that pay pledges and the credits staff
decide; the products friends chip in for (with Shopify's import); the money owed back; and
each chip-in program's terms.

The pages read through `chipin.selectors` and change through the services (`chipin.services`,
`chipin.reconcile`, `rewards.money_in`), which check who acts themselves: a refusal comes back
next to the field it names, or as a message. Pages show statuses in words and dates on the
business's clock, never ids, references of the books or status codes."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from peerarmy.chipin import reconcile, references, selectors, services
from peerarmy.chipin.bankfiles import StatementUnreadable
from peerarmy.chipin.models import CampaignStatus, CreditStatus, PledgeStatus
from peerarmy.errors import DomainError
from peerarmy.photos import MAX_UPLOAD_BYTES
from peerarmy.rewards import money_in
from peerarmy.rewards.iban import mask_iban
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.chipin import (
    ChipInSettingsForm,
    CloseReasonForm,
    CreditDecisionForm,
    ProductForm,
    ProductImportForm,
    ProductPhotoForm,
    StaffCampaignForm,
    StatementForm,
    TillPaymentForm,
)
from peerarmy.web.forms.rewards import money_input

from .base import attempt as _attempt
from .base import console_page
from .base import page_url as _url
from .base import role_can as _can
from .base import save_form as _save

GET_POST, POST = ("GET", "HEAD", "POST"), ("POST",)
PER_PAGE = 50
MAX_FILE_BYTES = 20 * 1024 * 1024  # a year of a shop's bank statement, or its catalogue
# Pledges that may still be paid at the till (the service decides the rest).
TILL_PAYABLE = (
    PledgeStatus.UNCONFIRMED,
    PledgeStatus.AWAITING,
    PledgeStatus.PARTLY_PAID,
    PledgeStatus.LAPSED,
)
OPEN_CREDITS = (CreditStatus.SUGGESTED, CreditStatus.UNMATCHED)


def _is_owner(request):
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_owner)


def _refusals(exc):
    """(field, message) of a service's refusal."""
    return exc.field_errors or [(None, exc.message)]


def _read(upload, limit=MAX_FILE_BYTES):
    # one byte over the limit is enough for a service to refuse the file as too large
    return upload.read(limit + 1)


def _time_left(campaign, now):
    """ "Ends in 3 days" for a running campaign; "Closed on 4 Dec" once closed."""
    if campaign.is_closed and campaign.closed_at:
        return "closed", campaign.closed_at
    if campaign.deadline <= now:
        return "due", campaign.deadline
    return "left", campaign.deadline


# --- campaigns -------------------------------------------------------------------------------


@console_page(needs=Capability.CUSTOMERS)
def campaigns(request, business):
    filters = {
        "status": request.GET.get("status", "")[:20],
        "q": request.GET.get("q", "").strip()[:100],
    }
    status = filters["status"] if filters["status"] in CampaignStatus.values else ""
    page = Paginator(
        selectors.campaigns(business, status=status, search=filters["q"]), PER_PAGE
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for campaign in page.object_list:
        progress = selectors.progress(campaign)
        when, moment = _time_left(campaign, now)
        rows.append(
            {
                "campaign": campaign,
                "url": _url(business, "manage_chipin_campaign", campaign_id=campaign.pk),
                "product": campaign.product.name if campaign.product else "",
                "progress": progress,
                "when": when,
                "moment": moment,
            }
        )
    return render(
        request,
        "web/manage/chipin/campaigns.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "statuses": CampaignStatus.choices,
        },
    )


@console_page(GET_POST, needs=Capability.CUSTOMERS)
def campaign_new(request, business):
    programs = selectors.chipin_programs(business)
    if not programs:
        return render(request, "web/manage/chipin/campaign_new.html", {"form": None})
    products = list(selectors.products(business, active_only=True))
    form = StaffCampaignForm(
        request.POST or None, business=business, programs=programs, products=products
    )
    if request.method == "POST" and form.is_valid():
        started = _save(
            form, lambda data: services.start_campaign_for(business, request.user, data)
        )
        if started is not None:
            messages.success(
                request,
                _("The campaign is started: we sent %(name)s its page to share.")
                % {"name": started.value.beneficiary_name},
            )
            return redirect(
                "web:manage_chipin_campaign",
                business_slug=business.slug,
                campaign_id=started.value.pk,
            )
    return render(
        request,
        "web/manage/chipin/campaign_new.html",
        {"form": form, "products": products},
        status=400 if form.errors else 200,
    )


def _campaign_page(request, business, campaign, *, till=None, cancel_form=None, code=200):
    """A campaign's page; `till` is (pledge id, form) of a payment at the till refused."""
    progress = selectors.progress(campaign)
    link = selectors.beneficiary_link(campaign)
    can_till = _can(request, Capability.REWARDS) and campaign.is_open
    pledges = []
    for pledge in selectors.pledges(business, campaign=campaign):
        form = None
        if can_till and pledge.status in TILL_PAYABLE and pledge.left_minor > 0:
            if till is not None and till[0] == pledge.pk:
                form = till[1]
            else:
                form = TillPaymentForm(
                    initial={"amount": money_input(pledge.left_minor)},
                    business=business,
                    prefix=f"till-{pledge.pk}",
                )
        pledges.append(
            {
                "pledge": pledge,
                "reference": _rf(pledge.reference),
                "brought_by": (pledge.share_link.name or _("a friend"))
                if pledge.share_link_id
                else "",
                "till_form": form,
                "till_url": _url(business, "manage_chipin_till", pledge_id=pledge.pk),
            }
        )
    waiting = campaign.status == CampaignStatus.WAITING
    return render(
        request,
        "web/manage/chipin/campaign.html",
        {
            "campaign": campaign,
            "progress": progress,
            "unpaid": max(0, campaign.pledged_minor - campaign.received_minor),
            "public_url": services.public_url(campaign, link),
            "pledges": pledges,
            "sharers": selectors.sharers(campaign),
            "can_close": campaign.is_open and progress.reached,
            "can_cancel": not campaign.is_closed,
            "cancel_form": cancel_form or CloseReasonForm(business=business),
            "decides_match": waiting and _is_owner(request),
            "waiting": waiting,
            "when": _time_left(campaign, timezone.now()),
        },
        status=code,
    )


def _rf(reference):
    try:
        return references.format_rf(reference)
    except references.NotAReference:
        return reference


@console_page(needs=Capability.CUSTOMERS)
def campaign_detail(request, business, campaign_id):
    return _campaign_page(request, business, selectors.get_campaign(business, campaign_id))


def _to_campaign(business, campaign):
    return redirect(
        "web:manage_chipin_campaign", business_slug=business.slug, campaign_id=campaign.pk
    )


@console_page(POST, needs=Capability.CUSTOMERS)
def campaign_close(request, business, campaign_id):
    campaign = selectors.get_campaign(business, campaign_id)
    if _attempt(request, lambda: services.close_early(business, request.user, campaign)):
        messages.success(request, _("The campaign is closed: the gift voucher is ready."))
    return _to_campaign(business, campaign)


@console_page(POST, needs=Capability.CUSTOMERS)
def campaign_cancel(request, business, campaign_id):
    campaign = selectors.get_campaign(business, campaign_id)
    form = CloseReasonForm(request.POST, business=business)
    if form.is_valid() and _save(
        form, lambda data: services.cancel_campaign(business, request.user, campaign, data)
    ):
        messages.success(
            request, _("The campaign is cancelled: the money friends gave goes back to them.")
        )
        return _to_campaign(business, campaign)
    return _campaign_page(request, business, campaign, cancel_form=form, code=400)


@console_page(POST, needs=Capability.CUSTOMERS)
def match_approve(request, business, campaign_id):
    campaign = selectors.get_campaign(business, campaign_id)
    if _attempt(request, lambda: services.approve_match(business, request.user, campaign)):
        messages.success(request, _("The shop's share is added: the campaign is funded."))
    return _to_campaign(business, campaign)


@console_page(POST, needs=Capability.CUSTOMERS)
def match_decline(request, business, campaign_id):
    campaign = selectors.get_campaign(business, campaign_id)
    if _attempt(request, lambda: services.decline_match(business, request.user, campaign)):
        messages.success(request, _("You declined the shop's share for this campaign."))
    return _to_campaign(business, campaign)


@console_page(POST, needs=Capability.REWARDS)
def pledge_till(request, business, pledge_id):
    pledge = selectors.get_pledge(business, pledge_id)
    form = TillPaymentForm(request.POST, business=business, prefix=f"till-{pledge.pk}")
    if form.is_valid() and _save(
        form, lambda data: services.record_till_payment(business, request.user, pledge, data)
    ):
        messages.success(request, _("The payment of %(name)s is recorded.") % {"name": pledge.name})
        return _to_campaign(business, pledge.campaign)
    campaign = selectors.get_campaign(business, pledge.campaign_id)
    return _campaign_page(request, business, campaign, till=(pledge.pk, form), code=400)


# --- pledges ---------------------------------------------------------------------------------


@console_page(needs=Capability.CUSTOMERS)
def pledges(request, business):
    filters = {
        "status": request.GET.get("status", "")[:20],
        "q": request.GET.get("q", "").strip()[:100],
    }
    status = filters["status"] if filters["status"] in PledgeStatus.values else ""
    page = Paginator(
        selectors.pledges(business, status=status, search=filters["q"]), PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [
        {
            "pledge": pledge,
            "reference": _rf(pledge.reference),
            "campaign_url": _url(
                business, "manage_chipin_campaign", campaign_id=pledge.campaign_id
            ),
            "brought_by": (pledge.share_link.name or _("a friend")) if pledge.share_link_id else "",
        }
        for pledge in page.object_list
    ]
    return render(
        request,
        "web/manage/chipin/pledges.html",
        {"rows": rows, "page": page, "filters": filters, "statuses": PledgeStatus.choices},
    )


# --- bank statements -------------------------------------------------------------------------


def _statements_page(request, business, form=None, code=200):
    return render(
        request,
        "web/manage/chipin/statements.html",
        {
            "form": form or StatementForm(),
            "statements": list(selectors.statements(business)),
            "open_credits": selectors.open_credits_count(business),
        },
        status=code,
    )


def summary_text(upload):
    counts = reconcile.summary(upload)
    return (
        ngettext(
            "%(entries)d credit: %(matched)d matched, %(suggested)d to check, %(unmatched)d not "
            "matched, %(duplicates)d paid twice.",
            "%(entries)d credits: %(matched)d matched, %(suggested)d to check, %(unmatched)d not "
            "matched, %(duplicates)d paid twice.",
            counts.entries,
        )
        % counts.as_dict()
    )


@console_page(GET_POST, needs=Capability.REWARDS)
def statements(request, business):
    if request.method != "POST":
        return _statements_page(request, business)
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        return _statements_page(request, business, form, code=400)
    upload = form.cleaned_data["file"]
    data = _read(upload)
    if len(data) > MAX_FILE_BYTES:
        form.add_error("file", _("This file is too large for a bank statement."))
        return _statements_page(request, business, form, code=400)
    try:
        done = reconcile.reconcile_statement(
            business, request.user, data, filename=upload.name or ""
        )
    except StatementUnreadable as exc:
        form.add_error("file", str(exc.message))
        return _statements_page(request, business, form, code=400)
    except DomainError as exc:
        for field, message in _refusals(exc):
            form.add_error("file" if field else None, str(message))
        return _statements_page(request, business, form, code=400)
    if done.replayed:
        messages.info(request, _("This statement was uploaded before: nothing changed."))
    else:
        messages.success(request, summary_text(done.value))
    return redirect(
        "web:manage_chipin_statement", business_slug=business.slug, statement_id=done.value.pk
    )


def _statement_page(request, business, statement, *, refused=None, code=200):
    """A statement's credits; `refused` is (credit id, form) of an assignment refused."""
    rows = []
    for credit in selectors.credits(business, statement=statement):
        is_open = credit.status in OPEN_CREDITS
        assign = None
        if is_open:
            if refused is not None and refused[0] == credit.pk:
                assign = refused[1]
            else:
                assign = CreditDecisionForm(business=business, prefix=f"credit-{credit.pk}")
        rows.append(
            {
                "credit": credit,
                "reference": _rf(credit.reference) if credit.reference else "",
                "open": is_open,
                "suggested": credit.suggested_pledge
                if credit.status == CreditStatus.SUGGESTED
                else None,
                "assign_form": assign,
                "decide_url": _url(business, "manage_chipin_credit_decide", credit_id=credit.pk),
                "campaign_url": _url(
                    business, "manage_chipin_campaign", campaign_id=credit.pledge.campaign_id
                )
                if credit.pledge_id
                else "",
            }
        )
    return render(
        request,
        "web/manage/chipin/statement.html",
        {
            "statement": statement,
            "summary": summary_text(statement),
            "rows": rows,
        },
        status=code,
    )


@console_page(needs=Capability.REWARDS)
def statement_detail(request, business, statement_id):
    return _statement_page(request, business, selectors.get_statement(business, statement_id))


DECIDED = {
    "accept": _("The payment is added to the pledge."),
    "assign": _("The payment is added to the pledge."),
    "refund": _("The payment goes back to the payer in the next refunds payout run."),
    "ignore": _("The payment is set aside: it is not for a campaign."),
}


@console_page(POST, needs=Capability.REWARDS)
def credit_decide(request, business, credit_id):
    credit = selectors.get_credit(business, credit_id)
    form = CreditDecisionForm(request.POST, business=business, prefix=f"credit-{credit.pk}")
    if form.is_valid() and _save(
        form, lambda data: reconcile.decide_credit(business, request.user, credit, data)
    ):
        messages.success(request, str(DECIDED[form.input.action]))
        return redirect(
            "web:manage_chipin_statement",
            business_slug=business.slug,
            statement_id=credit.statement_id,
        )
    statement = selectors.get_statement(business, credit.statement_id)
    if form.input is not None and form.input.action != "assign":
        # a button, not a box: its refusal is a message above the credits
        for error in form.non_field_errors() or [
            e for errors in form.errors.values() for e in errors
        ]:
            messages.error(request, error)
        return redirect(
            "web:manage_chipin_statement",
            business_slug=business.slug,
            statement_id=statement.pk,
        )
    return _statement_page(request, business, statement, refused=(credit.pk, form), code=400)


# --- products --------------------------------------------------------------------------------


def _products_page(request, business, *, import_form=None, imported=None, code=200):
    q = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "web/manage/chipin/products.html",
        {
            "products": list(selectors.products(business, search=q)),
            "q": q,
            "import_form": import_form or ProductImportForm(),
            "imported": imported,
        },
        status=code,
    )


@console_page(needs=Capability.SHOP)
def products(request, business):
    return _products_page(request, business)


@console_page(GET_POST, needs=Capability.SHOP)
def product_new(request, business):
    form = ProductForm(request.POST or None, business=business)
    if request.method == "POST" and form.is_valid():
        made = _save(form, lambda data: services.create_product(business, request.user, data))
        if made is not None:
            messages.success(
                request,
                _("%(name)s is in the catalogue. Add a photo: friends like to see the gift.")
                % {"name": made.value.name},
            )
            return redirect(
                "web:manage_chipin_product", business_slug=business.slug, product_id=made.value.pk
            )
    return render(
        request,
        "web/manage/chipin/product_form.html",
        {"form": form, "product": None},
        status=400 if form.errors else 200,
    )


@console_page(GET_POST, needs=Capability.SHOP)
def product_edit(request, business, product_id):
    product = selectors.get_product(business, product_id)
    form = ProductForm(request.POST or None, business=business, product=product)
    photo_form = ProductPhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and photo_form.is_valid():
        photo = photo_form.cleaned_data.get("photo")
        saved = True
        if photo is not None:
            try:
                services.set_product_photo(
                    business, request.user, product, _read(photo, MAX_UPLOAD_BYTES)
                )
            except DomainError as exc:
                saved = False
                for field, message in _refusals(exc):
                    photo_form.add_error("photo" if field in (None, "photo") else None, message)
        if saved and _save(
            form, lambda data: services.update_product(business, request.user, product, data)
        ):
            messages.success(request, _("The product is saved."))
            return redirect(
                "web:manage_chipin_product", business_slug=business.slug, product_id=product.pk
            )
    return render(
        request,
        "web/manage/chipin/product_form.html",
        {"form": form, "photo_form": photo_form, "product": product},
        status=400 if form.errors or photo_form.errors else 200,
    )


@console_page(POST, needs=Capability.SHOP)
def products_import(request, business):
    from peerarmy.chipin.products_import import import_products

    form = ProductImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _products_page(request, business, import_form=form, code=400)
    upload = form.cleaned_data["file"]
    data = _read(upload)
    if len(data) > MAX_FILE_BYTES:
        form.add_error("file", _("This file is too large for a products file."))
        return _products_page(request, business, import_form=form, code=400)
    try:
        done = import_products(
            business, request.user, data, filename=upload.name or "", language=get_language()
        )
    except DomainError as exc:
        for _field, message in _refusals(exc):
            form.add_error("file", str(message))
        return _products_page(request, business, import_form=form, code=400)
    return _products_page(request, business, imported=done.value)


# --- money owed back -------------------------------------------------------------------------


@console_page(needs=Capability.REWARDS)
def refunds(request, business):
    rows = [
        {
            "refund": row.refund,
            "owed": row.owed_minor,
            "iban": mask_iban(row.refund.iban) if row.refund.iban else "",
            "till_url": _url(business, "manage_chipin_refund_till", refund_id=row.refund.pk),
        }
        for row in selectors.refunds(business)
    ]
    return render(request, "web/manage/chipin/refunds.html", {"rows": rows})


@console_page(POST, needs=Capability.REWARDS)
def refund_till(request, business, refund_id):
    done = _attempt(request, lambda: money_in.refund_at_till(business, request.user, refund_id))
    if done is not None:
        messages.success(
            request,
            _("Given back to %(name)s at the till.") % {"name": done.value.holder},
        )
    return redirect("web:manage_chipin_refunds", business_slug=business.slug)


# --- the programs' terms ---------------------------------------------------------------------


@console_page(GET_POST, needs=Capability.SETUP)
def chipin_settings(request, business):
    programs = selectors.chipin_programs(business, published=False)
    chosen = request.POST.get("program", "") if request.method == "POST" else ""
    entries = []
    refused = False
    for program in programs:
        prefix = f"program-{program.pk}"
        terms = selectors.chipin_settings(business, program)
        if chosen == str(program.pk):
            form = ChipInSettingsForm(request.POST, business=business, prefix=prefix)
            if form.is_valid() and _save(
                form,
                lambda data, program=program: services.update_settings(
                    business, request.user, program, data
                ),
            ):
                messages.success(
                    request,
                    _("The terms of %(program)s are saved; they apply to new campaigns.")
                    % {"program": program.title},
                )
                return redirect("web:manage_chipin_settings", business_slug=business.slug)
            refused = True
        else:
            form = ChipInSettingsForm(business=business, prefix=prefix, terms=terms)
        entries.append({"program": program, "form": form})
    if request.method == "POST" and not refused:
        raise Http404
    return render(
        request,
        "web/manage/chipin/settings.html",
        {"entries": entries},
        status=400 if refused else 200,
    )
