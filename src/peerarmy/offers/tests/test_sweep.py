"""New work reaches the peers who could take it, once, in one message per sweep, at once or in
a daily digest, never in their quiet hours; nothing reaches a peer who turned it off, and
nothing is sent about work already taken or started."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from peerarmy.matching.models import MatchRequest, RequestStatus
from peerarmy.matching.tests.factories import (
    matching_program,
    next_monday,
    offering_peer,
    open_request,
)
from peerarmy.notifications.models import OutboxMessage, PushSubscription
from peerarmy.offers import services
from peerarmy.peers.inputs import NotificationSettingsInput
from peerarmy.peers.models import NotificationSettings, OfferedWork, OfferStatus, OfferSweep
from peerarmy.peers.services import update_notification_settings
from peerarmy.programs.models import ProgramStatus
from peerarmy.scheduling.models import Block
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    BusinessFactory,
    PeerFactory,
    ProgramFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

MILAN = ("45.464200", "9.190000")


def new_work_mail(peer=None):
    found = OutboxMessage.objects.filter(event="offers.new_work", channel="email")
    if peer is not None:
        found = found.filter(recipient=peer.user.email)
    return list(found.order_by("pk"))


def choose(peer, **fields):
    data = NotificationSettingsInput.parse(fields)
    return update_notification_settings(
        business=peer.business, actor=peer.user, peer=peer, data=data
    ).value


def local(business, day_offset, hour, minute=0):
    """A moment `day_offset` days from today on the business's clock."""
    tz = business.tzinfo
    today = timezone.now().astimezone(tz).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), tzinfo=tz)


@pytest.fixture
def noon(business):
    """Tomorrow at noon: outside everyone's quiet hours."""
    return local(business, 1, 12)


@pytest.fixture
def near_peer(business):
    return PeerFactory(business=business, display_name="Giulia")


def block_at(program, when, **fields):
    fields.setdefault("ends_at", when + timedelta(hours=3))
    return BlockFactory(program=program, starts_at=when, **fields)


# --- who gets it ------------------------------------------------------------------------------


def test_a_new_block_reaches_the_peers_who_could_claim_it_once(business, program, noon):
    skill = SkillFactory(business=business, slug="cargo-bike")
    giulia = PeerFactory(business=business, display_name="Giulia", skills=[skill])
    far = PeerFactory(business=business, latitude=MILAN[0], longitude=MILAN[1])
    unskilled = PeerFactory(business=business)
    applicant = ApplicantFactory(business=business)
    quiet = PeerFactory(business=business)
    choose(quiet, new_work="off")
    other_shop_peer = PeerFactory(business=BusinessFactory())
    block = block_at(program, noon + timedelta(days=1), required_skills=[skill])

    assert services.offer_new_work(now=noon) == 1

    (mail,) = new_work_mail()
    assert mail.recipient == giulia.user.email
    assert "Hello Giulia" in mail.body_text
    assert program.title_en in mail.body_text
    assert f"/{business.slug}/me/blocks/?day=" in mail.body_text
    assert f"#block-{block.pk}" in mail.body_text
    assert f"/{business.slug}/me/notifications/" in mail.body_text  # change or stop
    for nobody in (far, unskilled, applicant, quiet, other_shop_peer):
        assert not new_work_mail(nobody)
    # the next sweeps find nothing new to say
    assert services.offer_new_work(now=noon + timedelta(minutes=1)) == 0
    assert services.offer_new_work(now=noon + timedelta(hours=2)) == 0
    assert len(new_work_mail()) == 1
    assert OfferedWork.objects.get().status == OfferStatus.SENT


def test_fifty_new_blocks_make_one_message_per_peer(business, program, near_peer, noon):
    other = PeerFactory(business=business)
    for day in range(1, 11):
        for hour in (8, 10, 13, 15, 17):
            when = local(business, 1 + day, hour)
            block_at(program, when, ends_at=when + timedelta(hours=1))
    assert Block.objects.count() == 50

    assert services.offer_new_work(now=noon) == 2

    for peer in (near_peer, other):
        (mail,) = new_work_mail(peer)
        assert mail.subject == "New work at Bici Gialla: 50 offers"
        assert "And 30 more offers" in mail.body_text  # twenty listed, the rest a link away
    assert OfferedWork.objects.filter(peer=near_peer).count() == 50


def test_a_full_block_is_not_offered(business, program, near_peer, noon):
    block_at(program, noon + timedelta(days=1), capacity=2, seats_taken=2)
    services.offer_new_work(now=noon)
    assert not new_work_mail()
    assert not OfferedWork.objects.exists()


def test_a_block_of_a_draft_program_waits_for_its_publication(business, near_peer, noon):
    draft = ProgramFactory(business=business, status=ProgramStatus.DRAFT)
    block_at(draft, noon + timedelta(days=1))
    services.offer_new_work(now=noon)
    assert not new_work_mail()

    draft.status = ProgramStatus.PUBLISHED
    draft.published_at = noon + timedelta(minutes=10)
    draft.save()
    services.offer_new_work(now=noon + timedelta(minutes=11))
    assert len(new_work_mail(near_peer)) == 1


def test_blocks_far_ahead_are_offered_a_fortnight_before_they_start(
    business, program, near_peer, noon
):
    block_at(program, noon + timedelta(days=20))
    services.offer_new_work(now=noon)
    assert not new_work_mail()
    services.offer_new_work(now=noon + timedelta(days=6, hours=1))
    assert len(new_work_mail(near_peer)) == 1


def test_a_block_added_after_the_last_look_is_offered_in_the_next(
    business, program, near_peer, noon
):
    block_at(program, noon + timedelta(days=1))
    services.offer_new_work(now=noon)
    later = block_at(program, noon + timedelta(days=3))
    Block.objects.filter(pk=later.pk).update(created_at=noon + timedelta(minutes=3))
    services.offer_new_work(now=noon + timedelta(minutes=4))
    first, second = new_work_mail(near_peer)
    assert f"#block-{later.pk}" in second.body_text
    assert f"#block-{later.pk}" not in first.body_text


# --- quiet hours and the digest ---------------------------------------------------------------


def test_work_found_at_night_waits_for_the_end_of_the_quiet_hours(business, program, near_peer):
    choose(near_peer, quiet_start="22:00", quiet_end="07:30")
    night = local(business, 1, 23, 15)  # quiet hours wrap midnight
    block_at(program, night + timedelta(days=2))

    services.offer_new_work(now=night)
    services.offer_new_work(now=local(business, 2, 3, 0))
    services.offer_new_work(now=local(business, 2, 7, 29))
    assert not new_work_mail()
    offer = OfferedWork.objects.get()
    assert offer.due_at == local(business, 2, 7, 30)

    services.offer_new_work(now=local(business, 2, 7, 30))
    assert len(new_work_mail(near_peer)) == 1


def test_a_block_taken_during_the_night_is_never_announced(business, program, near_peer):
    night = local(business, 1, 23, 0)
    block = block_at(program, night + timedelta(days=2), capacity=1)
    services.offer_new_work(now=night)  # default quiet hours: 22:00 to 08:00
    Block.objects.filter(pk=block.pk).update(seats_taken=1)

    services.offer_new_work(now=local(business, 2, 8, 0))
    assert not new_work_mail()
    assert OfferedWork.objects.get().status == OfferStatus.DROPPED


def test_a_started_block_is_never_announced(business, program, near_peer):
    evening = local(business, 1, 21, 0)
    choose(near_peer, new_work="digest", digest_hour=18)
    block_at(program, local(business, 2, 9, 0))
    services.offer_new_work(now=evening)
    services.offer_new_work(now=local(business, 2, 18, 0))
    assert not new_work_mail()
    assert OfferedWork.objects.get().status == OfferStatus.DROPPED


def test_the_daily_digest_lists_at_its_hour_what_opened_and_is_still_open(
    business, program, near_peer
):
    choose(near_peer, new_work="digest", digest_hour=18)
    morning, afternoon = local(business, 1, 9, 0), local(business, 1, 15, 0)
    first = block_at(program, local(business, 3, 10))
    services.offer_new_work(now=morning)
    second = block_at(program, local(business, 4, 10))
    taken = block_at(program, local(business, 5, 10), capacity=1)
    Block.objects.filter(pk__in=[second.pk, taken.pk]).update(
        created_at=afternoon - timedelta(minutes=1)
    )
    services.offer_new_work(now=afternoon)
    Block.objects.filter(pk=taken.pk).update(seats_taken=1)
    services.offer_new_work(now=local(business, 1, 17, 59))
    assert not new_work_mail()

    services.offer_new_work(now=local(business, 1, 18, 0))
    (digest,) = new_work_mail(near_peer)
    assert "Today's new work" in digest.subject
    assert f"#block-{first.pk}" in digest.body_text
    assert f"#block-{second.pk}" in digest.body_text
    assert f"#block-{taken.pk}" not in digest.body_text

    # the next day's digest lists only what opened since
    services.offer_new_work(now=local(business, 2, 18, 0))
    assert len(new_work_mail(near_peer)) == 1


# --- turning it off, changing one's mind ---------------------------------------------------


def test_a_peer_who_turns_it_off_gets_nothing_even_of_work_already_found(
    business, program, near_peer
):
    night = local(business, 1, 23, 0)
    block_at(program, night + timedelta(days=2))
    services.offer_new_work(now=night)
    assert OfferedWork.objects.get().status == OfferStatus.PENDING

    choose(near_peer, new_work="off")
    services.offer_new_work(now=local(business, 2, 9, 0))
    assert not new_work_mail()
    assert OfferedWork.objects.get().status == OfferStatus.DROPPED


def test_removing_the_quiet_hours_sends_what_waited_at_the_next_sweep(business, program, near_peer):
    night = local(business, 1, 23, 0)
    block_at(program, night + timedelta(days=2))
    services.offer_new_work(now=night)
    choose(near_peer, quiet_start=None, quiet_end=None)
    services.offer_new_work(now=night + timedelta(minutes=1))
    assert len(new_work_mail(near_peer)) == 1


def test_push_only_without_a_browser_sends_nothing(business, program, near_peer, noon, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = "pub", "priv"
    choose(near_peer, email=False, push=True)
    block_at(program, noon + timedelta(days=1))
    services.offer_new_work(now=noon)
    assert not OutboxMessage.objects.exists()


# --- web push ---------------------------------------------------------------------------------


def _browser(peer, n=1):
    return PushSubscription.objects.create(
        business=peer.business,
        owner=f"peer:{peer.pk}",
        endpoint=f"https://fcm.googleapis.com/fcm/send/device-{n}",
        endpoint_hash=f"{n:064d}",
        p256dh="key",
        auth="auth",
    )


def test_each_browser_gets_the_push_beside_the_email(business, program, near_peer, noon, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = "pub", "priv"
    phone, laptop = _browser(near_peer, 1), _browser(near_peer, 2)
    block = block_at(program, noon + timedelta(days=1))

    services.offer_new_work(now=noon)

    assert len(new_work_mail(near_peer)) == 1
    pushes = OutboxMessage.objects.filter(channel="webpush").order_by("pk")
    assert {m.payload["subscription_id"] for m in pushes} == {phone.pk, laptop.pk}
    note = pushes[0].payload["notification"]
    assert note["title"] == f"New block: {program.title_en}"
    assert note["url"].startswith(f"/{business.slug}/me/blocks/?day=")
    assert note["url"].endswith(f"#block-{block.pk}")
    # the outbox row names the subscription, not the browser's address
    assert "fcm.googleapis.com" not in pushes[0].recipient


def test_no_push_while_the_installation_has_no_keys(business, program, near_peer, noon, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    _browser(near_peer)
    block_at(program, noon + timedelta(days=1))
    services.offer_new_work(now=noon)
    assert len(new_work_mail(near_peer)) == 1
    assert not OutboxMessage.objects.filter(channel="webpush").exists()


def test_the_message_is_in_the_peers_language(business, program, noon):
    marco = PeerFactory(business=business, display_name="Marco")
    marco.user.language = "it"
    marco.user.save()
    block_at(program, noon + timedelta(days=1))
    services.offer_new_work(now=noon)
    (mail,) = new_work_mail(marco)
    assert "Ciao Marco" in mail.body_text or "Marco" in mail.body_text
    assert program.title_it in mail.body_text
    assert mail.language == "it"


# --- requests waiting for a local -----------------------------------------------------------


def test_a_request_waiting_for_a_local_reaches_the_peers_near_it(business):
    guides = matching_program(business)
    near = offering_peer(business, slots=[], display_name="Near")  # no weekly hours yet
    far = offering_peer(business, slots=[], at=(45.4642, 9.19))
    no_english = offering_peer(business, slots=[], languages=(("it", "native"),))
    paused = offering_peer(business, slots=[])
    paused.matching.accepting = False
    paused.matching.save()
    waiting = open_request(guides)
    proposed = open_request(guides, email="other@example.org")
    MatchRequest.objects.filter(pk=proposed.pk).update(status=RequestStatus.PROPOSED)
    now = next_monday(business, 8) - timedelta(days=1)

    services.offer_new_work(now=now)

    (mail,) = new_work_mail(near)
    assert "Visitors looking for a local near you" in mail.body_text
    assert f"/{business.slug}/me/matching/" in mail.body_text
    assert "2 people" in mail.body_text
    assert "Jane" not in mail.body_text and "jane@example.org" not in mail.body_text
    for nobody in (far, no_english, paused):
        assert not new_work_mail(nobody)
    assert list(OfferedWork.objects.values_list("item_id", flat=True)) == [waiting.pk]


def test_a_request_matched_before_the_message_leaves_is_dropped(business):
    guides = matching_program(business)
    near = offering_peer(business, slots=[])
    choose(near, new_work="digest", digest_hour=18)
    waiting = open_request(guides)
    morning = next_monday(business, 9) - timedelta(days=1)
    services.offer_new_work(now=morning)
    MatchRequest.objects.filter(pk=waiting.pk).update(status=RequestStatus.MATCHED)
    services.offer_new_work(now=morning.replace(hour=18))
    assert not new_work_mail()
    assert OfferedWork.objects.get().status == OfferStatus.DROPPED


# --- two workers, housekeeping ---------------------------------------------------------------


def test_sweeping_again_at_the_same_moment_sends_nothing_twice(business, program, noon):
    peers = [PeerFactory(business=business) for _ in range(3)]
    for day in (1, 2):
        block_at(program, noon + timedelta(days=day))
    assert services.offer_new_work(now=noon) == 3
    # a second worker's sweep of the same minute, and a lease that ran out
    OfferSweep.objects.update(looked_until=None, leased_until=None)
    assert services.offer_new_work(now=noon) == 0
    assert services.look_for_new_work(business, now=noon) == 0
    assert all(len(new_work_mail(peer)) == 1 for peer in peers)
    assert OfferedWork.objects.count() == 6


def test_a_worker_looking_at_a_business_keeps_others_away_until_its_lease_ends(
    business, program, near_peer, noon
):
    OfferSweep.objects.create(business=business, leased_until=noon + timedelta(minutes=2))
    block_at(program, noon + timedelta(days=1))
    assert services.look_for_new_work(business, now=noon) == 0
    assert services.look_for_new_work(business, now=noon + timedelta(minutes=3)) == 1


def test_offers_of_work_long_past_are_forgotten(business, program, near_peer, noon):
    block_at(program, noon + timedelta(days=1))
    services.offer_new_work(now=noon)
    assert OfferedWork.objects.count() == 1
    services.offer_new_work(now=noon + timedelta(days=40))
    assert not OfferedWork.objects.exists()


def test_settings_are_one_row_per_peer(near_peer):
    choose(near_peer, new_work="digest")
    choose(near_peer, new_work="instant")
    assert NotificationSettings.objects.filter(peer=near_peer).count() == 1


def test_looking_costs_the_same_few_queries_for_ten_peers_or_forty(
    business, program, noon, django_assert_max_num_queries
):
    """The look reads the peers, their skills, languages, settings and claims in a fixed
    number of queries, and records every offer in one statement."""
    block_at(program, noon + timedelta(days=1))
    for _ in range(10):
        PeerFactory(business=business)
    with django_assert_max_num_queries(20) as ten:
        assert services.look_for_new_work(business, now=noon) == 10
    second = BusinessFactory()
    block_at(ProgramFactory(business=second), noon + timedelta(days=1))
    for _ in range(40):
        PeerFactory(business=second)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        assert services.look_for_new_work(second, now=noon) == 40
