"""The forms of support, each validated through its change's typed input
(`peerarmy.support.inputs`): opening a ticket (a peer's, a visitor's, the staff's), a reply or
note, an assignment, a status, a canned reply, SLA targets and an FAQ entry. Files go beside
the input: the service checks them and names the field `attachments`."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from peerarmy.support.inputs import (
    AssignInput,
    CannedReplyInput,
    ConsumerTicketInput,
    FaqEntryInput,
    ReplyInput,
    SettlementInput,
    SlaTargetInput,
    StaffTicketInput,
    StatusInput,
    TicketInput,
)
from peerarmy.support.models import Category, TicketStatus

from .base import InputForm, parse_money


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (the service decides how many and which)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [] if not data else [super().clean(data, initial)]


def _attachments():
    return MultipleFileField(
        label=gettext_lazy("Files"),
        required=False,
        help_text=gettext_lazy("Pictures (JPEG, PNG, WebP) or PDF, up to 5 MB each, at most 5."),
    )


def _category():
    return forms.ChoiceField(label=gettext_lazy("What is it about?"), choices=Category.choices)


def _subject():
    return forms.CharField(label=gettext_lazy("Subject"), required=False)


def _body():
    return forms.CharField(
        label=gettext_lazy("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


def _link(label):
    return forms.ChoiceField(label=label, required=False, choices=[])


class TicketForm(InputForm):
    """A peer's ticket; the links offer the peer's own recent blocks, matches, rewards and
    payouts (`links` maps a field to its choices)."""

    input_class = TicketInput

    category = _category()
    subject = _subject()
    body = _body()
    block_id = _link(pgettext_lazy("ticket link", "Block"))
    match_id = _link(pgettext_lazy("ticket link", "Meeting with a visitor"))
    reward_id = _link(pgettext_lazy("ticket link", "Reward"))
    payout_id = _link(pgettext_lazy("ticket link", "Payment"))
    attachments = _attachments()

    def __init__(self, *args, links=None, **kwargs):
        super().__init__(*args, **kwargs)
        links = links or {}
        for name in ("block_id", "match_id", "reward_id", "payout_id"):
            choices = links.get(name) or []
            if choices:
                self.fields[name].choices = [("", "—"), *choices]
            else:
                del self.fields[name]
        self._input_fields = {k: v for k, v in self._input_fields.items() if k in self.fields}


class ConsumerTicketForm(InputForm):
    input_class = ConsumerTicketInput

    name = forms.CharField(label=gettext_lazy("Your name"), required=False)
    email = forms.CharField(
        label=gettext_lazy("Your e-mail"),
        required=False,
        widget=forms.EmailInput(),
        help_text=gettext_lazy("We send you the link to follow your request here."),
    )
    category = _category()
    subject = _subject()
    body = _body()
    attachments = _attachments()
    # a field people never see: a bot fills it
    website = forms.CharField(required=False, widget=forms.HiddenInput())

    @property
    def is_bot(self):
        return bool(self.data.get("website"))


class StaffTicketForm(InputForm):
    input_class = StaffTicketInput

    category = _category()
    subject = _subject()
    body = _body()
    peer_id = forms.ChoiceField(label=gettext_lazy("For a peer"), required=False, choices=[])
    name = forms.CharField(label=gettext_lazy("Or for someone else: name"), required=False)
    email = forms.CharField(
        label=gettext_lazy("Their e-mail"), required=False, widget=forms.EmailInput()
    )
    attachments = _attachments()

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer_id"].choices = [("", "—"), *peers]


class ReplyForm(InputForm):
    input_class = ReplyInput

    body = _body()
    attachments = _attachments()


class StaffReplyForm(InputForm):
    input_class = ReplyInput

    body = _body()
    internal = forms.BooleanField(
        label=gettext_lazy("Internal note (the requester does not see it)"), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Then the ticket is"),
        required=False,
        choices=[
            ("", gettext_lazy("Waiting on requester (after a reply)")),
            *[(v, label) for v, label in TicketStatus.choices if v != TicketStatus.NEW],
        ],
    )
    attachments = _attachments()


class AssignForm(InputForm):
    input_class = AssignInput

    assignee_id = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False, choices=[])

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_id"].choices = [("", gettext_lazy("Nobody")), *members]


class StatusForm(InputForm):
    input_class = StatusInput

    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=TicketStatus.choices)


class CannedReplyForm(InputForm):
    input_class = CannedReplyInput

    title = forms.CharField(label=gettext_lazy("Title"), required=False)
    body_it = forms.CharField(
        label=gettext_lazy("Text (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    body_en = forms.CharField(
        label=gettext_lazy("Text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SlaTargetForm(InputForm):
    input_class = SlaTargetInput

    category = _category()
    first_response_minutes = forms.IntegerField(
        label=gettext_lazy("First response (business minutes)"), required=False
    )
    resolution_minutes = forms.IntegerField(
        label=gettext_lazy("Resolution (business minutes)"), required=False
    )


class FaqEntryForm(InputForm):
    input_class = FaqEntryInput

    question_it = forms.CharField(label=gettext_lazy("Question (Italian)"), required=False)
    answer_it = forms.CharField(
        label=gettext_lazy("Answer (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    question_en = forms.CharField(label=gettext_lazy("Question (English)"), required=False)
    answer_en = forms.CharField(
        label=gettext_lazy("Answer (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SettlementForm(InputForm):
    """A payment discrepancy settled in the books: an amount in euros added to (or, negative,
    taken off) the peer's balance, or the linked reward reversed."""

    input_class = SettlementInput
    input_names = {"amount": "amount_minor"}

    reverse = forms.BooleanField(
        label=gettext_lazy("Reverse the linked reward instead"), required=False
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount to add to the peer's balance (negative to take off)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0,00"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Answer to the peer (it also goes in the books)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def to_input_amount(self, raw):
        text = (raw or "").strip()
        if not text:
            return None
        negative = text.startswith("-")
        minor = parse_money(text.lstrip("-"))
        if minor is None:
            raise forms.ValidationError(_("Enter an amount such as 12,50 or -12,50."))
        return -minor if negative else minor
