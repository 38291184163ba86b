"""The FAQ answers as the requester types, in their language, from their business only; an
answer that helped counts as a ticket spared, and the console shows which."""

import pytest
from django.urls import reverse

from peerarmy.support import selectors, services
from peerarmy.support.inputs import FaqEntryInput
from peerarmy.support.models import Deflection

pytestmark = pytest.mark.django_db


def _entry(business, owner, **values):
    data = {
        "question_it": "Dove posso parcheggiare la bici?",
        "answer_it": "Nel cortile dietro il negozio.",
        "question_en": "Where can I park the bike?",
        "answer_en": "In the courtyard behind the shop.",
    }
    return services.save_faq_entry(business, owner, FaqEntryInput.parse(data | values)).value


def test_a_prefix_typed_in_either_language_finds_the_entry(business, owner):
    entry = _entry(business, owner)
    _entry(business, owner, question_it="Orari", answer_it="Dalle 9", question_en="Hours",
           answer_en="From 9")  # fmt: skip
    assert selectors.search_faq(business, "it", "parcheg") == [entry]
    assert selectors.search_faq(business, "en", "courtyard") == [entry]
    assert selectors.search_faq(business, "en", "cortile") == []  # the Italian text is not English


def test_another_business_entries_are_never_found(business, owner, other_business, other_staff):
    _entry(other_business, other_staff)
    assert selectors.search_faq(business, "it", "parcheggiare") == []


def test_an_unpublished_or_changed_entry_follows_its_text(business, owner):
    entry = _entry(business, owner)
    services.save_faq_entry(
        business,
        owner,
        FaqEntryInput.parse(
            {
                "question_it": "Posso portare il cane?",
                "answer_it": "Sì.",
                "question_en": "Can I bring the dog?",
                "answer_en": "Yes.",
                "published": False,
            }
        ),  # fmt: skip
        entry_id=entry.pk,
    )
    assert selectors.search_faq(business, "it", "parcheggiare") == []
    assert selectors.search_faq(business, "it", "cane") == []


def test_operators_typed_in_the_box_are_only_words(business, owner):
    _entry(business, owner)
    for text in ['"', "bici OR", "NEAR(", "parch* -", "a:b", "'); DROP"]:
        selectors.search_faq(business, "it", text)  # no error


def test_the_form_shows_the_answer_and_this_helped_counts(client, business, owner):
    entry = _entry(business, owner)
    search = reverse("web:support_faq_search", kwargs={"business_slug": business.slug})
    hits = client.get(search, {"subject": "parcheggio bici"}, HTTP_HX_REQUEST="true")
    assert "Nel cortile" in hits.content.decode() or "courtyard" in hits.content.decode()
    helped = reverse(
        "web:support_faq_helped", kwargs={"business_slug": business.slug, "faq_id": entry.pk}
    )
    client.post(helped, {"query": "parcheggio bici"}, HTTP_HX_REQUEST="true")
    assert Deflection.objects.filter(entry=entry).count() == 1
    client.force_login(owner)
    console = client.get(reverse("web:manage_support_faq", kwargs={"business_slug": business.slug}))
    rows = console.context["entries"]
    assert [(e.pk, e.deflected) for e in rows] == [(entry.pk, 1)]
