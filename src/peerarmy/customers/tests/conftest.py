"""Fixtures of the import tests: uploads land in a temporary MEDIA_ROOT."""

import pytest
from django.conf import settings as django_settings


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_en(staff_client):
    staff_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return staff_client
