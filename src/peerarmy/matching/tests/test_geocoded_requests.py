"""A traveller who writes where to meet, without a point, is placed at the town or postcode
they name; one who names neither (and a program without a default meeting point) is asked for
it on the field they wrote in."""

import pytest

from peerarmy.inputs import InvalidInput
from peerarmy.matching import services

from .factories import matching_program, request_input

pytestmark = pytest.mark.django_db


def test_an_address_with_its_town_is_placed_there(business):
    guides = matching_program(business)
    data = request_input(
        guides, meeting_address="Via Trinchese 10, 73100 Lecce", latitude=None, longitude=None
    )

    match_request = services.submit_request(guides, data, language="en").value

    assert (round(float(match_request.latitude), 1), round(float(match_request.longitude), 1)) == (
        40.4,
        18.2,
    )


def test_without_a_town_or_a_point_the_address_field_says_so(business):
    guides = matching_program(business)
    data = request_input(guides, meeting_address="Piazza Maggiore", latitude=None, longitude=None)

    with pytest.raises(InvalidInput) as refused:
        services.submit_request(guides, data, language="en")

    assert [field for field, _m in refused.value.field_errors] == ["meeting_address"]
    assert "an address with its town, or a postcode" in str(refused.value.field_errors[0][1])
