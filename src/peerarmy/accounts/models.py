"""User accounts (log in by e-mail) and the API tokens that act for a user in one business."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """One person, one account across every business they belong to."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="it",
        help_text=_("The language of the e-mails we send you."),
    )
    # The business whose "Join the army" led to the sign-up: its brand on the sign-up and
    # verification pages and e-mails, and its application form after the first log-in, on
    # whichever device the person confirms their address.
    joined_from = models.CharField(_("signed up from"), max_length=50, blank=True)
    privacy_accepted_at = models.DateTimeField(_("privacy notice accepted"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    @property
    def display_name(self):
        return self.get_full_name() or self.email.split("@")[0]


TOKEN_PREFIX = "pa_"


def hash_token(raw: str) -> str:
    # Tokens are 256 bits of randomness, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenKind(models.TextChoices):
    # What a token may reach: a member's token the staff endpoints, a peer's token only the
    # peer's own endpoints under /me/ (even when the same person is also staff).
    MEMBER = "member", pgettext_lazy("API token kind", "Staff")
    PEER = "peer", pgettext_lazy("API token kind", "Peer")


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its hash is stored, the raw value is shown once."""

    business = models.ForeignKey(
        "tenancy.Business",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("business"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=8, choices=TokenKind.choices, default=TokenKind.MEMBER
    )
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ScopedManager(business="business")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None
