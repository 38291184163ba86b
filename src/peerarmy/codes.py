"""Codes people read and type (a booking's, a campaign's, a listing's), the secret tokens of
e-mailed links (only their hash is stored), and payment references unique in a business.

This module is a base layer: it imports no app."""

from __future__ import annotations

import hashlib
import secrets

from django.utils.translation import gettext as _

from peerarmy.errors import DomainError

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed again


def random_code(length=8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def token_hash(token: str) -> str:
    """What is stored of a link's secret token: its SHA-256, so a copy of the database
    opens no link."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh secret for an e-mailed link, and the hash to store."""
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def unique_code(model, business, field="code", length=8) -> str:
    """A random code no row of `model` in the business has yet in `field`."""
    for _attempt in range(8):
        code = random_code(length)
        if not model.objects.filter(business=business, **{field: code}).exists():
            return code
    raise DomainError(_("Could not make a unique code; try again."))


def unique_reference(model, business, make) -> str:
    """A payment reference (`make(body)`: an ISO 11649 RF from a random body) no row of
    `model` in the business has yet."""
    for _attempt in range(8):
        reference = make(random_code(10).upper())
        if not model.objects.filter(business=business, reference=reference).exists():
            return reference
    raise DomainError(_("Could not make a unique payment reference; try again."))
