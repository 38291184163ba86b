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
