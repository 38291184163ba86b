"""Every change of people's rights (GDPR): the person's own export and request for erasure (from
the peer's app, or through a link e-mailed to a customer without an account), staff completing
or refusing it within the legal month, staff's export for a subject-access request, and the
audit trail of who saw and exported personal data.

What a business holds about a person is spread over every app; each app's `privacy.py` knows
its own rows (`registry`), so this module knows none of them by name beyond the peer and the
account (to tell who the person is).

Decisions (docs/privacy.md says more):
- An erasure is done by staff (owner or staff: the CUSTOMERS capability, as every export of
  personal data), within a month of the request (GDPR art. 12(3)); the worker reminds them of
  requests due within a week.
- Money still owed to the person, or work still to come, blocks the erasure (each app says
  what: `blockers`) until it is settled; the request waits meanwhile. Points and vouchers lapse.
- Payment records are kept for ten years (the law on accounting records); the ledger is never
  changed: its accounts name the peer by number, and the peer row is what is anonymised.
- An erasure covers one business. The account is closed too only when the person asks for it
  and no other business holds them (a peer profile or a place in a team elsewhere).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from peerarmy.accounts import privacy as account_privacy
from peerarmy.errors import DomainError, InvalidTransition, NotFound
from peerarmy.inputs import Outcome
from peerarmy.notifications import privacy as outbox_privacy
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy import privacy as kit
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.selectors import members_of
from peerarmy.tenancy.services import check_can, check_is_owner

from . import archive, registry, selectors
from .inputs import DataLinkInput, ErasureInput, RefusalInput, SubjectExportInput
from .models import (
    AccessAction,
    AccessRecord,
    DataLink,
    ErasureRequest,
    ErasureStatus,
    Via,
)

LINK_HOURS = 24
LINK_SALT = "peerarmy.privacy.data-link"
LINKS_PER_HOUR = 3  # per address: a mailbox is not flooded by someone typing it again and again
REMIND_DAYS = 7

# What an access record says was seen or exported (`AccessRecord.what`), in words.
WHAT = {
    "data_export": gettext_lazy("All their data (ZIP)"),
    "subject_access_export": gettext_lazy("All their data for a subject-access request (ZIP)"),
    "erasure": gettext_lazy("Erasure of their data"),
    "erasure_request": gettext_lazy("Their erasure request, with what the shop holds"),
    "peer_detail": gettext_lazy("A peer's page"),
    "customer_detail": gettext_lazy("A customer's page"),
    "peers_csv": gettext_lazy("The peers list (CSV)"),
    "superfans_csv": gettext_lazy("The superfans list (CSV)"),
    "audit_csv": gettext_lazy("The audit trail (CSV)"),
}


class LinkInvalid(NotFound):
    code = "link_invalid"
    default_message = gettext_lazy("This link is not valid: ask for a new one.")


class LinkExpired(DomainError):
    code = "link_expired"
    status = 410
    default_message = gettext_lazy("This link has expired: ask for a new one.")


class ErasureBlocked(InvalidTransition):
    code = "erasure_blocked"
    default_message = gettext_lazy("The erasure cannot be done yet.")


# --- who the person is -------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """The person whose data is at stake in one business: their account (None for a customer
    without one), the address they came with, and every address the business knows them by
    (their account's, their customer record's)."""

    user: object
    email: str
    emails: frozenset
    ref: str  # the keyed hash of `email` in this business

    @property
    def subject(self) -> str:
        """How the audit trail names them: by hash, never by address."""
        return f"person {self.ref[:12]}"

    @property
    def language(self) -> str:
        return getattr(self.user, "language", "") or ""


def person_hash(business, email: str) -> str:
    """A keyed hash of the address in this business (HMAC with the installation's secret):
    the same person's requests are found again, and a copy of the database names nobody."""
    message = f"privacy:{business.pk}:{email.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def identify(business, *, user=None, email: str = "") -> Person:
    """The person signed in as `user`, or who came with `email` (an e-mailed link proves they
    read that mailbox, which is also how an account with that address signs in)."""
    email = (email or getattr(user, "email", "") or "").strip().lower()
    if user is None and email:
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    emails = {email} if email else set()
    if user is not None:
        emails.add(user.email.lower())
        with scope(business=business):
            peer = peer_of(business, user)
            if peer is not None and peer.customer_id and peer.customer:
                emails.add(peer.customer.email.lower())
    return Person(
        user=user, email=email, emails=frozenset(emails), ref=person_hash(business, email)
    )


# --- what the business holds -----------------------------------------------------------------


def collect(business, person: Person) -> dict:
    """{app: {table: [row, ...]}}: everything every app holds about the person, with this
    app's own rows (their requests, and who accessed their data)."""
    data = {}
    with scope(business=business):
        for holder in registry.holders():
            data[holder.label] = holder.module.export(
                business, user=person.user, emails=set(person.emails)
            )
        data["privacy"] = {
            "erasure_requests": kit.rows(
                ErasureRequest.objects.filter(business=business, person=person.ref).order_by("pk"),
                [
                    ("number", "pk"),
                    "status",
                    "received_at",
                    "due_at",
                    "decided_at",
                    "refusal_reason",
                ],
            ),
            "accesses": kit.rows(
                selectors.records_about(business, _subjects(business, person)).order_by("at"),
                ["action", "what", "via", "at", ("by_you", "by_subject")],
            ),
        }
    return data


PRIVACY_TABLES = {
    "erasure_requests": gettext_lazy("Your requests to have your data erased."),
    "accesses": gettext_lazy("When your data was seen or exported, and how."),
}


def descriptions() -> dict:
    found = {holder.label: holder.tables() for holder in registry.holders()}
    found["privacy"] = PRIVACY_TABLES
    return found


def _subjects(business, person: Person) -> list[str]:
    """How the audit trail names the person: their hash, their peer and customer numbers."""
    from peerarmy.customers.privacy import customers_of

    found = [person.subject]
    peer = peer_of(business, person.user)
    if peer is not None:
        found.append(f"peer {peer.pk}")
    found += [
        f"customer {pk}"
        for pk in customers_of(business, person.emails).values_list("pk", flat=True)
    ]
    return found


@dataclass(frozen=True)
class Held:
    """One kind of data the business holds about the person, as their page lists it."""

    app: str
    label: str
    words: str
    count: int


def summary(business, person: Person) -> list[Held]:
    """What the business holds about the person, table by table (only those with rows), in
    the active language: their page shows it before they download or ask for erasure."""
    words = descriptions()
    found = []
    for app, tables in collect(business, person).items():
        for label, rows in tables.items():
            if rows:
                text = words.get(app, {}).get(label) or label
                found.append(Held(app, label, str(text), len(rows)))
    return found


def holds_anything(business, person: Person) -> bool:
    """Whether the business keeps anything about the person: their account alone (the
    installation's, which every business's export shows its owner) does not count."""
    data = collect(business, person)
    return any(
        rows
        for app, tables in data.items()
        if app not in ("privacy", "accounts")
        for rows in tables.values()
    )


def _language(business, person: Person, fallback="") -> str:
    language = person.language or fallback or business.default_language or "it"
    return language if language in dict(settings.LANGUAGES) else "it"


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes


def export_own(business, person: Person, *, via=Via.WEB, now=None) -> Download:
    """The person's own archive (GDPR art. 15 and 20), recorded in the audit trail."""
    now = now or timezone.now()
    language = _language(business, person, translation.get_language() or "")
    content = archive.build(
        business=business,
        data=collect(business, person),
        descriptions=descriptions(),
        language=language,
        made_at=now,
        subject=person.email,
    )
    record_access(
        business,
        person.user,
        action=AccessAction.EXPORTED,
        what="data_export",
        subject=person.subject,
        via=via,
        by_subject=True,
        now=now,
    )
    return Download(archive.filename(business, now), content)


def export_for_staff(
    business, actor, data: SubjectExportInput, *, via=Via.WEB, now=None
) -> Download:
    """Everything the business holds on an address, for staff answering a subject-access
    request (owner and staff: the CUSTOMERS capability)."""
    check_can(actor, business, Capability.CUSTOMERS)
    now = now or timezone.now()
    person = identify(business, email=data.email)
    content = archive.build(
        business=business,
        data=collect(business, person),
        descriptions=descriptions(),
        language=_language(business, person),
        made_at=now,
        subject=person.email,
    )
    record_access(
        business,
        actor,
        action=AccessAction.EXPORTED,
        what="subject_access_export",
        subject=person.subject,
        via=via,
        now=now,
    )
    return Download(archive.filename(business, now), content)


# --- the e-mailed link -------------------------------------------------------------------------


def _signer():
    return signing.TimestampSigner(salt=LINK_SALT)


def link_token(link: DataLink, nonce: str) -> str:
    return _signer().sign(f"{link.pk}.{nonce}")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def send_data_link(business, data: DataLinkInput, *, language="", now=None) -> Outcome[bool]:
    """E-mail a link to the address's data, if the business holds any. Says the same either
    way (`value` is for tests and logs only, never shown): nobody learns from the answer
    whether an address is known."""
    now = now or timezone.now()
    person = identify(business, email=data.email)
    with scope(business=business):
        recent = DataLink.objects.filter(
            business=business, email=person.email, created_at__gt=now - timedelta(hours=1)
        ).count()
    if recent >= LINKS_PER_HOUR or not holds_anything(business, person):
        return Outcome(False)
    language = _language(business, person, language)
    nonce = secrets.token_urlsafe(24)
    with transaction.atomic(), scope(business=business):
        link = DataLink.objects.create(
            business=business,
            email=person.email,
            nonce_hash=_hash(nonce),
            language=language,
            created_at=now,
            expires_at=now + timedelta(hours=LINK_HOURS),
        )
        url = settings.SITE_URL + reverse(
            "web:privacy_link",
            kwargs={"business_slug": business.slug, "token": link_token(link, nonce)},
        )
        enqueue_email(
            business=business,
            to=person.email,
            template="privacy/email/data_link",
            context={"link_url": url, "hours": LINK_HOURS},
            language=language,
            event="privacy.data_link",
            secret_keys=("link_url",),
        )
    return Outcome(True, created=True)


def person_from_link(business, token: str, *, now=None) -> Person:
    """The person a link was sent to; LinkInvalid for a link that was never ours (or another
    business's), LinkExpired for one past its time."""
    now = now or timezone.now()
    try:
        value = _signer().unsign(token, max_age=timedelta(hours=LINK_HOURS))
    except signing.SignatureExpired as exc:
        raise LinkExpired() from exc
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc
    link_id, _dot, nonce = value.partition(".")
    if not link_id.isdigit() or not nonce:
        raise LinkInvalid()
    with scope(business=business):
        link = DataLink.objects.filter(business=business, pk=int(link_id)).first()
    if link is None or not hmac.compare_digest(link.nonce_hash, _hash(nonce)):
        raise LinkInvalid()
    if link.expires_at <= now:
        raise LinkExpired()
    return identify(business, email=link.email)


# --- erasure --------------------------------------------------------------------------------------


@dataclass
class Preview:
    """What an erasure would meet now: what stops it, and whether the account could go too."""

    blockers: list = field(default_factory=list)
    can_close_account: bool = False
    pending: ErasureRequest | None = None


def blockers(business, person: Person, *, now=None) -> list[str]:
    now = now or timezone.now()
    found = []
    with scope(business=business):
        for holder in registry.holders():
            check = getattr(holder.module, "blockers", None)
            if check is not None:
                found += check(business, user=person.user, emails=set(person.emails), now=now)
    return found


def preview(business, person: Person, *, now=None) -> Preview:
    with scopes_disabled():
        elsewhere = account_privacy.held_elsewhere(person.user, business)
    with scope(business=business):
        pending = ErasureRequest.objects.filter(
            business=business, person=person.ref, status=ErasureStatus.PENDING
        ).first()
    return Preview(
        blockers=blockers(business, person, now=now),
        can_close_account=person.user is not None and not elsewhere,
        pending=pending,
    )


def one_month_after(moment: datetime, zone) -> datetime:
    """The same time a calendar month later, in the business's zone (31 January: the last day
    of February), as GDPR art. 12(3) counts."""
    local = timezone.localtime(moment, zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _when(moment, business, language) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment, business.tzinfo), "DATE_FORMAT")


def _requests_url(business) -> str:
    return settings.SITE_URL + reverse(
        "web:manage_privacy_requests", kwargs={"business_slug": business.slug}
    )


def _tell_staff(business, template, context, event):
    for membership in members_of(business):
        if not membership.can(Capability.CUSTOMERS) or not membership.user.is_active:
            continue
        language = membership.user.language or business.default_language
        enqueue_email(
            business=business,
            to=membership.user.email,
            template=template,
            context={**context, "requests_url": _requests_url(business)},
            language=language,
            event=event,
        )


def request_erasure(
    business, person: Person, data: ErasureInput, *, via=Via.WEB, language="", now=None
) -> Outcome[ErasureRequest]:
    """The person asks for their data to be erased (after confirming). A request already
    waiting is the same request (replayed). The person and staff are told by e-mail."""
    now = now or timezone.now()
    if not person.email:
        raise InvalidTransition(_("We need an e-mail address to answer you."), field="email")
    language = _language(business, person, language)
    with transaction.atomic(), scope(business=business):
        existing = (
            ErasureRequest.objects.select_for_update()
            .filter(business=business, person=person.ref, status=ErasureStatus.PENDING)
            .first()
        )
        if existing is not None:
            return Outcome(existing, replayed=True)
        with scopes_disabled():
            close = data.close_account and not account_privacy.held_elsewhere(person.user, business)
        made = ErasureRequest.objects.create(
            business=business,
            email=person.email,
            person=person.ref,
            user=person.user,
            language=language,
            close_account=bool(close and person.user is not None),
            via=via,
            received_at=now,
            due_at=one_month_after(now, business.tzinfo),
        )
        enqueue_email(
            business=business,
            to=person.email,
            template="privacy/email/erasure_received",
            context={
                "request": made,
                "due": _when(made.due_at, business, language),
                "blockers": blockers(business, person, now=now),
            },
            language=language,
            event="privacy.erasure_received",
        )
        _tell_staff(
            business,
            "privacy/email/erasure_staff",
            {"request": made, "due": _when(made.due_at, business, business.default_language)},
            "privacy.erasure_staff",
        )
    return Outcome(made, created=True)


def withdraw_erasure(business, person: Person, *, now=None) -> Outcome[ErasureRequest]:
    """The person takes back their request while it waits."""
    now = now or timezone.now()
    with transaction.atomic(), scope(business=business):
        found = (
            ErasureRequest.objects.select_for_update()
            .filter(business=business, person=person.ref, status=ErasureStatus.PENDING)
            .first()
        )
        if found is None:
            raise NotFound()
        found.status = ErasureStatus.WITHDRAWN
        found.decided_at = now
        found.save(update_fields=["status", "decided_at"])
    return Outcome(found)


def erase_person(business, person: Person, *, now=None) -> dict[str, int]:
    """Anonymise or delete everything the business holds about the person, app by app (the
    highest first); then the messages to others that named them. Returns rows per app."""
    now = now or timezone.now()
    counts = {}
    emails = set(person.emails)
    with scope(business=business), kit.one_erasure():
        names = set()
        for holder in registry.holders():
            find = getattr(holder.module, "names", None)
            if find is not None:
                names |= set(find(business, user=person.user, emails=emails))
        for holder in registry.erasing_order():
            counts[holder.label] = holder.module.erase(
                business, user=person.user, emails=emails, now=now
            )
        counts["mentions"] = outbox_privacy.forget_mentions(business, emails | names)
        counts["links"] = DataLink.objects.filter(
            business=business, email__in=sorted(emails)
        ).delete()[0]
        # their own past requests and their own downloads name them no more
        counts["requests"] = (
            ErasureRequest.objects.filter(business=business, person=person.ref)
            .exclude(status=ErasureStatus.PENDING)
            .update(email="", user=None)
        )
        if person.user is not None:
            counts["accesses"] = AccessRecord.objects.filter(
                business=business, actor=person.user, by_subject=True
            ).update(actor=None)
    return counts


def _get_request(business, erasure_id, *, for_update=False) -> ErasureRequest:
    found = ErasureRequest.objects.filter(business=business, pk=erasure_id)
    if for_update:
        found = found.select_for_update()
    request = found.first()
    if request is None:
        raise NotFound()
    return request


def complete_erasure(
    business, actor, erasure_id, *, via=Via.WEB, now=None
) -> Outcome[ErasureRequest]:
    """Staff carry out a waiting request: refused while something blocks it (each blocker in
    words); the person is e-mailed, and that e-mail is deleted once it has left."""
    check_can(actor, business, Capability.CUSTOMERS)
    now = now or timezone.now()
    with transaction.atomic(), scope(business=business):
        request = _get_request(business, erasure_id, for_update=True)
        if not request.is_pending:
            raise InvalidTransition(_("This request has already been answered."))
        person = identify(business, user=request.user, email=request.email)
        found = blockers(business, person, now=now)
        if found:
            raise ErasureBlocked(
                _("It cannot be done yet: %(blockers)s") % {"blockers": " ".join(found)}
            )
        counts = erase_person(business, person, now=now)
        closed = False
        if request.close_account and person.user is not None:
            with scopes_disabled():
                if not account_privacy.held_elsewhere(person.user, business):
                    counts["account"] = account_privacy.close_account(person.user)
                    closed = True
        message = enqueue_email(
            business=business,
            to=person.email,
            template="privacy/email/erasure_completed",
            context={
                "request": request,
                "account_closed": closed,
                "account_kept": person.user is not None and not closed,
            },
            language=request.language,
            event="privacy.erasure_completed",
        )
        request.status = ErasureStatus.COMPLETED
        request.decided_at = now
        request.decided_by = actor
        request.email = ""
        request.user = None
        request.outcome = {
            "rows": sum(counts.values()),
            "by_app": counts,
            "account_closed": closed,
        }
        request.outcome_messages = [message.pk]
        request.save()
        record_access(
            business,
            actor,
            action=AccessAction.ERASED,
            what="erasure",
            subject=person.subject,
            via=via,
            now=now,
        )
    return Outcome(request)


def refuse_erasure(
    business, actor, erasure_id, data: RefusalInput, *, via=Via.WEB, now=None
) -> Outcome[ErasureRequest]:
    """Staff refuse a waiting request with a reason, which the person is e-mailed word for
    word (a legal obligation to keep the data, an unverified request)."""
    check_can(actor, business, Capability.CUSTOMERS)
    now = now or timezone.now()
    with transaction.atomic(), scope(business=business):
        request = _get_request(business, erasure_id, for_update=True)
        if not request.is_pending:
            raise InvalidTransition(_("This request has already been answered."))
        data.require()
        request.status = ErasureStatus.REFUSED
        request.decided_at = now
        request.decided_by = actor
        request.refusal_reason = data.reason
        request.save()
        if request.email:
            enqueue_email(
                business=business,
                to=request.email,
                template="privacy/email/erasure_refused",
                context={"request": request, "reason": data.reason},
                language=request.language,
                event="privacy.erasure_refused",
            )
    return Outcome(request)


# --- the audit trail ---------------------------------------------------------------------------


def record_access(
    business, actor, *, action, what, subject, via=Via.WEB, by_subject=False, now=None
) -> AccessRecord:
    """Write down that `actor` saw, exported or erased personal data of `subject` ("peer 12",
    "customer 40", "list", a person's hash)."""
    with scope(business=business):
        return AccessRecord.objects.create(
            business=business,
            actor=actor if getattr(actor, "pk", None) else None,
            by_subject=by_subject,
            action=action,
            what=what,
            subject=subject[:80],
            via=via,
            at=now or timezone.now(),
        )


def peer_viewed(business, actor, peer_id, *, via=Via.WEB) -> AccessRecord:
    return record_access(
        business,
        actor,
        action=AccessAction.VIEWED,
        what="peer_detail",
        subject=f"peer {peer_id}",
        via=via,
    )


def customer_viewed(business, actor, customer_id, *, via=Via.WEB) -> AccessRecord:
    return record_access(
        business,
        actor,
        action=AccessAction.VIEWED,
        what="customer_detail",
        subject=f"customer {customer_id}",
        via=via,
    )


def list_exported(business, actor, what, *, via=Via.WEB) -> AccessRecord:
    """A CSV of many people's data (the peers, the superfans) left the console."""
    return record_access(
        business, actor, action=AccessAction.EXPORTED, what=what, subject="list", via=via
    )


def check_can_audit(actor, business):
    """The audit trail is the owner's: it shows what every member of the team looked at."""
    return check_is_owner(actor, business)


def audit_csv(business, actor, filters, *, via=Via.WEB) -> Download:
    """The audit trail as filtered, for Excel; the download itself is recorded."""
    from peerarmy import excel

    check_can_audit(actor, business)
    now = timezone.now()
    header = [_("When"), _("Who"), _("Action"), _("What"), _("Whose"), _("Through")]
    lines = []
    for record in selectors.access_records(business, filters):
        lines.append(
            [
                timezone.localtime(record.at, business.tzinfo),
                selectors.actor_words(record),
                record.get_action_display(),
                str(WHAT.get(record.what, record.what)),
                selectors.subject_words(record.subject),
                record.get_via_display(),
            ]
        )
    record_access(
        business,
        actor,
        action=AccessAction.EXPORTED,
        what="audit_csv",
        subject="list",
        via=via,
        now=now,
    )
    return Download(
        f"{business.slug}-audit-{now:%Y-%m-%d}.csv", excel.write(header, lines).encode()
    )


# --- the worker's jobs ----------------------------------------------------------------------------


def remind_due(now=None) -> int:
    """Tell each business's owner and staff, once, of the requests due within a week."""
    now = now or timezone.now()
    told = 0
    with scopes_disabled():
        due = list(
            ErasureRequest.objects.filter(
                status=ErasureStatus.PENDING,
                reminded_at__isnull=True,
                due_at__lte=now + timedelta(days=REMIND_DAYS),
            )
            .select_related("business")
            .order_by("business_id", "due_at")
        )
    by_business = {}
    for request in due:
        by_business.setdefault(request.business, []).append(request)
    for business, requests in by_business.items():
        with transaction.atomic(), scope(business=business):
            items = [
                {"number": r.pk, "due": _when(r.due_at, business, business.default_language)}
                for r in requests
            ]
            _tell_staff(
                business,
                "privacy/email/erasure_reminder",
                {"requests": items},
                "privacy.erasure_reminder",
            )
            told += ErasureRequest.objects.filter(
                business=business, pk__in=[r.pk for r in requests], reminded_at__isnull=True
            ).update(reminded_at=now)
    return told


def forget_sent_outcomes() -> int:
    """Delete the e-mails that told people their data was erased, once they have left."""
    forgotten = 0
    with scopes_disabled():
        waiting = list(
            ErasureRequest.objects.filter(
                status=ErasureStatus.COMPLETED, outcome_messages__0__isnull=False
            ).select_related("business")
        )
    for request in waiting:
        with transaction.atomic(), scope(business=request.business):
            left = outbox_privacy.forget_delivered(request.business, request.outcome_messages)
            forgotten += len(request.outcome_messages) - len(left)
            ErasureRequest.objects.filter(pk=request.pk).update(outcome_messages=left)
    return forgotten
