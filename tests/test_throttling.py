"""Failed logins are counted in a cache every process shares: with two web workers, a guesser
gets as many tries as with one. The database cache by default, Redis where configured."""

import socket

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from peerarmy.tenancy.tests.factories import UserFactory


def test_the_default_cache_is_shared_by_every_process():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in (
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    ), "a per-process cache would let each web worker count failed logins on its own"


def _login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _after_failures(client, settings, failures):
    from allauth.account.models import EmailAddress

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    user = UserFactory(email="guessed@example.org")
    user.set_password("the-right-one-2026")
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    for attempt in range(failures):
        _login(client, "guessed@example.org", f"wrong-{attempt}")
    return _login(client, "guessed@example.org", "the-right-one-2026")


def _refused_after_three_failures(client, settings):
    return _after_failures(client, settings, 3)


@pytest.mark.django_db(transaction=True)
def test_control_two_failures_still_let_the_right_password_in(client, settings):
    _after_failures(client, settings, 2)
    assert "_auth_user_id" in client.session


@pytest.mark.django_db(transaction=True)
def test_failed_logins_are_counted_in_the_database_that_every_worker_reads(client, settings):
    response = _refused_after_three_failures(client, settings)

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session, "the fourth try logged in"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{settings.CACHES["default"]["LOCATION"]}"')  # noqa: S608
        assert cursor.fetchone()[0] >= 1


def _redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_with_redis_configured_the_count_lives_in_redis(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"peerarmy-test-{id(client)}",
        }
    }
    caches["default"].clear()
    try:
        response = _refused_after_three_failures(client, settings)
        assert "_auth_user_id" not in client.session, "the fourth try logged in"
        assert response.status_code in (200, 429)
    finally:
        caches["default"].clear()
