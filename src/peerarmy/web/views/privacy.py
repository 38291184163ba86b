"""The pages of people's rights (GDPR).

- The person's own page, in the peer's app (`me/data/`) for anyone signed in, and behind a link
  e-mailed to a customer without an account (`your-data/<token>/`): what the shop holds, the
  download (ZIP), and the request for erasure with its confirmation step.
- The console (owner and staff: the CUSTOMERS capability): the erasure requests with their due
  dates, completing or refusing one, and the export for a subject-access request; the audit
  trail (the owner's).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy import errors
from peerarmy.peers.selectors import peer_for_user
from peerarmy.privacy import selectors, services
from peerarmy.privacy.models import Via
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.privacy import (
    AuditFilterForm,
    DataLinkForm,
    ErasureForm,
    RefusalForm,
    SubjectExportForm,
)

from .base import attempt, business_page, console_page, page_url, peer_page, save_form

GET, GET_POST, POST = ("GET", "HEAD"), ("GET", "HEAD", "POST"), ("POST",)
LINKS_PER_HOUR_FROM_ONE_PLACE = 10
AUDIT_PER_PAGE = 50
SENT_SESSION_KEY = "privacy_link_sent"


def _zip(download):
    response = HttpResponse(download.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _language(request):
    return getattr(request, "LANGUAGE_CODE", "") or ""


# --- the person's own page --------------------------------------------------------------------


def _data_page(request, business, person, urls, *, peer=None, form=None, status=200):
    """The page both doors lead to: what is held, the download, the erasure's state."""
    preview = services.preview(business, person)
    return render(
        request,
        "web/privacy/data.html",
        {
            "peer": peer,
            "person": person,
            "held": services.summary(business, person),
            "preview": preview,
            "urls": urls,
            "form": form
            or ErasureForm(business=business, can_close_account=preview.can_close_account),
        },
        status=status,
    )


def _my_urls(business):
    return {
        "download": page_url(business, "me_privacy_download"),
        "erase": page_url(business, "me_privacy_erase"),
        "withdraw": page_url(business, "me_privacy_withdraw"),
        "back": page_url(business, "me_privacy"),
    }


@peer_page()
def my_data(request, business):
    person = services.identify(business, user=request.user)
    peer = peer_for_user(business, request.user)
    return _data_page(request, business, person, _my_urls(business), peer=peer)


@peer_page()
def my_data_download(request, business):
    person = services.identify(business, user=request.user)
    return _zip(services.export_own(business, person, via=Via.WEB))


def _erase_page(request, business, person, urls, via, *, peer=None):
    """GET: the confirmation step (what erasure means, what stops it); POST: the request."""
    preview = services.preview(business, person)
    form = ErasureForm(
        request.POST if request.method == "POST" else None,
        business=business,
        can_close_account=preview.can_close_account,
    )
    if request.method == "POST" and form.is_valid():
        made = save_form(
            form,
            lambda data: services.request_erasure(
                business, person, data, via=via, language=_language(request)
            ),
        )
        if made is not None:
            if made.replayed:
                messages.info(request, _("Your request was already waiting: nothing changed."))
            else:
                messages.success(
                    request,
                    _(
                        "We have your request: we e-mailed you, and the shop answers within a month."
                    ),
                )
            return redirect(urls["back"])
    return render(
        request,
        "web/privacy/erase.html",
        {"peer": peer, "person": person, "preview": preview, "form": form, "urls": urls},
        status=422 if form.errors else 200,
    )


@peer_page(methods=GET_POST)
def my_data_erase(request, business):
    person = services.identify(business, user=request.user)
    peer = peer_for_user(business, request.user)
    return _erase_page(request, business, person, _my_urls(business), Via.WEB, peer=peer)


@peer_page(methods=POST)
def my_data_withdraw(request, business):
    person = services.identify(business, user=request.user)
    if attempt(request, lambda: services.withdraw_erasure(business, person)) is not None:
        messages.success(request, _("Your request is withdrawn: your data stays."))
    return redirect("web:me_privacy", business_slug=business.slug)


# --- a customer without an account: the e-mailed link ------------------------------------------


def _too_many(request) -> bool:
    from django.core.cache import cache

    key = f"privacy:links:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > LINKS_PER_HOUR_FROM_ONE_PLACE
    except ValueError:
        cache.set(key, 1, timeout=3600)
        return False


@business_page(methods=GET_POST)
def link_request(request, business):
    form = DataLinkForm(request.POST if request.method == "POST" else None, business=business)
    if request.method == "POST":
        if form.is_bot:
            return redirect("web:privacy_request_sent", business_slug=business.slug)
        if _too_many(request):
            form.add_error(None, _("Too many requests from here in the last hour: try later."))
        elif form.is_valid():
            services.send_data_link(business, form.input, language=_language(request))
            request.session[SENT_SESSION_KEY] = True
            return redirect("web:privacy_request_sent", business_slug=business.slug)
    return render(
        request,
        "web/privacy/link_request.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@business_page()
def link_sent(request, business):
    return render(
        request,
        "web/privacy/link_sent.html",
        {"hours": services.LINK_HOURS, "sent": request.session.pop(SENT_SESSION_KEY, False)},
    )


def _link_urls(business, token):
    return {
        "download": page_url(business, "privacy_link_download", token=token),
        "erase": page_url(business, "privacy_link_erase", token=token),
        "withdraw": page_url(business, "privacy_link_withdraw", token=token),
        "back": page_url(business, "privacy_link", token=token),
    }


def _person_or_expired(request, business, token):
    """The link's person, or the page that says the link expired (410)."""
    try:
        return services.person_from_link(business, token), None
    except services.LinkExpired:
        response = render(request, "web/privacy/link_expired.html", {}, status=410)
        return None, response


def _private(response):
    # a page opened by a secret link: never cached, never sent on as a referrer to another
    # site ("no-referrer" would also blank the Origin of its own forms, which CSRF checks)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@business_page()
def link_page(request, business, token):
    person, expired = _person_or_expired(request, business, token)
    if expired is not None:
        return expired
    return _private(_data_page(request, business, person, _link_urls(business, token)))


@business_page()
def link_download(request, business, token):
    person, expired = _person_or_expired(request, business, token)
    if expired is not None:
        return expired
    return _zip(services.export_own(business, person, via=Via.LINK))


@business_page(methods=GET_POST)
def link_erase(request, business, token):
    person, expired = _person_or_expired(request, business, token)
    if expired is not None:
        return expired
    urls = _link_urls(business, token)
    return _private(_erase_page(request, business, person, urls, Via.LINK))


@business_page(methods=POST)
def link_withdraw(request, business, token):
    person, expired = _person_or_expired(request, business, token)
    if expired is not None:
        return expired
    if attempt(request, lambda: services.withdraw_erasure(business, person)) is not None:
        messages.success(request, _("Your request is withdrawn: your data stays."))
    return redirect("web:privacy_link", business_slug=business.slug, token=token)


# --- the console -------------------------------------------------------------------------------


def _requests_page(request, business, *, export_form=None, status=200):
    now = timezone.now()
    pending = selectors.pending_requests(business)
    return render(
        request,
        "web/manage/privacy/requests.html",
        {
            "pending": pending,
            "overdue": selectors.overdue(pending, now),
            "decided": selectors.decided_requests(business),
            "export_form": export_form or SubjectExportForm(business=business),
            "is_owner": request.membership.is_owner,
            "now": now,
        },
        status=status,
    )


@console_page(needs=Capability.CUSTOMERS)
def requests(request, business):
    return _requests_page(request, business)


def _request_page(request, business, erasure_id, *, refuse_form=None, status=200):
    erasure = selectors.get_erasure(business, erasure_id)
    context = {
        "erasure": erasure,
        "overdue": erasure.is_overdue(timezone.now()),
        "refuse_form": refuse_form or RefusalForm(business=business),
    }
    if erasure.is_pending:
        person = services.identify(business, user=erasure.user, email=erasure.email)
        services.record_access(
            business,
            request.user,
            action="viewed",
            what="erasure_request",
            subject=person.subject,
        )
        context |= {
            "held": services.summary(business, person),
            "blockers": services.blockers(business, person),
            "export_form": SubjectExportForm(business=business, initial={"email": erasure.email}),
        }
    return render(request, "web/manage/privacy/request.html", context, status=status)


@console_page(needs=Capability.CUSTOMERS)
def request_detail(request, business, erasure_id):
    return _request_page(request, business, erasure_id)


@console_page(methods=POST, needs=Capability.CUSTOMERS)
def request_complete(request, business, erasure_id):
    done = attempt(
        request,
        lambda: services.complete_erasure(business, request.user, erasure_id, via=Via.WEB),
    )
    if done is not None:
        messages.success(
            request,
            _("Erased: %(rows)d records anonymised or deleted; the person has been told.")
            % {"rows": done.value.outcome.get("rows", 0)},
        )
    return redirect(
        "web:manage_privacy_request", business_slug=business.slug, erasure_id=erasure_id
    )


@console_page(methods=POST, needs=Capability.CUSTOMERS)
def request_refuse(request, business, erasure_id):
    form = RefusalForm(request.POST, business=business)
    if form.is_valid():
        done = save_form(
            form,
            lambda data: services.refuse_erasure(
                business, request.user, erasure_id, data, via=Via.WEB
            ),
        )
        if done is not None:
            messages.success(request, _("Refused: the person has been e-mailed the reason."))
            return redirect(
                "web:manage_privacy_request", business_slug=business.slug, erasure_id=erasure_id
            )
    return _request_page(request, business, erasure_id, refuse_form=form, status=422)


@console_page(methods=POST, needs=Capability.CUSTOMERS)
def subject_export(request, business):
    form = SubjectExportForm(request.POST, business=business)
    if form.is_valid():
        download = save_form(
            form, lambda data: services.export_for_staff(business, request.user, data, via=Via.WEB)
        )
        if download is not None:
            return _zip(download)
    return _requests_page(request, business, export_form=form, status=422)


def _owner_only(request, business):
    try:
        services.check_can_audit(request.user, business)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc


@console_page(needs=Capability.CUSTOMERS)
def audit(request, business):
    _owner_only(request, business)
    form = AuditFilterForm(
        request.GET or None, business=business, actors=selectors.audit_actors(business)
    )
    filters = form.filters() if request.GET else None
    page = Paginator(selectors.access_records(business, filters), AUDIT_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "at": record.at,
            "who": selectors.actor_words(record),
            "action": record.get_action_display(),
            "action_code": record.action,
            "what": services.WHAT.get(record.what, record.what),
            "subject": selectors.subject_words(record.subject),
            "via": record.get_via_display(),
        }
        for record in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/manage/privacy/audit.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@console_page(needs=Capability.CUSTOMERS)
def audit_csv(request, business):
    _owner_only(request, business)
    form = AuditFilterForm(
        request.GET or None, business=business, actors=selectors.audit_actors(business)
    )
    filters = form.filters() if request.GET else None
    download = services.audit_csv(business, request.user, filters, via=Via.WEB)
    response = HttpResponse(download.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    return response
