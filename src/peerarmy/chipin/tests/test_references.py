"""Structured creditor references: made, shown to people, and found again in what banks send."""

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import iso11649

from peerarmy.chipin.references import NotAReference, clean_rf, find_rf, format_rf, rf_reference

ALNUM = string.ascii_uppercase + string.digits
bodies = st.text(alphabet=ALNUM + string.ascii_lowercase, min_size=1, max_size=21)
# Words around a reference in a remittance: letters (accented too), spaces and punctuation,
# no digits, so that the text holds no reference of its own.
surrounding = st.text(alphabet=string.ascii_letters + "àèéìòù .,;:/()'\"+*!?\n", max_size=60)
# What stands between a reference and the words around it.
before_glue = st.sampled_from([" ", "  ", ": ", "/", "(", ",", ";", "\n", " RIF.", "-"])
after_glue = st.sampled_from([" ", "  ", ".", ",", ";", ")", "/", "\n", " - ", ""])
separators = st.sampled_from([" ", "  ", "-", " - ", "\u00a0"])


def test_the_standard_example():
    assert rf_reference("539007547034") == "RF18539007547034"
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    assert clean_rf("rf18 5390-0754 7034") == "RF18539007547034"


def test_bodies_are_upper_cased_and_numbers_accepted():
    assert rf_reference("abc1") == rf_reference("ABC1")
    assert rf_reference(539007547034) == "RF18539007547034"


@pytest.mark.parametrize("body", ["", "A" * 22, "AB-12", "ÀB", "12 34"])
def test_a_body_that_cannot_be_a_reference_is_refused(body):
    with pytest.raises(NotAReference):
        rf_reference(body)


@pytest.mark.parametrize(
    "text", ["RF17539007547034", "RF18", "FR18539007547034", "", "RF18 5390 0754 7O34"]
)
def test_clean_rf_refuses_what_is_no_valid_reference(text):
    with pytest.raises(NotAReference):
        clean_rf(text)


def test_not_a_reference_is_a_value_error():
    assert issubclass(NotAReference, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "Quota colletta RF18 5390 0754 7034 grazie",
        "quota colletta rf18-5390-0754-7034",
        "RF 18 5390 0754 7034",
        "CAUSALE:RF18539007547034;GRAZIE",
        "/ROC/RF18539007547034/",
        "(RF18 5390 0754 7034)",
        "BONIFICO DA MARIO ROSSI RIF. RF18 5390 0754 7034",
        "RF17 1234 RF18 5390 0754 7034",
    ],
)
def test_find_rf_in_what_banks_send(text):
    assert find_rf(text) == "RF18539007547034"


@pytest.mark.parametrize(
    "text", ["", "Quota colletta", "RF17 5390 0754 7034", "SURF18 ONDA", "RF18 5390 0754 703"]
)
def test_find_rf_returns_none_without_a_valid_reference(text):
    assert find_rf(text) is None


def _presentations(ref, data):
    """The reference as people and banks write it: grouped, compact, split, any case."""
    style = data.draw(st.sampled_from(["compact", "grouped", "split", "check apart"]))
    sep = data.draw(separators)
    if style == "compact":
        text = ref
    elif style == "grouped":
        text = format_rf(ref).replace(" ", sep)
    elif style == "split":
        groups = format_rf(ref).split(" ")
        text = groups[0] + "".join(data.draw(separators) + group for group in groups[1:])
    else:
        text = "RF" + sep + ref[2:4] + sep + format_rf(ref)[5:].replace(" ", sep)
    upper = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if u else c.lower() for c, u in zip(text, upper, strict=True))


@given(bodies, surrounding, before_glue, after_glue, surrounding, st.data())
def test_any_reference_is_found_again_inside_text(body, prefix, glue1, glue2, suffix, data):
    ref = rf_reference(body)
    assert clean_rf(format_rf(ref)) == ref
    written = _presentations(ref, data)
    after = glue2 + suffix if glue2 else ""  # no glue: the text is cut right after it
    if glue2.strip(" -") == "":
        # A reference followed by a space and a word: when the word's letters would complete
        # another valid reference, the text means either; such texts are left out.
        tail = "".join(after.strip(" -").split(" ")[:3]).upper()
        tail = "".join(c for c in tail[:21] if c in ALNUM)
        assume(not any(iso11649.is_valid(ref + tail[:k]) for k in range(1, len(tail) + 1)))
    assert find_rf(prefix + glue1 + written + after) == ref


@given(bodies, st.data())
def test_a_changed_character_is_never_the_same_reference(body, data):
    ref = rf_reference(body)
    position = data.draw(st.integers(min_value=2, max_value=len(ref) - 1))
    kind = string.digits if ref[position].isdigit() else string.ascii_uppercase
    same_kind = data.draw(st.booleans())
    replacement = data.draw(
        st.sampled_from([c for c in (kind if same_kind else ALNUM) if c != ref[position]])
    )
    changed = ref[:position] + replacement + ref[position + 1 :]
    assert find_rf(f"Quota {iso11649.format(changed)} grazie") != ref
    assert find_rf(changed) != ref
    if same_kind:
        # A digit for a digit or a letter for a letter always breaks the check digits.
        assert find_rf(changed) is None
        with pytest.raises(NotAReference):
            clean_rf(changed)


def test_find_rf_is_quick_enough_for_a_year_of_statements():
    """Not timed: 20,000 remittances, with and without a reference, all read right."""
    texts = [
        f"BONIFICO DA MARIO ROSSI QUOTA {format_rf(rf_reference(n))} GRAZIE" for n in range(10000)
    ]
    texts += [f"BONIFICO DA MARIO ROSSI QUOTA CENA {n} EUR 25,00" for n in range(10000)]
    found = [find_rf(text) for text in texts]
    assert found[:10000] == [rf_reference(n) for n in range(10000)]
    assert found[10000:] == [None] * 10000
