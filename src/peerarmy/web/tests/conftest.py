"""Fixtures for the web tests: browsers that speak a language, and people in roles."""

import pytest
from django.conf import settings


@pytest.fixture
def english(client):
    """A visitor who chose English with the language switcher."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff_en(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return staff_client


@pytest.fixture
def staff_api(client, business, staff):
    """The staff member's API client, for the paired tests that drive the console and the
    API with the same input (`paired.py`); messages in English, like `staff_en`."""
    from peerarmy.accounts.services import create_token
    from peerarmy.api.tests.conftest import ApiClient

    _token, raw = create_token(business=business, actor=staff).value
    return ApiClient(client, raw, language="en")
