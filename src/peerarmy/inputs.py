"""One typed input per change, and what a change says back.

Every write of every app declares its input once, as an `Input` (a pydantic model) in the app's
`inputs.py`, beside the service that takes it. The API uses the same model as its body; the
console's form validates through it (`peerarmy.web.forms.base.InputForm`); the CLI and the demo
fill it. A limit (a length, a range, a date rule, a rule across fields) therefore exists in one
place, and both paths name the same fields with the same words, in the reader's language.

Validation happens in two steps, each reporting every error it finds at once:
1. the input itself: types, lengths, ranges, choices, rules across its own fields
   (`parse`, or ninja for the API body);
2. the rules that need the business's data (an address already taken, an unknown skill, a
   capacity below the seats already held): the service collects them with `FieldErrors` and
   raises them together.

A service returns an `Outcome`: the object, whether it was made now or this was a replay,
and any warnings, so that no adapter guesses what happened from timestamps or reads the
object again.

This module is a base layer: it imports no app.
"""

from __future__ import annotations

import re
import typing
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    create_model,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError, core_schema

from peerarmy.errors import ValidationFailed

T = TypeVar("T")
M = TypeVar("M", bound="Input")

# Database ids are positive 64-bit integers: anything else cannot name a row, and a bigger
# number must be refused as bad input rather than overflow in the database driver.
MAX_ID = 2**63 - 1
# The largest whole number every supported database stores in an integer column
# (PostgreSQL's `integer`): a capacity beyond it is bad input on SQLite too.
MAX_INT = 2**31 - 1

ID = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- the input model --------------------------------------------------------------------------


class Input(BaseModel):
    """The input of one change. Unknown fields are refused, texts are stripped."""

    # defer_build: a model is built when first used, not when its module is imported (about
    # 50 ms of every process start for the rewards inputs alone).
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, defer_build=True
    )

    @classmethod
    def parse(cls: type[M], data: dict, *, context: dict | None = None) -> M:
        """The input, validated; raise `InvalidInput` naming every field at fault."""
        return parse(cls, data, context=context)

    @model_validator(mode="wrap")
    @classmethod
    def _every_fault_at_once(cls, data, handler, info: ValidationInfo):
        """Pydantic runs the rules across fields (model validators) only when every field
        is valid, so a block 31 days long with a bad capacity would be told about the
        capacity first and the length on the next try. When fields fail, the rules are
        asked again with each failed field at its default, and what they find about the
        other fields is reported too. A failed field without a default leaves the rules
        unasked (they could not be judged without it). Both the API (ninja validates with
        the model) and the forms (`parse`) go through here."""
        context = info.context or {}
        try:
            return handler(data)
        except PydanticValidationError as exc:
            if not isinstance(data, dict) or context.get(_SECOND_LOOK):
                raise
            errors = exc.errors()
            failed = {e["loc"][0] for e in errors if e["loc"]}
            stand_ins = {}
            for name in failed:
                field = cls.model_fields.get(name)
                if field is None:
                    continue  # not a field of the input: left out of the second look
                if field.is_required():
                    raise
                stand_ins[name] = field.get_default(call_default_factory=True)
            retry = {k: v for k, v in data.items() if k not in failed} | stand_ins
            try:
                # The whole model again (the rules wrap this validator, they are not in
                # `handler`); with every field valid, it does not come back here.
                cls.model_validate(retry, context={**context, _SECOND_LOOK: True})
            except PydanticValidationError as more:
                extra = [e for e in more.errors() if not e["loc"] or e["loc"][0] not in failed]
            else:
                extra = []
            if not extra:
                raise
            raise _combined(cls.__name__, errors + extra) from None

    def changed(self, **values) -> Input:
        """A copy with some fields replaced, validated again."""
        return parse(type(self), {**self.model_dump(), **values})


_SECOND_LOOK = "peerarmy.inputs.second_look"
_BUILT_IN_ERRORS = set(typing.get_args(core_schema.ErrorType))


def _combined(title, errors):
    """One pydantic ValidationError from the error dicts of several."""
    details = []
    for error in errors:
        kind, ctx = error["type"], error.get("ctx")
        if kind not in _BUILT_IN_ERRORS:
            template = error["msg"].replace("{", "{{").replace("}", "}}")
            kind = PydanticCustomError(kind, template, ctx)
        detail = {"type": kind, "loc": tuple(error["loc"]), "input": error.get("input")}
        if ctx and not isinstance(kind, PydanticCustomError):
            detail["ctx"] = ctx
        details.append(detail)
    return PydanticValidationError.from_exception_data(title, details)


def parse(model: type[M], data: Any, *, context: dict | None = None) -> M:
    try:
        return model.model_validate(data, context=context)
    except PydanticValidationError as exc:
        raise InvalidInput.from_pydantic(exc) from None


def patch_model(model: type[M], name: str | None = None) -> type[Input]:
    """The PATCH body of `model`: every field optional with the same limits. A field left out
    keeps its value; null is refused (its default is None, which the type does not accept).
    A service applies a patch by validating the object's current input with the fields sent
    (`apply_patch`), so every rule across fields runs on the whole result."""
    fields = {}
    for field_name, info in model.model_fields.items():
        copy = deepcopy(info)
        copy.default = None
        copy.default_factory = None
        copy.validate_default = False
        fields[field_name] = (info.annotation, copy)
    return create_model(
        name or f"{model.__name__}Patch",
        __base__=Input,
        __doc__="Only the fields sent change; none of them may be null.",
        **fields,
    )


def apply_patch(model: type[M], current: dict, patch: BaseModel | dict, **context) -> M:
    """`model` validated from the object's `current` input overlaid with the fields the patch
    sets: the rules run on the whole, and an error names the field either way."""
    sent = patch.model_dump(exclude_unset=True) if isinstance(patch, BaseModel) else dict(patch)
    return parse(model, {**current, **sent}, context=context or None)


# --- shared field types ------------------------------------------------------------------------


def _refuse_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it as bad input instead of failing later.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text may not contain NUL characters.")
    return value


def _refuse_surrogates(value: str) -> str:
    # A lone surrogate ("\ud800") is valid JSON but no database or e-mail can store it.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("string_unicode", "Text must be valid Unicode.") from None
    return value


_TEXT_CHECKS = (AfterValidator(_refuse_nul), AfterValidator(_refuse_surrogates))
Text = Annotated[str, *_TEXT_CHECKS]


def text(max_length: int, *, min_length: int = 0) -> Any:
    """A text of at most `max_length` characters (after stripping spaces)."""
    limits = StringConstraints(max_length=max_length, min_length=min_length or None)
    return Annotated[str, limits, *_TEXT_CHECKS]


def whole(ge: int = 0, le: int = MAX_INT) -> Any:
    """A whole number in [ge, le]."""
    return Annotated[int, Field(ge=ge, le=le)]


def context_business(info: ValidationInfo):
    """The business a validation runs for: given by the form or the service as `business`,
    or, for the API body, the request's (the token's business)."""
    context = info.context or {}
    business = context.get("business")
    if business is None and context.get("request") is not None:
        business = getattr(context["request"], "business", None)
    return business


def _in_business_zone(value: datetime, info: ValidationInfo) -> datetime:
    # A time without a zone was typed in the business's time zone; stored in UTC.
    if value.tzinfo is None or value.utcoffset() is None:
        business = context_business(info)
        zone = business.tzinfo if business is not None else UTC
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


# A moment: aware as sent, or typed in the business's time zone; always UTC once parsed.
Moment = Annotated[datetime, AfterValidator(_in_business_zone)]


def _not_far(value: date) -> date:
    # Dates people type: a year such as 0202 or 20260 is a typo, not a plan.
    if not 2000 <= value.year <= 2200:
        raise PydanticCustomError(
            "date_out_of_range", "Enter a date between {first} and {last}.",
            {"first": "2000-01-01", "last": "2200-12-31"},
        )  # fmt: skip
    return value


Day = Annotated[date, AfterValidator(_not_far)]


def _microdegrees(value: float) -> float:
    # The database keeps six decimals (about 10 cm); a browser's position gives more.
    return round(value, 6)


# Degrees: the same rule, words and precision for every place in every app.
Latitude = Annotated[
    float, Field(ge=-90, le=90, allow_inf_nan=False), AfterValidator(_microdegrees)
]
Longitude = Annotated[
    float, Field(ge=-180, le=180, allow_inf_nan=False), AfterValidator(_microdegrees)
]


def stored_degrees(value) -> Decimal | None:
    """A coordinate as its column (six decimals) holds it."""
    return None if value is None else Decimal(repr(float(value))).quantize(Decimal("0.000001"))


def _phone(value: str) -> str:
    """A phone number as typed ("333 123 4567", "+39 051 123456", "0039 …"), Italian unless it
    says otherwise, kept in the international form ("+393331234567"); empty stays empty."""
    import phonenumbers

    text = value.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "IT")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise broken(_("Enter a phone number, for example +39 333 123 4567."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A phone number, optional: empty, or valid and written the international way.
Phone = Annotated[str, Field(max_length=32), AfterValidator(_phone)]


def _valid_email(value: str) -> str:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    value = value.lower()
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise broken(exc.messages[0]) from None
    return value


# An e-mail address, in lower case; Django's own rule and words.
Email = Annotated[str, StringConstraints(max_length=254, min_length=1), *_TEXT_CHECKS,
                  AfterValidator(_valid_email)]  # fmt: skip


# --- errors -------------------------------------------------------------------------------------


class InvalidInput(ValidationFailed):
    """Every field at fault in one submission, each with its message in the reader's language.
    `errors` is a list of (field, message); a field of None is about the whole input."""

    def __init__(self, errors, message=None, *, code=None, status=None):
        self.errors = [(field, str(msg)) for field, msg in errors]
        if message is None:
            message = (
                self.errors[0][1]
                if len(self.errors) == 1
                else ngettext(
                    "%(n)d field is not valid.", "%(n)d fields are not valid.", len(self.errors)
                )
                % {"n": len(self.errors)}
            )
        first_field = self.errors[0][0] if self.errors else None
        super().__init__(message, code=code, field=first_field, status=status)

    @classmethod
    def from_pydantic(cls, exc: PydanticValidationError) -> InvalidInput:
        # The input's own locations: nothing of ninja's to strip (a field may be called
        # `form` or `path`).
        return cls([(_joined(e["loc"]), error_message(e)) for e in exc.errors()])

    def messages_for(self, field):
        return [msg for f, msg in self.errors if f == field]


class FieldErrors:
    """Collects the errors a service finds in an input, so that all of them are reported
    together: `errors.add("slug", _("…"))`, then `errors.raise_if_any()`."""

    def __init__(self):
        self.errors: list[tuple[str | None, str]] = []

    def add(self, field: str | None, message) -> None:
        self.errors.append((field, str(message)))

    def __bool__(self):
        return bool(self.errors)

    def __contains__(self, field):
        return any(f == field for f, _m in self.errors)

    def raise_if_any(self):
        if self.errors:
            raise InvalidInput(self.errors)


# --- what a change says back ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What a service did: `value` (the object it made or changed), `created` (made now) or
    `replayed` (a retry answered with what an earlier call made), and warnings in words."""

    value: T
    created: bool = False
    replayed: bool = False
    warnings: tuple[str, ...] = ()


# --- pydantic's errors in the reader's words ------------------------------------------------------

# Where ninja puts a parameter, and the name every operation gives its JSON body: neither is
# part of the field's name for the person who sent it.
BODY_PARAM = "payload"
_PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _joined(loc) -> str | None:
    return ".".join(str(part) for part in loc or ()) or None


def field_name(loc) -> str | None:
    """`title_en`, `languages.0.level`: the field an error is about, without where ninja put
    it; None when the error is about the whole input."""
    loc = list(loc or ())
    if loc[:2] == ["body", BODY_PARAM]:
        loc = loc[2:]
    elif loc and loc[0] in _PARAM_SOURCES:
        loc = loc[1:]
    return ".".join(str(part) for part in loc) or None


def _choices(expected):
    # pydantic says "'a', 'b' or 'c'"; keep the values, drop the English "or".
    values = re.findall(r"'([^']*)'", expected or "")
    return ", ".join(values) if values else str(expected)


def _number(value):
    """A limit as a person writes it: 90, not 90.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def error_message(error) -> str:
    """A pydantic error in the reader's words (gettext), the same on every path."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind.endswith("_type") and error.get("input", "") is None):
        # a null where a value is needed says the same as a value left out
        return _("This field is required.")
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"):
        return _("Enter a number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("string_type", "string_unicode"):
        return _("Enter a text.")
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return _("Enter a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Send a JSON object.")
    if kind in ("time_type", "time_parsing"):
        return _("Enter a time (HH:MM).")
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return _("Enter a date and time.")
    if kind in (
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    ):
        return _("Enter a date (YYYY-MM-DD).")
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(choices)s.") % {"choices": _choices(ctx.get("expected"))}
    if kind == "greater_than_equal":
        return _("Enter a value of at least %(limit)s.") % {"limit": _number(ctx.get("ge"))}
    if kind == "greater_than":
        return _("Enter a value greater than %(limit)s.") % {"limit": _number(ctx.get("gt"))}
    if kind == "less_than_equal":
        return _("Enter a value of at most %(limit)s.") % {"limit": _number(ctx.get("le"))}
    if kind == "less_than":
        return _("Enter a value less than %(limit)s.") % {"limit": _number(ctx.get("lt"))}
    if kind == "string_too_long":
        return _("Use at most %(n)d characters.") % {"n": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        if ctx.get("min_length", 0) == 1:
            return _("This field is required.")
        return _("Use at least %(n)d characters.") % {"n": ctx.get("min_length", 0)}
    if kind == "too_long":
        return _("Give at most %(n)d items.") % {"n": ctx.get("max_length", 0)}
    if kind == "too_short":
        return _("Give at least %(n)d items.") % {"n": ctx.get("min_length", 0)}
    if kind == "date_out_of_range":
        return _("Enter a date between %(first)s and %(last)s.") % {
            "first": ctx.get("first"),
            "last": ctx.get("last"),
        }
    if kind == "nul_character":
        return _("Remove the invisible NUL character from this text.")
    if kind == "extra_forbidden":
        return _("This field is not known.")
    if kind == "rule":
        # A rule of the input's own (`broken`): its message is already in the reader's words.
        return str(ctx.get("message") or error.get("msg"))
    return _("Enter a valid value.")


def broken(message) -> PydanticCustomError:
    """The error a validator raises for one of the input's own rules, in the reader's words:
    `raise broken(_("The block must end after it starts."))`. Across fields, use
    `rule_errors` in a model validator so that the error names its field."""
    return PydanticCustomError("rule", "{message}", {"message": str(message)})


def rule_errors(errors: list[tuple[str, Any]], model_name: str = "Input"):
    """For a model validator (mode="after"): raise the rules broken across fields, each
    naming its field, as one pydantic error."""
    from pydantic_core import InitErrorDetails
    from pydantic_core import ValidationError as CoreValidationError

    if not errors:
        return
    details = [
        InitErrorDetails(
            type=PydanticCustomError("rule", "{message}", {"message": str(message)}),
            loc=(field,) if field else (),
            input=None,
        )
        for field, message in errors
    ]
    raise CoreValidationError.from_exception_data(model_name, details)
