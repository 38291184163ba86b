"""Probes for a load balancer or an orchestrator: `/healthz` says the process answers (no
database, so a slow database never gets a healthy web process restarted), `/readyz` says it
can serve (the database answers and every migration is applied)."""

import json
import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)
_migrated = False  # once every migration is applied it stays so until the next deploy


def _json(status, body):
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


@never_cache
@require_GET
def healthz(request):
    return _json(200, {"status": "ok"})


def _pending_migrations():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return [f"{m.app_label}.{m.name}" for m, _b in executor.migration_plan(
        executor.loader.graph.leaf_nodes()
    )]  # fmt: skip


@never_cache
@require_GET
def readyz(request):
    global _migrated
    try:
        connection.ensure_connection()
        if not connection.is_usable():
            raise DatabaseError("the connection is not usable")
        if not _migrated:
            pending = _pending_migrations()
            if pending:
                # how many, not which: the probe answers anyone who asks
                logger.warning("readiness: %d migrations to apply", len(pending))
                return _json(
                    503,
                    {"status": "unavailable", "database": "ok", "pending_migrations": len(pending)},
                )
            _migrated = True
    except DatabaseError as exc:
        logger.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        return _json(503, {"status": "unavailable", "database": "unreachable"})
    return _json(200, {"status": "ok", "database": "ok", "migrations": "applied"})
