"""Programs as the business runs them, and who may join which."""

import pytest

from peerarmy.errors import InvalidTransition, NotFound, PermissionDenied
from peerarmy.inputs import InvalidInput
from peerarmy.programs.inputs import ProgramInput
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.programs.selectors import eligibility, get_program, published_programs
from peerarmy.programs.services import (
    close_program,
    create_program,
    delete_program,
    publish_program,
    update_program,
)
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory, SkillFactory

pytestmark = pytest.mark.django_db

DATA = {
    "kind": "guides",
    "title_it": "Bologna in bici con un local",
    "title_en": "Bologna by bike with a local",
    "summary_it": "Un giro tra i portici",
    "summary_en": "A ride under the porticoes",
}


def program_input(**changes):
    return ProgramInput.parse({**DATA, **changes})


def test_staff_create_a_draft_and_publish_it(business, staff):
    outcome = create_program(business=business, actor=staff, data=program_input())
    program = outcome.value
    assert outcome.created
    assert program.status == ProgramStatus.DRAFT
    assert program.slug == "bologna-by-bike-with-a-local"
    assert list(published_programs(business)) == []

    publish_program(business=business, actor=staff, program=program)
    assert list(published_programs(business)) == [program]

    with pytest.raises(InvalidTransition):
        publish_program(business=business, actor=staff, program=program)
    close_program(business=business, actor=staff, program=program)
    program.refresh_from_db()
    assert program.status == ProgramStatus.CLOSED
    assert program.closed_at is not None
    with pytest.raises(InvalidTransition):
        update_program(
            business=business, actor=staff, program=program, data=program_input(title_en="x")
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "pyramid"}, "kind"),
        ({"title_en": ""}, "title_en"),
        ({"title_en": "   "}, "title_en"),
        ({"title_it": "x" * 121}, "title_it"),
        ({"required_languages": ["klingon"]}, "required_languages"),
        ({"min_reliability": 101}, "min_reliability"),
        ({"min_reliability": "high"}, "min_reliability"),
        ({"summary_en": "nul \x00"}, "summary_en"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_program_input_names_the_field(change, field):
    with pytest.raises(InvalidInput) as exc:
        program_input(**change)
    assert [f for f, _message in exc.value.errors] == [field]


def test_every_fault_of_one_input_is_reported_at_once():
    with pytest.raises(InvalidInput) as exc:
        program_input(title_it="", title_en="x" * 200, min_reliability=-1)
    assert {f for f, _m in exc.value.errors} == {"title_it", "title_en", "min_reliability"}
    assert exc.value.message == "3 fields are not valid."


def test_an_unknown_skill_and_a_taken_address_are_reported_together(business, staff):
    create_program(business=business, actor=staff, data=program_input())
    with pytest.raises(InvalidInput) as exc:
        create_program(business=business, actor=staff, data=program_input(required_skills=["nope"]))
    assert dict(exc.value.errors) == {
        "slug": "Another program already uses this address.",
        "required_skills": "Unknown skill: nope.",
    }
    assert Program.objects.filter(business=business).count() == 1


def test_the_same_address_is_fine_in_another_business(business, other_business, staff, other_staff):
    create_program(business=business, actor=staff, data=program_input())
    create_program(business=other_business, actor=other_staff, data=program_input())


def test_an_edit_without_an_address_keeps_the_one_people_may_have_shared(business, staff):
    program = create_program(business=business, actor=staff, data=program_input()).value
    update_program(
        business=business,
        actor=staff,
        program=program,
        data=program_input(title_en="Bologna by night"),
    )
    program.refresh_from_db()
    assert (program.slug, program.title_en) == ("bologna-by-bike-with-a-local", "Bologna by night")


@pytest.mark.parametrize(
    ("typed", "address"),
    [("Bike Guides", "bike-guides"), ("  bici--gialla  ", "bici-gialla"), ("Città", "citta")],
)
def test_an_address_is_written_as_the_web_writes_it_by_the_input(typed, address):
    assert program_input(slug=typed).slug == address
    assert program_input(slug=typed).address == address


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "!!!"}, "Enter a valid address."),
        ({"slug": "ﬀ" * 31}, "Use at most 60 characters."),
        ({"title_it": "???", "title_en": "!!!"}, "Enter a valid address."),
    ],
)
def test_an_address_that_cannot_be_one_is_the_input_s_to_refuse(change, message):
    with pytest.raises(InvalidInput) as exc:
        program_input(**change)
    assert exc.value.errors == [("slug", message)]


def test_an_edit_without_an_address_keeps_it_even_when_the_titles_make_none(business, staff):
    program = create_program(business=business, actor=staff, data=program_input()).value
    data = ProgramInput.parse(
        {**DATA, "title_it": "???", "title_en": "!!!"}, context={"program": program}
    )
    update_program(business=business, actor=staff, program=program, data=data)
    program.refresh_from_db()
    assert (program.slug, program.title_en) == ("bologna-by-bike-with-a-local", "!!!")


def test_a_long_title_makes_an_address_of_at_most_60_characters():
    data = program_input(title_en="Bolog " * 15)  # cut at 60, the 60th is a hyphen
    assert data.address == "-".join(["bolog"] * 10)


def test_every_program_a_service_or_selector_gives_shows_its_skills_without_a_query(
    business, staff, django_assert_num_queries
):
    SkillFactory(business=business, slug="repair")
    SkillFactory(business=business, slug="guide")
    created = create_program(
        business=business, actor=staff, data=program_input(required_skills=["repair"])
    ).value
    with django_assert_num_queries(0):
        assert created.required_skill_slugs == ["repair"]
    updated = update_program(
        business=business,
        actor=staff,
        program=created,
        data=program_input(required_skills=["guide", "repair"]),
    ).value
    published = publish_program(business=business, actor=staff, program=updated).value
    closed = close_program(business=business, actor=staff, program=published).value
    found = get_program(business, created.pk)

    with django_assert_num_queries(0):
        for program in (updated, published, closed, found):
            assert sorted(program.required_skill_slugs) == ["guide", "repair"]
            assert sorted(s.slug for s in program.required_skill_list) == ["guide", "repair"]


def test_the_kind_of_a_published_program_is_fixed(business, staff):
    program = create_program(business=business, actor=staff, data=program_input()).value
    publish_program(business=business, actor=staff, program=program)
    with pytest.raises(InvalidTransition) as exc:
        update_program(
            business=business, actor=staff, program=program, data=program_input(kind="delivery")
        )
    assert exc.value.field == "kind"


def test_peers_and_strangers_cannot_create_programs(business, peer, other_staff):
    for actor in (peer.user, other_staff):
        with pytest.raises(PermissionDenied):
            create_program(business=business, actor=actor, data=program_input())


def test_another_business_program_is_not_found(business, other_business, staff):
    theirs = ProgramFactory(business=other_business)
    with pytest.raises(NotFound):
        get_program(business, theirs.pk)
    with pytest.raises(NotFound):
        publish_program(business=business, actor=staff, program=theirs)
    with pytest.raises(NotFound):
        delete_program(business=business, actor=staff, program=theirs)
    assert Program.objects.filter(pk=theirs.pk).exists()


def test_only_a_draft_can_be_deleted(business, staff):
    program = ProgramFactory(business=business, status=ProgramStatus.PUBLISHED)
    with pytest.raises(InvalidTransition):
        delete_program(business=business, actor=staff, program=program)
    draft = ProgramFactory(business=business, status=ProgramStatus.DRAFT)
    delete_program(business=business, actor=staff, program=draft)
    assert not Program.objects.filter(pk=draft.pk).exists()


def test_eligibility_gives_every_reason_in_words(business):
    repair = SkillFactory(business=business, name_en="Bike repair")
    program = ProgramFactory(business=business, required_languages=["de"], min_reliability=80)
    program.required_skills.set([repair])
    peer = PeerFactory(business=business, languages=["it"], reliability=None)

    result = eligibility(peer, program)

    assert not result.eligible
    text = " ".join(result.reasons)
    assert "Bike repair" in text
    assert "German" in text
    assert "track record" in text

    peer.skills.set([repair])
    peer.reliability = 90
    peer.save()
    from peerarmy.peers.models import PeerLanguage

    PeerLanguage.objects.create(business=business, peer=peer, language="de")
    peer = PeerFactory._meta.model.objects.get(pk=peer.pk)
    assert eligibility(peer, program).eligible


def test_a_draft_with_money_on_its_books_is_not_deleted_but_refused(business, staff):
    from peerarmy.rewards import ledger

    draft = ProgramFactory(business=business, status=ProgramStatus.DRAFT)
    ledger.accounts(business.pk, [ledger.rewards_expense(draft.pk, "EUR")])  # in the books
    with pytest.raises(InvalidTransition) as exc:
        delete_program(business=business, actor=staff, program=draft)
    assert exc.value.code == "not_draft"
    assert Program.objects.filter(pk=draft.pk).exists()
