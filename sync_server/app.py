"""The ASGI application."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol.messages import PRODUCTION_SYSTEM, SYSTEM_HEADER, TRAINING_SYSTEM
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.admin_routes import router as admin_router
from sync_server.auth.routes import router as auth_router
from sync_server.blobs.routes import router as blob_router
from sync_server.catalogue.routes import router as catalogue_router
from sync_server.config import Settings
from sync_server.context import ServerContext, build_context
from sync_server.errors import BodyLimit, RequestScope, install_error_handlers
from sync_server.health import router as health_router
from sync_server.jobs.runner import JobRunner
from sync_server.mail.routes import router as mail_router
from sync_server.mail.sender import MailSender
from sync_server.organisation.routes import router as organisation_router
from sync_server.registration.routes import router as registration_router
from sync_server.sync import epoch
from sync_server.sync.idle import IdleLane
from sync_server.sync.relay import relayed
from sync_server.sync.routes import router as sync_router
from sync_server.translation.routes import router as translation_router


def create_app(
    settings: Settings | None = None, *, context: ServerContext | None = None
) -> FastAPI:
    if context is None:
        assert settings is not None, "give settings or a context"
        context = build_context(settings)
    server = context

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        data_dir, sessions = server.settings.data_dir, server.sessions
        await run_in_threadpool(epoch.check_restored, data_dir, sessions)
        await run_in_threadpool(epoch.remember, data_dir, sessions)
        runner = _runner(server)
        interval = server.settings.job_interval_s
        task = asyncio.create_task(runner.run_forever(interval)) if interval > 0 else None
        try:
            async with relayed(server.notifier, server.settings.database_url):
                yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        server.notifier.close()
        await run_in_threadpool(epoch.remember, data_dir, sessions)
        # Close the pooled connections now: uvicorn ends the process by re-raising the stop
        # signal, and SQLite folds its write-ahead log into the database file on last close.
        server.engine.dispose()

    app = api(training=context.training, lifespan=lifespan)
    app.state.context = context
    return app


def _runner(context: ServerContext) -> JobRunner:
    smtp = context.settings.smtp
    runner = JobRunner(sessions=context.sessions, sealer=context.sealer,
                       notifier=context.notifier)
    if smtp is not None:
        runner.mailer = MailSender(context.sessions, smtp, owner=runner.owner)
    return runner


def api(*, training: bool = False,
        lifespan: Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]] | None = None
        ) -> FastAPI:
    """The routes, middleware and error handlers, without a database: what ``/openapi.json``
    describes (``create_app`` adds the context every request needs and its lifespan)."""
    app = FastAPI(
        lifespan=lifespan,
        title="IMI sync server",
        version=f"protocol {PROTOCOL_VERSION}",
        description="Routes requests between competent authorities and syncs their replicas.",
        # FastAPI's own OpenTelemetry hooks look for configured providers on every request
        # (about 10 us of an idle check's 100): the server's metrics are Prometheus'.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # Innermost: the idle sync checks, answered ahead of the routes (``sync.idle``).
    app.add_middleware(IdleLane)
    app.add_middleware(BodyLimit)
    app.add_middleware(SystemHeader, training=training)
    app.add_middleware(RequestScope)  # added last: the outermost, so it sees every error
    install_error_handlers(app)
    app.include_router(auth_router)
    app.include_router(sync_router)
    app.include_router(blob_router)
    app.include_router(admin_router)
    app.include_router(mail_router)
    app.include_router(translation_router)
    app.include_router(catalogue_router)
    app.include_router(organisation_router)
    app.include_router(registration_router)
    app.include_router(health_router)
    return app


class SystemHeader:
    """Names the kind of system (training or production) on every answer."""

    def __init__(self, app: ASGIApp, *, training: bool) -> None:
        self.app = app
        kind = TRAINING_SYSTEM if training else PRODUCTION_SYSTEM
        self.header = (SYSTEM_HEADER.lower().encode("latin-1"), kind.encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, send_with_header)
