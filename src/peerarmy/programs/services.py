"""Every change to a program: create, edit, publish, close."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerarmy.errors import InvalidTransition, ValidationFailed
from peerarmy.peers.models import LANGUAGE_NAMES, Skill
from peerarmy.tenancy.services import check_can_manage

from .models import Program, ProgramKind, ProgramStatus

TEXT_LIMITS = {
    "title_it": 120,
    "title_en": 120,
    "summary_it": 280,
    "summary_en": 280,
    "description_it": 10000,
    "description_en": 10000,
}
EDITABLE = [
    "kind",
    "slug",
    *TEXT_LIMITS,
    "required_languages",
    "min_reliability",
    "required_skills",
]


def _clean(business, data, program=None):
    clean = {}
    if "kind" in data or program is None:
        kind = data.get("kind")
        if kind not in ProgramKind.values:
            raise ValidationFailed(
                _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ProgramKind.values)},
                field="kind",
            )
        clean["kind"] = kind
    for field, limit in TEXT_LIMITS.items():
        if field in data:
            value = (data.get(field) or "").strip()
            if len(value) > limit:
                raise ValidationFailed(
                    _("Use at most %(n)d characters.") % {"n": limit}, field=field
                )
            clean[field] = value
    for field in ("title_it", "title_en"):
        current = clean.get(field, getattr(program, field, "") if program else "")
        if not current:
            raise ValidationFailed(_("A title is required in both languages."), field=field)
    if "slug" in data or program is None:
        slug = slugify(data.get("slug") or clean.get("title_en") or clean.get("title_it") or "")
        slug = slug[:60].strip("-")
        if not slug:
            raise ValidationFailed(_("Enter a valid address."), field="slug")
        taken = Program.objects.filter(business=business, slug=slug)
        if program is not None:
            taken = taken.exclude(pk=program.pk)
        if taken.exists():
            raise ValidationFailed(_("Another program already uses this address."), field="slug")
        clean["slug"] = slug
    if "required_languages" in data:
        langs = list(dict.fromkeys(data.get("required_languages") or []))
        unknown = [code for code in langs if code not in LANGUAGE_NAMES]
        if unknown:
            raise ValidationFailed(
                _("Unknown language “%(code)s”.") % {"code": unknown[0]}, field="required_languages"
            )
        clean["required_languages"] = langs
    if "min_reliability" in data:
        try:
            value = int(data.get("min_reliability") or 0)
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("Enter a whole number from 0 to 100."), field="min_reliability"
            ) from None
        if not 0 <= value <= 100:
            raise ValidationFailed(
                _("Enter a whole number from 0 to 100."), field="min_reliability"
            )
        clean["min_reliability"] = value
    if "required_skills" in data:
        slugs = list(dict.fromkeys(data.get("required_skills") or []))
        skills = list(Skill.objects.filter(business=business, slug__in=slugs))
        if len(skills) != len(slugs):
            unknown = sorted(set(slugs) - {s.slug for s in skills})
            raise ValidationFailed(
                _("Unknown skill: %(skills)s.") % {"skills": ", ".join(unknown)},
                field="required_skills",
            )
        clean["required_skills"] = skills
    return clean


def _save(program, clean):
    skills = clean.pop("required_skills", None)
    for field, value in clean.items():
        setattr(program, field, value)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError:
        # Two staff creating the same address at once: the constraint decides.
        raise ValidationFailed(
            _("Another program already uses this address."), field="slug"
        ) from None
    if skills is not None:
        program.required_skills.set(skills)
    return program


@transaction.atomic
def create_program(*, business, actor, data):
    check_can_manage(actor, business)
    clean = _clean(business, data)
    return _save(Program(business=business), clean)


@transaction.atomic
def update_program(*, business, actor, program, data):
    check_can_manage(actor, business)
    if program.business_id != business.id:
        raise ValidationFailed(_("Unknown program."), field="program")
    if program.status == ProgramStatus.CLOSED:
        raise InvalidTransition(_("A closed program cannot be edited."))
    if "kind" in data and data["kind"] != program.kind and program.status != ProgramStatus.DRAFT:
        raise InvalidTransition(_("The kind of a published program cannot change."), field="kind")
    clean = _clean(business, data, program)
    return _save(program, clean)


@transaction.atomic
def publish_program(*, business, actor, program):
    check_can_manage(actor, business)
    program = Program.objects.select_for_update().get(pk=program.pk, business=business)
    if program.status != ProgramStatus.DRAFT:
        raise InvalidTransition(_("Only a draft can be published."))
    if not (program.title_it and program.title_en):
        raise ValidationFailed(_("A title is required in both languages."), field="title_en")
    program.status = ProgramStatus.PUBLISHED
    program.published_at = timezone.now()
    program.save(update_fields=["status", "published_at", "updated_at"])
    return program


@transaction.atomic
def close_program(*, business, actor, program):
    check_can_manage(actor, business)
    program = Program.objects.select_for_update().get(pk=program.pk, business=business)
    if program.status == ProgramStatus.CLOSED:
        raise InvalidTransition(_("This program is already closed."))
    program.status = ProgramStatus.CLOSED
    program.closed_at = timezone.now()
    program.save(update_fields=["status", "closed_at", "updated_at"])
    return program


@transaction.atomic
def delete_program(*, business, actor, program):
    """Delete a program that was never published; a published one is closed instead, so
    that what peers did in it stays on record."""
    check_can_manage(actor, business)
    locked = Program.objects.select_for_update().filter(pk=program.pk, business=business).first()
    if locked is None:
        raise ValidationFailed(_("Unknown program."), field="program", status=404)
    if locked.status != ProgramStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be deleted; close the program instead."), code="not_draft"
        )
    locked.delete()
