"""The console's block page and edit form for a block of a recurring series: "Only this block"
or "This and all following blocks of the series"."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from peerarmy.scheduling.models import Block, BlockTemplate
from peerarmy.scheduling.services import claim_block, create_blocks_from_template
from peerarmy.scheduling.tests import changes
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.web.forms.scheduling import BlockForm

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def series(business, staff, program):
    """Saturdays 10:00-13:00 in Rome, 11 October to 8 November 2031 (five blocks)."""
    data = changes.series(
        program,
        rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=5",
        start_local="2031-10-11T10:00",
        duration_minutes=180,
        capacity=2,
        place_name="Piazza Maggiore",
    )
    blocks = create_blocks_from_template(business, staff, data).value.blocks
    return list(Block.objects.filter(pk__in=[b.pk for b in blocks]).order_by("starts_at"))


def form_data(block, business, **changes):
    """What the browser posts back for the block's edit form, with `changes` typed in."""
    data = {}
    for name, value in BlockForm.initial_for(block, business.tzinfo).items():
        if isinstance(value, datetime):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data.update(changes)
    return data


def fresh(blocks):
    return list(Block.objects.filter(pk__in=[b.pk for b in blocks]).order_by("starts_at"))


def test_the_block_page_tells_it_belongs_to_a_series(staff_en, business, staff, program):
    blocks = series(business, staff, program)

    page = staff_en.get(url(business, "manage_block", block_id=blocks[1].pk)).content.decode()

    assert "Every week on Saturday at 10:00" in page
    assert "FREQ=WEEKLY;BYDAY=SA;COUNT=5" in page
    assert "5 upcoming blocks in the series" in page


def test_the_edit_form_offers_only_this_block_by_default(staff_en, business, staff, program):
    blocks = series(business, staff, program)
    single = BlockFactory(program=program)

    page = staff_en.get(url(business, "manage_block_edit", block_id=blocks[0].pk)).content.decode()
    other = staff_en.get(url(business, "manage_block_edit", block_id=single.pk)).content.decode()

    assert "This and all following blocks of the series" in page
    assert 'value="this" id="id_scope_0" required checked' in page
    assert "following blocks of the series" not in other


def test_staff_change_this_and_the_following_blocks(staff_en, business, staff, program):
    blocks = series(business, staff, program)
    peer = PeerFactory(business=business)
    claim = claim_block(peer, blocks[3].pk).value

    response = staff_en.post(
        url(business, "manage_block_edit", block_id=blocks[2].pk),
        form_data(
            blocks[2],
            business,
            scope="following",
            starts_at="2031-10-25T09:00",
            ends_at="2031-10-25T13:00",
            capacity="4",
        ),
        follow=True,
    )

    page = response.content.decode()
    assert "3 blocks of the series are changed." in page
    after = fresh(blocks)
    starts = [b.starts_at.astimezone(ROME) for b in after]
    assert [(t.hour, t.minute) for t in starts] == [(10, 0), (10, 0), (9, 0), (9, 0), (9, 0)]
    assert [b.ends_at - b.starts_at for b in after][2:] == [timedelta(hours=4)] * 3
    assert [b.capacity for b in after] == [2, 2, 4, 4, 4]
    # Unchanged fields stay as they were on every block (only the changes are applied).
    assert {b.place_name for b in after} == {"Piazza Maggiore"}
    claim.refresh_from_db()
    assert claim.starts_at == after[3].starts_at


def test_only_this_block_keeps_to_the_single_block(staff_en, business, staff, program):
    blocks = series(business, staff, program)

    staff_en.post(
        url(business, "manage_block_edit", block_id=blocks[2].pk),
        form_data(blocks[2], business, scope="this", capacity="7"),
    )

    assert [b.capacity for b in fresh(blocks)] == [2, 2, 7, 2, 2]


def test_a_refused_series_change_is_explained_and_changes_nothing(
    staff_en, business, staff, program
):
    blocks = series(business, staff, program)
    for _i in range(2):
        claim_block(PeerFactory(business=business), blocks[4].pk)

    response = staff_en.post(
        url(business, "manage_block_edit", block_id=blocks[1].pk),
        form_data(blocks[1], business, scope="following", capacity="1"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Block of Saturday 8 November 2031, 10:00: 2 peers already hold it" in page
    assert [b.capacity for b in fresh(blocks)] == [2] * 5


def test_a_series_change_keeps_each_block_on_its_day(staff_en, business, staff, program):
    blocks = series(business, staff, program)

    response = staff_en.post(
        url(business, "manage_block_edit", block_id=blocks[1].pk),
        form_data(
            blocks[1],
            business,
            scope="following",
            starts_at="2031-10-19T10:00",
            ends_at="2031-10-19T13:00",
        ),
    )

    assert "each keeps its day" in response.content.decode()
    assert [b.starts_at for b in fresh(blocks)] == [b.starts_at for b in blocks]
    assert BlockTemplate.objects.get().dtstart_local == "2031-10-11T10:00:00"


def test_staff_of_another_business_cannot_change_the_series(
    client, business, staff, other_staff, program
):
    blocks = series(business, staff, program)
    client.force_login(other_staff)

    response = client.post(
        url(business, "manage_block_edit", block_id=blocks[0].pk),
        form_data(blocks[0], business, scope="following", capacity="9"),
    )

    assert response.status_code in (403, 404)
    assert [b.capacity for b in fresh(blocks)] == [2] * 5
