"""Applying to an army and being decided on, as the applicant and the staff experience it."""

import pytest
from django.core import mail
from django.utils import translation

from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.inputs import InvalidInput
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers import selectors
from peerarmy.peers.inputs import PeerProfileInput, RejectInput
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.services import apply_as_peer, approve_peer, reject_peer, update_profile
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    CustomerFactory,
    PeerFactory,
    SkillFactory,
    UserFactory,
)

GOOD = {
    "display_name": "Giulia",
    "bio": "Pedalo ogni giorno, conosco ogni portico.",
    "languages": [{"code": "it", "level": "native"}, {"code": "en"}],
    "skills": [],
    "home_address": "Via del Pratello 10, Bologna",
    "latitude": 44.4951,
    "longitude": 11.3334,
    "travel_radius_km": 8,
    "showcase_links": ["https://example.org/giulia"],
}

pytestmark = pytest.mark.django_db


def profile(**changes):
    return PeerProfileInput.parse({**GOOD, **changes})


def test_an_applicant_is_recorded_with_profile_and_linked_to_their_customer_record(business, owner):
    repair = SkillFactory(business=business, slug="repair")
    user = UserFactory(email="giulia@example.org")
    customer = CustomerFactory(business=business, email="Giulia@example.org")

    outcome = apply_as_peer(
        business=business, user=user, data=profile(skills=["repair"]), language="it"
    )

    peer = outcome.value
    assert outcome.created
    assert peer.status == PeerStatus.APPLICANT
    assert peer.customer == customer
    assert list(peer.skills.all()) == [repair]
    assert {pl.language: pl.level for pl in peer.languages.all()} == {
        "it": "native",
        "en": "fluent",
    }
    user.refresh_from_db()
    assert user.language == "it"
    # the owner hears about the new applicant, through the outbox
    assert OutboxMessage.objects.filter(event="peer.applied", recipient=owner.email).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Tell us the name to show to others."),
        ({"display_name": "x" * 81}, "display_name", "Use at most 80 characters."),
        ({"bio": "x" * 1001}, "bio", "Use at most 1000 characters."),
        ({"languages": []}, "languages", "Choose at least one language you speak."),
        ({"languages": [{"code": "xx"}]}, "languages.0.code", "Unknown language “xx”."),
        (
            {"languages": [{"code": "it", "level": "superb"}]},
            "languages.0.level",
            "Unknown language level “superb”.",
        ),
        ({"languages": [{"code": "it"}, {"code": "it"}]}, "languages", "Name each language once."),
        ({"latitude": None}, "latitude", "Give both latitude and longitude, or neither."),
        ({"latitude": 91, "longitude": 11}, "latitude", "Enter a value of at most 90."),
        ({"longitude": -181, "latitude": 44}, "longitude", "Enter a value of at least -180."),
        ({"latitude": "inf", "longitude": 11}, "latitude", "Enter a number."),
        (
            {"latitude": None, "longitude": None, "home_address": ""},
            "home_address",
            "Tell us your home area: a town or a postcode, or use your location.",
        ),
        ({"home_address": "x" * 201}, "home_address", "Use at most 200 characters."),
        ({"travel_radius_km": 0}, "travel_radius_km", "Enter a value of at least 1."),
        ({"travel_radius_km": 501}, "travel_radius_km", "Enter a value of at most 500."),
        ({"travel_radius_km": "far"}, "travel_radius_km", "Enter a whole number."),
        ({"showcase_links": ["javascript:alert(1)"]}, "showcase_links", "is not a web address"),
        (
            {"showcase_links": ["https://example.org/" + "x" * 300]},
            "showcase_links",
            "is not a web address",
        ),
        (
            {"showcase_links": [f"https://example.org/{i}" for i in range(6)]},
            "showcase_links",
            "Add at most 5 links.",
        ),
    ],
)
def test_a_bad_profile_names_the_field_in_words(change, field, message):
    with pytest.raises(InvalidInput) as exc:
        profile(**change)
    assert [f for f, _m in exc.value.errors] == [field]
    assert message in exc.value.errors[0][1]


def test_every_fault_of_a_profile_is_named_at_once():
    with pytest.raises(InvalidInput) as exc:
        profile(display_name="", bio="x" * 1001, travel_radius_km=900, languages=[])
    assert {f for f, _m in exc.value.errors} == {
        "display_name",
        "bio",
        "travel_radius_km",
        "languages",
    }


def test_a_profile_is_tidied_coordinates_to_six_places_links_and_skills_once():
    data = profile(
        latitude="44.4951234567",
        longitude=11.3334,
        skills=["repair", "repair", "guide"],
        showcase_links=["  https://example.org/a ", "", "   "],
        display_name="  Giulia  ",
    )
    assert str(data.latitude) == "44.495123"
    assert data.skills == ["repair", "guide"]
    assert data.showcase_links == ["https://example.org/a"]
    assert data.display_name == "Giulia"
    assert data.levels == {"it": "native", "en": "fluent"}


def test_an_address_alone_or_coordinates_alone_are_a_home_area():
    assert profile(latitude=None, longitude=None).home_address
    assert profile(home_address="").latitude is not None


def test_unknown_skills_are_named_together_and_nothing_is_stored(business):
    SkillFactory(business=business, slug="repair")
    user = UserFactory()
    with pytest.raises(InvalidInput) as exc:
        apply_as_peer(
            business=business, user=user, data=profile(skills=["repair", "juggling", "abseil"])
        )
    assert exc.value.errors == [("skills", "Unknown skill: abseil, juggling.")]
    assert not Peer.objects.filter(user=user).exists()


def test_another_business_s_skill_is_unknown(business, other_business):
    SkillFactory(business=other_business, slug="surf")
    with pytest.raises(InvalidInput):
        apply_as_peer(business=business, user=UserFactory(), data=profile(skills=["surf"]))


def test_one_application_per_business_but_one_account_works_across_businesses(
    business, other_business
):
    user = UserFactory()
    apply_as_peer(business=business, user=user, data=profile())
    with pytest.raises(InvalidTransition):
        apply_as_peer(business=business, user=user, data=profile())
    apply_as_peer(business=other_business, user=user, data=profile())
    assert Peer.objects.filter(user=user).count() == 2


def test_staff_approve_and_the_peer_is_told_in_their_language(
    business, staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business, user=UserFactory(language="it"))
    with django_capture_on_commit_callbacks(execute=True):
        peer = approve_peer(business=business, actor=staff, peer=applicant).value
    assert peer.status == PeerStatus.ACTIVE
    assert peer.decided_by == staff
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [applicant.user.email]
    assert "Bici Gialla" in mail.outbox[0].subject
    message = OutboxMessage.objects.get(event="peer.approved")
    assert message.language == "it"
    assert message.status == "sent"


def test_a_rejection_needs_a_reason_and_the_applicant_reads_it(
    business, staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(business=business, user=UserFactory(language="en"))
    with pytest.raises(ValidationFailed) as exc:
        RejectInput.parse({"reason": "  "})
    assert exc.value.errors == [("reason", "Give the applicant a reason.")]
    with pytest.raises(ValidationFailed) as exc:
        RejectInput.parse({"reason": "x" * 1001})
    assert exc.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        reject_peer(
            business=business,
            actor=staff,
            peer=applicant,
            data=RejectInput(reason="We only take riders in Bologna for now."),
        )
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.REJECTED
    assert "We only take riders in Bologna for now." in mail.outbox[0].body


def test_only_members_of_the_business_decide(business, other_staff, peer):
    applicant = ApplicantFactory(business=business)
    with pytest.raises(PermissionDenied):
        approve_peer(business=business, actor=other_staff, peer=applicant)
    with pytest.raises(PermissionDenied):
        approve_peer(business=business, actor=peer.user, peer=applicant)
    applicant.refresh_from_db()
    assert applicant.status == PeerStatus.APPLICANT


def test_an_active_peer_cannot_be_approved_twice(business, staff, peer):
    with pytest.raises(InvalidTransition):
        approve_peer(business=business, actor=staff, peer=peer)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("active", "This peer is already in the army; only applicants can be decided on."),
        ("rejected", "This application was already rejected; only applicants can be decided on."),
        ("suspended", "This peer is suspended; only applicants can be decided on."),
    ],
)
def test_a_peer_who_is_no_longer_an_applicant_is_told_so_in_one_sentence(
    business, staff, status, message
):
    decided = PeerFactory(business=business, status=status)
    with translation.override("en"), pytest.raises(InvalidTransition) as exc:
        approve_peer(business=business, actor=staff, peer=decided)
    assert exc.value.message == message


def test_a_decided_peer_comes_back_with_what_pages_and_the_api_show(
    business, staff, django_assert_num_queries
):
    repair = SkillFactory(business=business, slug="repair")
    approved = approve_peer(
        business=business,
        actor=staff,
        peer=ApplicantFactory(business=business, skills=[repair], languages=["it"]),
    ).value
    rejected = reject_peer(
        business=business,
        actor=staff,
        peer=ApplicantFactory(business=business, skills=[repair], languages=["en"]),
        data=RejectInput(reason="Not this season."),
    ).value

    with django_assert_num_queries(0):
        shown = [
            (
                peer.status,
                peer.user.email,
                peer.skill_slugs,
                [pl.language for pl in peer.language_list],
            )
            for peer in (approved, rejected)
        ]
    assert shown == [
        ("active", approved.user.email, ["repair"], ["it"]),
        ("rejected", rejected.user.email, ["repair"], ["en"]),
    ]


def test_the_selectors_give_peers_with_what_pages_and_the_api_show(
    business, django_assert_num_queries
):
    repair = SkillFactory(business=business, slug="repair")
    applicant = ApplicantFactory(business=business, skills=[repair], languages=["it", "fr"])
    listed = list(selectors.peers_for_business(business))
    found = selectors.get_peer(business, applicant.pk)
    (waiting,) = selectors.applicants(business, limit=5)

    with django_assert_num_queries(0):
        for peer in (*listed, found, waiting):
            assert (peer.user.email, peer.skill_list, peer.skill_slugs) == (
                applicant.user.email,
                [repair],
                ["repair"],
            )
            assert sorted(pl.language for pl in peer.language_list) == ["fr", "it"]


def test_a_peer_edits_their_profile(business, peer):
    outcome = update_profile(
        business=business,
        actor=peer.user,
        peer=peer,
        data=profile(display_name="Giulia B.", languages=[{"code": "it", "level": "native"}]),
    )
    assert not outcome.created
    # the value is the peer as saved, not what was read before the change
    assert outcome.value.language_codes == {"it"}
    peer.refresh_from_db()
    assert peer.display_name == "Giulia B."
    assert peer.language_codes == {"it"}


def test_a_profile_saved_shows_its_new_languages_even_when_the_old_were_read(
    business, django_assert_num_queries
):
    peer = selectors.get_peer(business, PeerFactory(business=business, languages=["it"]).pk)
    assert peer.language_codes == {"it"}  # prefetched

    saved = update_profile(
        business=business,
        actor=peer.user,
        peer=peer,
        data=profile(languages=[{"code": "fr"}, {"code": "de"}]),
    ).value

    with django_assert_num_queries(0):
        assert saved.language_codes == {"fr", "de"}
        assert saved.skill_slugs == []


def test_only_the_peer_edits_their_profile(business, other_business, peer, staff):
    before = peer.display_name
    for business_, actor in ((business, staff), (other_business, peer.user)):
        with pytest.raises(PermissionDenied):
            update_profile(business=business_, actor=actor, peer=peer, data=profile())
    peer.refresh_from_db()
    assert peer.display_name == before


def test_the_profile_input_describes_a_peer_as_it_is(business, peer):
    peer.refresh_from_db()
    data = PeerProfileInput.of(peer)
    assert PeerProfileInput.parse(data.model_dump()) == data
    assert data.display_name == peer.display_name
    assert set(data.levels) == peer.language_codes
