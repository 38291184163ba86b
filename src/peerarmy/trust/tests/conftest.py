"""The API tests' clients (a member's token of each business), for the trust API tests."""

import pytest
from django.conf import settings

from peerarmy.api.tests.conftest import ApiClient, other_api, raw_token  # noqa: F401


@pytest.fixture
def api(client, raw_token):  # noqa: F811 - the shared fixture, reading English
    return ApiClient(client, raw_token, language="en")


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """The pages these tests read are asked for in English (the business's own is Italian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
