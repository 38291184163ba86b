import pytest
from django.conf import settings


@pytest.fixture
def client(client):
    """A visitor who chose English with the language switcher (the test shops speak Italian
    by default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
