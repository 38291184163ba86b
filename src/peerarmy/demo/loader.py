"""The demo: Bici Gialla (a bike shop in Bologna) and Lecce B&B, with customers, peers, programs.

The data is built by plain, deterministic functions (fixed seeds, hand-written name lists) and
written by `load_demo`, which `peerarmy demo` and the tests call. Nothing here sends e-mail or
leaves anything in the outbox: the demo people are made up, at `.example`, `example.org` and
`example.it`. (The delivery schedule is claimed through the scheduling services, which write
e-mails to the outbox; the load deletes them before it commits.)
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from peerarmy.analytics.figures import refresh_all
from peerarmy.chipin.services import purge_business as purge_chipin
from peerarmy.customers.importers.readers import UnreadableFile
from peerarmy.customers.inputs import ImportInput
from peerarmy.customers.models import Customer
from peerarmy.customers.services import import_file
from peerarmy.inputs import parse
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import Peer, PeerLanguage, Skill
from peerarmy.programs.inputs import ProgramInput
from peerarmy.programs.models import Program
from peerarmy.programs.services import create_program, publish_program
from peerarmy.resale.services import purge_business as purge_resale
from peerarmy.rewards.ledger import purge_business
from peerarmy.sharing.services import purge_business as purge_sharing
from peerarmy.superfans.services import score_business
from peerarmy.tenancy.inputs import BusinessInput, ClosureInput, MemberInput, ShopSettingsInput
from peerarmy.tenancy.models import Business
from peerarmy.tenancy.services import (
    add_closure,
    add_member,
    create_business,
    set_shop_photo,
    update_shop,
)

from .alliances import load_alliances
from .bicigialla import DEMO_DIR, bici_gialla
from .chipin import load_chipin
from .history import load_year
from .leccebnb import lecce_bnb
from .matching import load_matching
from .notifications import load_notification_settings
from .privacy import load_privacy
from .resale import load_resale
from .reviews import load_reviews
from .rewards import load_rewards_history
from .scheduling import load_delivery_schedule
from .sharing import load_sharing
from .specs import ADMIN_EMAIL, DEMO_DOMAINS, DEMO_PASSWORD, DEMO_SLUGS, DemoConflict, UserSpec
from .spread import load_spread
from .support import load_support
from .trust import load_trust


def demo_specs():
    return [bici_gialla(), lecce_bnb()]


def demo_user_emails(specs=None):
    """Every account the demo creates (the admin, members and peers of both businesses)."""
    emails = {ADMIN_EMAIL}
    for spec in specs or demo_specs():
        emails.add(spec.owner.email)
        emails.update(user.email for user in spec.staff)
        emails.update(peer.user.email for peer in spec.peers)
    return emails


# --- writing it to the database -------------------------------------------------------------


def is_loaded():
    with scopes_disabled():
        return Business.objects.filter(slug=DEMO_SLUGS[0]).exists()


def delete_demo():
    """Delete both demo businesses (with everything they own) and every demo account."""
    with scopes_disabled(), transaction.atomic():
        for business in Business.objects.filter(slug__in=DEMO_SLUGS):
            purge_chipin(business.pk)
            purge_sharing(business.pk)
            purge_resale(business)  # its trade-ins hold vouchers: before the ledger
            purge_business(business.pk)
        Business.objects.filter(slug__in=DEMO_SLUGS).delete()
        accounts = Q(email__in=demo_user_emails())
        for domain in DEMO_DOMAINS:
            accounts |= Q(email__iendswith=f"@{domain}")
        get_user_model().objects.filter(accounts).delete()


def load_demo(*, reset=False):
    """Load the demo; return {slug: counts}, or None if it was already there (and unchanged)."""
    with scopes_disabled(), transaction.atomic():
        if reset:
            delete_demo()
        elif is_loaded():
            return None
        left_over = list(
            Business.objects.filter(slug__in=DEMO_SLUGS).values_list("slug", flat=True)
        )
        if left_over:
            raise DemoConflict(
                f"The business {left_over[0]!r} exists but the demo is not loaded; run "
                "`peerarmy demo --reset` to delete it and start over."
            )
        specs = demo_specs()
        now = timezone.now()
        users = _ensure_users(specs, now)
        counts = {spec.slug: _load_business(spec, users, now) for spec in specs}
        # Score at once, so the console shows ranked superfans the moment the demo opens.
        for business in Business.objects.filter(slug__in=DEMO_SLUGS):
            with scope(business=business):
                score_business(business)
        shop = Business.objects.get(slug=DEMO_SLUGS[0])
        counts[shop.slug]["blocks"] = load_delivery_schedule(shop, now)
        counts[shop.slug]["rewards"] = load_rewards_history(shop, now)
        counts[shop.slug]["matching"] = load_matching(shop, now)
        counts[shop.slug]["a year"] = load_year(shop, now)
        with scope(business=shop):
            counts[shop.slug]["reviews"] = load_reviews(shop, now)
        for business in Business.objects.filter(slug__in=DEMO_SLUGS):
            with scope(business=business):
                counts[business.slug]["trust"] = load_trust(business, now)
        with scope(business=shop):
            counts[shop.slug]["support"] = load_support(shop, now)
        with scope(business=shop):
            counts[shop.slug]["chip in"] = load_chipin(shop, now)
        with scope(business=shop):
            counts[shop.slug]["sharing"] = load_sharing(shop, now)
        with scope(business=shop):
            counts[shop.slug]["resale"] = load_resale(shop, now)
        for business in Business.objects.filter(slug__in=DEMO_SLUGS):
            with scope(business=business):
                counts[business.slug]["notification settings"] = load_notification_settings(
                    business
                )
        counts[DEMO_SLUGS[0]]["alliance"] = load_alliances(now)  # with Lecce B&B
        counts[shop.slug]["share links"] = load_spread(shop, now)  # after the imports
        counts[shop.slug]["privacy"] = load_privacy(shop, now)  # requests and the audit trail
        # The services wrote confirmation e-mails to made-up people: none of them leaves.
        OutboxMessage.objects.filter(business__slug__in=DEMO_SLUGS).delete()
        # the owner's dashboard reads figures made from all of the above
        for business in Business.objects.filter(slug__in=DEMO_SLUGS):
            counts[business.slug]["dashboard figures"] = refresh_all(business, now=now)
        return counts


def _ensure_users(specs, now):
    """Create the demo accounts that do not exist yet, with verified e-mail; return them all."""
    wanted = {ADMIN_EMAIL: UserSpec(ADMIN_EMAIL, is_superuser=True)}
    for spec in specs:
        for user in [spec.owner, *spec.staff, *(peer.user for peer in spec.peers)]:
            wanted.setdefault(user.email, user)
    User = get_user_model()
    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    # One hash for every demo account: they share the password, and hashing it forty times
    # with the production hasher would take longer than loading everything else.
    password = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        [
            User(
                email=u.email,
                first_name=u.first_name,
                last_name=u.last_name,
                language=u.language,
                password=password,
                is_staff=u.is_superuser,
                is_superuser=u.is_superuser,
                date_joined=now,
            )
            for email, u in wanted.items()
            if email not in existing
        ]
    )
    users = {u.email: u for u in User.objects.filter(email__in=wanted)}
    addresses = EmailAddress.objects.filter(email__in=wanted)
    addresses.filter(verified=False).update(verified=True)
    have_address = set(addresses.values_list("email", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=users[email], email=email, verified=True, primary=True)
            for email in wanted
            if email not in have_address
        ]
    )
    return users


def _import_files(business, imports):
    """Import the demo's files with the real importers; return the business's customers."""
    for kind, name in imports:
        path = DEMO_DIR / name
        if not path.exists():
            raise DemoConflict(
                f"The demo file {path} is missing; `python demo/make_demo_files.py` writes it."
            )
        try:
            data = ImportInput(kind=kind)
            import_file(business, data, path, language="it", filename=name, rescore=False)
        except UnreadableFile as exc:
            raise DemoConflict(f"The demo file {path} cannot be imported: {exc.message}") from exc
    return list(Customer.objects.filter(business=business))


def _describe_shop(business, owner, spec, now):
    """Where and when to find the shop, and its pictures, through the console's own services."""
    settings = ShopSettingsInput.of(business).model_dump()
    settings.update(address=spec.address, phone=spec.phone)
    settings.update({f"hours_{day}": text for day, text in spec.hours.items()})
    update_shop(business, owner, parse(ShopSettingsInput, settings))
    today = timezone.localdate(now, timezone=business.tzinfo)
    for starts_in, days, note in spec.closures:
        first = today + timedelta(days=starts_in)
        add_closure(
            business,
            owner,
            ClosureInput(first=first, last=first + timedelta(days=days - 1), note=note),
        )
    for kind in ("logo", "cover"):
        name = getattr(spec, kind)
        if name:
            set_shop_photo(business, owner, kind, (DEMO_DIR / name).read_bytes())


def _load_business(spec, users, now):
    def ago(days):
        return now - timedelta(days=days, minutes=17 * (days % 50))

    business, owner, _created = create_business(
        data=BusinessInput(
            slug=spec.slug,
            name=spec.name,
            owner_email=spec.owner.email,
            city=spec.city,
            default_language="it",
            timezone="Europe/Rome",
            currency="EUR",
            brand_color=spec.brand_color,
            contact_email=spec.contact_email,
            tagline_it=spec.tagline_it,
            tagline_en=spec.tagline_en,
            about_it=spec.about_it,
            about_en=spec.about_en,
        )
    ).value
    for member in spec.staff:
        add_member(business=business, actor=owner, data=MemberInput(email=member.email))
    _describe_shop(business, owner, spec, now)

    skills = {
        s.slug: s
        for s in Skill.objects.bulk_create(
            [
                Skill(business=business, slug=slug, name_it=name_it, name_en=name_en)
                for slug, name_it, name_en in spec.skills
            ]
        )
    }

    if spec.imports:
        customers = _import_files(business, spec.imports)
    else:
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    business=business,
                    email=c.email,
                    first_name=c.person.first_name,
                    last_name=c.person.last_name,
                    city=c.city,
                    language=c.language,
                    accepts_marketing=c.accepts_marketing,
                    external_id=c.external_id,
                )
                for c in spec.customers
            ]
        )
    # created_at is auto_now_add, so the history is written afterwards.
    since = {c.email: c.since_days for c in spec.customers}
    for customer in customers:
        customer.created_at = ago(since.get(customer.email, 0))
    Customer.objects.bulk_update(customers, ["created_at"])
    customers_by_email = {c.email: c for c in customers}

    peers = Peer.objects.bulk_create(
        [
            Peer(
                business=business,
                user=users[p.user.email],
                customer=customers_by_email.get(p.customer_email),
                status=p.status,
                display_name=p.display_name,
                bio=p.bio,
                home_address=p.home_address,
                latitude=p.latitude,
                longitude=p.longitude,
                travel_radius_km=p.travel_radius_km,
                showcase_links=p.showcase_links,
                reliability=p.reliability,
                decided_at=ago(p.decided_days_ago) if p.decided_days_ago is not None else None,
                decided_by=owner if p.decided_days_ago is not None else None,
                rejection_reason=p.rejection_reason,
            )
            for p in spec.peers
        ]
    )
    for peer, p in zip(peers, spec.peers, strict=True):
        peer.applied_at = ago(p.applied_days_ago)
    Peer.objects.bulk_update(peers, ["applied_at"])
    PeerLanguage.objects.bulk_create(
        [
            PeerLanguage(business=business, peer=peer, language=code, level=level)
            for peer, p in zip(peers, spec.peers, strict=True)
            for code, level in p.languages.items()
        ]
    )
    Peer.skills.through.objects.bulk_create(
        [
            Peer.skills.through(peer_id=peer.pk, skill_id=skills[slug].pk)
            for peer, p in zip(peers, spec.peers, strict=True)
            for slug in p.skills
        ]
    )

    # Programs through their input and service, as the console makes them; only the date of
    # publication is history (a service publishes now).
    for p in spec.programs:
        program = create_program(
            business=business,
            actor=owner,
            data=ProgramInput(
                kind=p.kind,
                slug=p.slug,
                title_it=p.title_it,
                title_en=p.title_en,
                summary_it=p.summary_it,
                summary_en=p.summary_en,
                description_it=p.description_it,
                description_en=p.description_en,
                required_skills=list(p.required_skills),
                required_languages=list(p.required_languages),
                min_reliability=p.min_reliability,
            ),
        ).value
        if p.published_days_ago is not None:
            publish_program(business=business, actor=owner, program=program)
            Program.objects.filter(pk=program.pk).update(published_at=ago(p.published_days_ago))

    return {"customers": len(customers), "peers": len(peers), "programs": len(spec.programs)}


# --- the delivery schedule ------------------------------------------------------------------
