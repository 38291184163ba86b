"""The forms of ratings: one rating (stars, tags, comment) and hiding a comment."""

from django import forms
from django.utils.translation import gettext_lazy, ngettext

from peerarmy.trust.explain import TAG_LABELS
from peerarmy.trust.inputs import CONSUMER_TAGS, PEER_TAGS, HideCommentInput, RatingInput

from .base import InputForm


def star_choices():
    """5 stars first, in the reader's language (built per form: the words are not lazy)."""
    return [(str(n), ngettext("%(n)d star", "%(n)d stars", n) % {"n": n}) for n in range(5, 0, -1)]


class RatingForm(InputForm):
    """Stars, tags from the rated party's list, and a comment; the subject is the page's."""

    input_class = RatingInput

    subject_kind = forms.CharField(widget=forms.HiddenInput, disabled=True)
    subject_id = forms.IntegerField(widget=forms.HiddenInput, disabled=True)
    stars = forms.ChoiceField(
        label=gettext_lazy("How was it?"), choices=(), widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(
        label=gettext_lazy("What stood out (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=gettext_lazy("A few words (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, subject_kind, subject_id, rates_peer=True, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].update({"subject_kind": subject_kind, "subject_id": subject_id})
        super().__init__(*args, **kwargs)
        self.fields["stars"].choices = star_choices()
        tags = PEER_TAGS if rates_peer else CONSUMER_TAGS
        self.fields["tags"].choices = [(t, TAG_LABELS[t]) for t in tags]

    def to_input_stars(self, raw):
        return raw or None


class HideCommentForm(InputForm):
    input_class = HideCommentInput

    reason = forms.CharField(label=gettext_lazy("Why hide it?"))
