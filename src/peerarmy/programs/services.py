"""Every change to a program: create, edit, publish, close, delete a draft."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.errors import InvalidTransition
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.peers.selectors import skills_by_slug
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can

from . import selectors
from .inputs import ProgramInput
from .models import Program, ProgramStatus

SLUG_TAKEN = gettext_lazy("Another program already uses this address.")


def _check(business, data: ProgramInput, program=None):
    """The rules that need the business's data, all reported at once; returns the address
    and the skills."""
    errors = FieldErrors()
    if data.slug is None and program is not None:
        slug = program.slug  # keep the address people may already have shared
    else:
        slug = data.address
    if selectors.slug_taken(business, slug, program=program):
        errors.add("slug", SLUG_TAKEN)
    skills = skills_by_slug(business, data.required_skills)
    unknown = [s for s in data.required_skills if s not in skills]
    if unknown:
        errors.add(
            "required_skills", _("Unknown skill: %(skills)s.") % {"skills": ", ".join(unknown)}
        )
    errors.raise_if_any()
    return slug, [skills[s] for s in data.required_skills]


def _save(program, data: ProgramInput, slug, skills):
    for name in (
        "kind",
        "title_it",
        "title_en",
        "summary_it",
        "summary_en",
        "description_it",
        "description_en",
        "required_languages",
        "min_reliability",
        "required_verifications",
    ):
        setattr(program, name, getattr(data, name))
    program.slug = slug
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError:
        # Two staff creating the same address at once: the constraint decides.
        errors = FieldErrors()
        errors.add("slug", SLUG_TAKEN)
        errors.raise_if_any()
    program.required_skills.set(skills)
    # What the console and the API show of the result: its skills as saved.
    prefetch_related_objects([program], "required_skills")
    return program


@transaction.atomic
def create_program(*, business, actor, data: ProgramInput) -> Outcome[Program]:
    """A new program, as a draft."""
    check_can(actor, business, Capability.SETUP)
    slug, skills = _check(business, data)
    program = _save(Program(business=business), data, slug, skills)
    return Outcome(program, created=True)


@transaction.atomic
def update_program(*, business, actor, program, data: ProgramInput) -> Outcome[Program]:
    """Change a program's texts and who may join; a closed program cannot change, nor can
    the kind of a published one."""
    check_can(actor, business, Capability.SETUP)
    program = selectors.get_program(business, program.pk, for_update=True)
    if program.status == ProgramStatus.CLOSED:
        raise InvalidTransition(_("A closed program cannot be edited."))
    if data.kind != program.kind and program.status != ProgramStatus.DRAFT:
        raise InvalidTransition(_("The kind of a published program cannot change."), field="kind")
    slug, skills = _check(business, data, program)
    return Outcome(_save(program, data, slug, skills))


@transaction.atomic
def publish_program(*, business, actor, program) -> Outcome[Program]:
    check_can(actor, business, Capability.SETUP)
    program = selectors.get_program(business, program.pk, for_update=True)
    if program.status != ProgramStatus.DRAFT:
        raise InvalidTransition(_("Only a draft can be published."))
    program.status = ProgramStatus.PUBLISHED
    program.published_at = timezone.now()
    program.save(update_fields=["status", "published_at", "updated_at"])
    return Outcome(program)


@transaction.atomic
def close_program(*, business, actor, program) -> Outcome[Program]:
    check_can(actor, business, Capability.SETUP)
    program = selectors.get_program(business, program.pk, for_update=True)
    if program.status == ProgramStatus.CLOSED:
        raise InvalidTransition(_("This program is already closed."))
    program.status = ProgramStatus.CLOSED
    program.closed_at = timezone.now()
    program.save(update_fields=["status", "closed_at", "updated_at"])
    return Outcome(program)


@transaction.atomic
def delete_program(*, business, actor, program) -> Outcome[None]:
    """Delete a program that was never published; a published one is closed instead, so
    that what peers did in it stays on record."""
    check_can(actor, business, Capability.SETUP)
    locked = selectors.get_program(business, program.pk, for_update=True)
    if locked.status != ProgramStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be deleted; close the program instead."), code="not_draft"
        )
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError:
        # A draft that already has blocks or rewards keeps them on record: close it instead.
        raise InvalidTransition(
            _("This draft already has blocks or rewards; close the program instead."),
            code="not_draft",
        ) from None
    return Outcome(None)
