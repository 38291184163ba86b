"""A client that speaks to the API with a staff member's bearer token."""

import json

import pytest

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_token

PROBLEM = "application/problem+json"


class ApiClient:
    """Django's test client with the token in every request and JSON bodies."""

    def __init__(self, client, raw_token, language=None):
        self.client = client
        self.raw = raw_token
        self.language = language

    def _headers(self, extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"} if self.raw else {}
        if self.language:
            headers["HTTP_ACCEPT_LANGUAGE"] = self.language
        headers.update(extra)
        return headers

    def get(self, url, params=None, **extra):
        return self.client.get(url, params or {}, **self._headers(extra))

    def _send(self, method, url, body, extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(
            url, data=data, content_type="application/json", **self._headers(extra)
        )

    def post(self, url, body=None, **extra):
        return self._send("post", url, {} if body is None else body, extra)

    def patch(self, url, body=None, **extra):
        return self._send("patch", url, {} if body is None else body, extra)

    def delete(self, url, **extra):
        return self.client.delete(url, **self._headers(extra))


def problem_fields(response):
    """The fields a problem+json response blames, after checking it is one."""
    assert response["Content-Type"].startswith(PROBLEM), response.content
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"] == f"https://peerarmy.dev/problems/{body['code']}"
    assert body["title"] and body["detail"]
    return [error["field"] for error in body["errors"]]


@pytest.fixture
def raw_token(business, staff):
    _token, raw = create_token(business=business, actor=staff, data=TokenInput(name="Till")).value
    return raw


@pytest.fixture
def api(client, raw_token):
    return ApiClient(client, raw_token)


@pytest.fixture
def other_api(client, other_business, other_staff):
    _token, raw = create_token(business=other_business, actor=other_staff).value
    return ApiClient(client, raw)
