"""What every page of a business shares: finding the business, checking who may come in,
turning service errors into words, and telling htmx requests from ordinary ones."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from peerarmy import errors
from peerarmy.tenancy.middleware import get_business_or_404
from peerarmy.tenancy.services import check_can, check_can_manage


def _methods_allowed(request, methods):
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


def _call(view, request, business, kwargs):
    """The view, with a selector's NotFound answered as the site's 404 page: another
    business's id looks exactly like an id that was never used."""
    try:
        return view(request, business, **kwargs)
    except errors.NotFound as exc:
        raise Http404 from exc


def business_page(methods=("GET", "HEAD")):
    """A public page of a business: 404 for an unknown business."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, business_slug, **kwargs):
            business = get_business_or_404(request)
            return _methods_allowed(request, methods) or _call(view, request, business, kwargs)

        return wrapper

    return decorator


def peer_page(methods=("GET", "HEAD")):
    """A page of the peer's app: the business must exist and the visitor must be logged in."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, business_slug, **kwargs):
            business = get_business_or_404(request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            return _methods_allowed(request, methods) or _call(view, request, business, kwargs)

        return wrapper

    return decorator


def console_page(methods=("GET", "HEAD"), *, needs=None):
    """A page of the business console: members only, and with `needs` (a
    `tenancy.roles.Capability`) only members whose role includes it. Who may come in is
    checked before the method, so an outsider learns nothing about which URLs accept what."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, business_slug, **kwargs):
            business = get_business_or_404(request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                request.membership = check_can_manage(request.user, business)
                if needs is not None:
                    check_can(request.user, business, needs, membership=request.membership)
            except errors.PermissionDenied as exc:
                raise PermissionDenied(str(exc.message)) from exc
            return _methods_allowed(request, methods) or _call(view, request, business, kwargs)

        wrapper.needs = needs  # what the page asks of a role (the roles test reads it)
        return wrapper

    return decorator


def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def safe_next(request, fallback):
    """The `next` address the form sent, if it stays on this site; else the fallback."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- what the console's views share ----------------------------------------------------------


def page_url(business, name, **kwargs):
    """The address of one of the business's pages (`web:<name>`)."""
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def role_can(request, capability) -> bool:
    """Whether the signed-in member's role includes `capability` (set by `console_page`)."""
    membership = getattr(request, "membership", None)
    return bool(membership and membership.can(capability))


def save_form(form, call):
    """The service's outcome for the form's input, or None with its refusals shown beside
    the fields (a missing object is the page's 404)."""
    try:
        return call(form.input)
    except errors.DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        form.add_domain_error(exc)
    return None


def attempt(request, call):
    """Run one service call; its refusal becomes a message. Returns the outcome or None."""
    try:
        return call()
    except errors.DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return None


def epc_qr(bank, amount_minor: int, reference: str):
    """The EPC QR code ("GiroCode", EPC069-12) of a transfer to the business: its IBAN, the
    amount and the RF reference, which Italian and European banking apps read (a segno QR)."""
    import segno.helpers

    return segno.helpers.make_epc_qr(
        name=bank.holder[:70],
        iban=bank.iban,
        amount=amount_minor / 100,
        reference=reference,
        bic=bank.bic or None,
    )


def epc_qr_response(bank, amount_minor: int, reference: str):
    """The EPC QR code as an SVG image, for a private page (never cached)."""
    import io

    from django.http import HttpResponse

    out = io.BytesIO()
    epc_qr(bank, amount_minor, reference).save(out, kind="svg", scale=4, border=2, dark="#111111")
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
