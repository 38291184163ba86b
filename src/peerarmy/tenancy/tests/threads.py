"""For tests that race real threads against the database."""

import pytest
from django.db import connection

# Threads need one database they all reach: PostgreSQL, or SQLite in a file (the test settings
# use a file). An in-memory SQLite database exists per connection, so the race would be void.
_test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
requires_shared_database = pytest.mark.skipif(
    connection.vendor == "sqlite" and (not _test_name or ":memory:" in str(_test_name)),
    reason="an in-memory SQLite database cannot be shared between threads",
)
