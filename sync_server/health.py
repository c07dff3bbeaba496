"""Operations routes: liveness, readiness and metrics (not part of the sync protocol).

``/healthz``: the process answers (no database). ``/readyz``: the database answers, its schema
is at the newest migration, and the master key opens the newest sealed row; otherwise 503 with
a code (``database_unreachable``, ``database_not_migrated``, ``key_unusable``). ``/metrics``:
the Prometheus text format, to loopback callers only unless ``--metrics open`` (``metrics``).
"""

import functools

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sync_server import metrics
from sync_server.crypto import Sealer, Unreadable, sync_row_binding
from sync_server.deps import ContextDep
from sync_server.errors import error_response
from sync_server.migrate import MIGRATIONS
from sync_server.sync.models import SyncRow

router = APIRouter(include_in_schema=False)


@functools.cache
def _head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def readiness_problem(engine: Engine, sealer: Sealer) -> tuple[str, str] | None:
    """``(code, message)`` of what keeps the server from serving, or None when ready."""
    try:
        return _database_problem(engine, sealer)
    except SQLAlchemyError as exc:  # any driver error means the same: not reachable
        return "database_unreachable", f"the database does not answer ({type(exc).__name__})"


def _database_problem(engine: Engine, sealer: Sealer) -> tuple[str, str] | None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
        if current != _head_revisions():
            return ("database_not_migrated",
                    "the database schema is not at the newest revision: run 'imi-server init'")
        # The newest sealed row: the key file given must open it (not another system's).
        with Session(bind=connection) as session:
            newest = session.execute(
                select(SyncRow.kind, SyncRow.entity_id, SyncRow.audience, SyncRow.payload)
                .where(SyncRow.sealed.is_(True), SyncRow.payload.is_not(None))
                .order_by(SyncRow.seq.desc()).limit(1)).first()
    if newest is None or newest.payload is None:
        return None
    kind, entity_id, audience = newest.kind, newest.entity_id, newest.audience
    try:
        sealer.open(newest.payload, where=sync_row_binding(kind, entity_id, audience))
    except Unreadable:
        return ("key_unusable",
                "the master key does not open the stored data: is this the system's key file?")
    return None


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/readyz")
def readyz(context: ContextDep) -> JSONResponse:
    problem = readiness_problem(context.engine, context.sealer)
    if problem is not None:
        return error_response(503, *problem)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics_text(request: Request, context: ContextDep) -> Response:
    client = request.client.host if request.client else None
    if not metrics.may_read(context.settings.metrics_access, client):
        return error_response(404, "not_found", "Not Found")
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
