"""Test set-up shared by every app: test settings, scopes, and the e-mail outbox."""

import os

os.environ.setdefault("PEERARMY_TESTING", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API in e2e tests

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _scopes_disabled_for_test_code():
    """Test code (factories, assertions) runs unscoped; every request a test makes is scoped
    again by the tenant middleware, so the views and API are tested under real scoping."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"
