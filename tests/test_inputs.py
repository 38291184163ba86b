"""`peerarmy.inputs`, the one typed input of every change: every fault of a submission at once,
in the reader's words, and the shapes the API and the console share."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, ValidationInfo, model_validator

from peerarmy.inputs import (
    Input,
    InvalidInput,
    Moment,
    Outcome,
    apply_patch,
    patch_model,
    rule_errors,
    text,
    whole,
)


class Stay(Input):
    guest: text(20)
    nights: whole(1, 30) = 1
    arrives: Moment
    leaves: Moment
    note: text(50) = ""

    @model_validator(mode="after")
    def _leaves_after_arriving(self, info: ValidationInfo):
        if self.leaves <= self.arrives:
            rule_errors([("leaves", "Leave after you arrive.")], "Stay")
        return self


GOOD = {"guest": "Ada", "arrives": "2026-12-24T15:00", "leaves": "2026-12-26T10:00"}


def faults(data, **context):
    with pytest.raises(InvalidInput) as exc, translation.override("en"):
        Stay.parse(data, context=context or None)
    return dict(exc.value.errors)


def test_a_rule_across_fields_is_reported_with_the_faults_of_other_fields():
    found = faults({**GOOD, "nights": 99, "leaves": "2026-12-20T10:00", "note": "x" * 51})
    assert found == {
        "nights": "Enter a value of at most 30.",
        "note": "Use at most 50 characters.",
        "leaves": "Leave after you arrive.",
    }


def test_an_unknown_field_does_not_hide_the_rules():
    found = faults({**GOOD, "colour": "red", "leaves": "2026-12-20T10:00"})
    assert found == {"colour": "This field is not known.", "leaves": "Leave after you arrive."}


def test_a_rule_needing_a_field_that_failed_is_not_guessed():
    found = faults({**GOOD, "arrives": "soon", "leaves": "2026-12-20T10:00"})
    assert found == {"arrives": "Enter a date and time."}


def test_faults_speak_italian_to_an_italian():
    with pytest.raises(InvalidInput) as exc, translation.override("it"):
        Stay.parse({**GOOD, "guest": "x" * 21})
    assert exc.value.errors == [("guest", "Usa al massimo 20 caratteri.")]


def test_a_time_without_a_zone_is_read_on_the_business_clock():
    class Business:
        tzinfo = ZoneInfo("Europe/Rome")

    stay = Stay.parse(GOOD, context={"business": Business()})
    assert stay.arrives == datetime(2026, 12, 24, 14, 0, tzinfo=UTC)
    assert Stay.parse({**GOOD, "arrives": "2026-12-24T15:00+00:00"}).arrives.hour == 15


def test_text_no_database_can_hold_is_refused_by_name():
    assert set(faults({**GOOD, "guest": "A\x00da", "note": "\ud800"})) == {"guest", "note"}


def test_a_patch_keeps_what_is_not_sent_and_judges_the_whole():
    StayPatch = patch_model(Stay)
    current = Stay.parse(GOOD).model_dump()
    assert apply_patch(Stay, current, StayPatch.parse({"nights": 2})).nights == 2
    with pytest.raises(InvalidInput) as exc:
        apply_patch(Stay, current, StayPatch.parse({"leaves": "2026-12-20T10:00"}))
    assert exc.value.field == "leaves"
    with pytest.raises(InvalidInput):
        StayPatch.parse({"nights": None})  # null is not "leave it as it is"


def test_an_outcome_says_what_happened():
    made = Outcome("claim", created=True)
    again = Outcome("claim", replayed=True)
    assert (made.created, made.replayed, again.created, again.replayed) == (
        True,
        False,
        False,
        True,
    )


class Counts(Input):
    a: whole(0, 10) = 0
    b: whole(0, 10) = 0
    c: whole(0, 10) = 0
    total: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _sum(self):
        if self.a + self.b + self.c != self.total:
            rule_errors([("total", "The total is the sum.")], "Counts")
        return self


@given(
    st.fixed_dictionaries(
        {k: st.integers(-5, 15) for k in ("a", "b", "c")}, optional={"total": st.integers(-5, 45)}
    )
)
def test_every_field_out_of_range_is_named_and_the_sum_is_judged_on_the_others(data):
    with translation.override("en"):
        try:
            Counts.parse(data)
            named = set()
        except InvalidInput as exc:
            named = {f for f, _m in exc.errors}
    out_of_range = {k for k in ("a", "b", "c") if not 0 <= data[k] <= 10}
    if data.get("total", 0) < 0:
        out_of_range.add("total")
    assert out_of_range <= named
    usable = {k: (data[k] if k not in out_of_range else 0) for k in ("a", "b", "c")}
    total = data.get("total", 0) if "total" not in out_of_range else 0
    assert ("total" in named) == ("total" in out_of_range or sum(usable.values()) != total)
    assert named <= out_of_range | {"total"}
    if not named:
        assert Counts.parse(data).total == sum(data[k] for k in "abc")


def test_an_aware_moment_is_kept_as_sent():
    now = datetime.now(UTC)
    stay = Stay.parse({**GOOD, "arrives": now, "leaves": now + timedelta(hours=1)})
    assert (stay.arrives, stay.leaves - stay.arrives) == (now, timedelta(hours=1))
