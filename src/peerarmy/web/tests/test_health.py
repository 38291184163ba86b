"""The probes a load balancer asks: alive (no database), and ready to serve."""

import pytest
from django.db import DatabaseError

from peerarmy.web.views import health


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_says_ready_when_the_database_answers_and_is_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "applied"}


@pytest.mark.django_db
def test_readyz_counts_the_migrations_still_to_apply(client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(health, "_pending_migrations", lambda: ["rewards.0009_new"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == 1  # how many, not their names


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_database_is_down(client, monkeypatch):
    def down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "ensure_connection", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
