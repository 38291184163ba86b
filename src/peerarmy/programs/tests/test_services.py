"""Programs as the business runs them, and who may join which."""

import pytest

from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.programs.selectors import eligibility, published_programs
from peerarmy.programs.services import (
    close_program,
    create_program,
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


def test_staff_create_a_draft_and_publish_it(business, staff):
    program = create_program(business=business, actor=staff, data=DATA)
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
        update_program(business=business, actor=staff, program=program, data={"title_en": "x"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "pyramid"}, "kind"),
        ({"title_en": ""}, "title_en"),
        ({"title_it": "x" * 121}, "title_it"),
        ({"required_languages": ["klingon"]}, "required_languages"),
        ({"min_reliability": 101}, "min_reliability"),
        ({"min_reliability": "high"}, "min_reliability"),
        ({"required_skills": ["nope"]}, "required_skills"),
    ],
)
def test_bad_program_data_names_the_field(business, staff, change, field):
    with pytest.raises(ValidationFailed) as exc:
        create_program(business=business, actor=staff, data={**DATA, **change})
    assert exc.value.field == field
    assert not Program.objects.filter(business=business).exists()


def test_two_programs_cannot_share_an_address(business, staff):
    create_program(business=business, actor=staff, data=DATA)
    with pytest.raises(ValidationFailed) as exc:
        create_program(business=business, actor=staff, data=DATA)
    assert exc.value.field == "slug"


def test_the_same_address_is_fine_in_another_business(business, other_business, staff, other_staff):
    create_program(business=business, actor=staff, data=DATA)
    create_program(business=other_business, actor=other_staff, data=DATA)


def test_peers_and_strangers_cannot_create_programs(business, peer, other_staff):
    for actor in (peer.user, other_staff):
        with pytest.raises(PermissionDenied):
            create_program(business=business, actor=actor, data=DATA)


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
    PeerFactory._meta.model.objects.get(pk=peer.pk)
    from peerarmy.peers.models import PeerLanguage

    PeerLanguage.objects.create(business=business, peer=peer, language="de")
    assert eligibility(peer, program).eligible
